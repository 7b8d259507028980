"""Cells for files that finance opens in Excel: no formula injection.

A cell that begins with = + - @ (or a tab or carriage return) is run as a formula by
spreadsheet programs; a member named `=HYPERLINK(...)` must stay text. Such cells get
a leading apostrophe, except real numbers (a refund of -12.30 stays a number).
"""

from __future__ import annotations

import re

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def safe_cell(value) -> str:
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text.startswith(DANGEROUS_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_table(path, rows: list[list]) -> None:
    """Rows (the first is the header) to a .csv (UTF-8 with BOM, which Excel opens as
    Chinese text) or an .xlsx, every text cell made safe; written atomically."""
    import os
    from pathlib import Path
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in rows:
            sheet.append([safe_cell(cell) if isinstance(cell, str) else cell for cell in row])
        book.save(temporary)
    else:
        import csv
        with open(temporary, "w", newline="", encoding="utf-8-sig") as handle:
            csv.writer(handle).writerows([[safe_cell(cell) for cell in row] for row in rows])
    os.replace(temporary, path)


def write_workbook(path, sheets: dict[str, list[list]]) -> None:
    """Several sheets (name -> rows, the first row a header) to one .xlsx, every text
    cell made safe; written atomically."""
    import os
    from pathlib import Path

    from openpyxl import Workbook
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    book = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        for row in rows:
            sheet.append([safe_cell(cell) if isinstance(cell, str) else cell for cell in row])
    book.save(temporary)
    os.replace(temporary, path)
