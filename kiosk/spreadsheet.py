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


def write_report(path, table, translate) -> None:
    """A report_table.Table for finance: a .xlsx with a named sheet, translated headers
    and money as numbers shown with two decimals; a .csv (BOM) as the screen shows it."""
    from pathlib import Path
    if Path(path).suffix.lower() != ".xlsx":
        write_table(path, table.shown(translate))
        return
    write_table(path, [table.header(translate)] + table.typed(translate),
                sheet=_sheet_name(translate(table.title)), money_columns=table.money_columns())


def _sheet_name(title: str) -> str:
    """Excel allows 31 characters in a sheet's name, and none of [ ] : * ? / or a backslash."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1"


def write_table(path, rows: list[list], *, sheet: str = "Sheet1",
                money_columns: list[int] = ()) -> None:
    """Rows (the first is the header) to a .csv (UTF-8 with BOM, which Excel opens as
    Chinese text) or an .xlsx, every text cell made safe; written atomically."""
    import os
    from pathlib import Path
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        book = Workbook(write_only=True)
        worksheet = book.create_sheet(title=sheet)

        def cell(index, value):
            if isinstance(value, str):
                return safe_cell(value)
            if index in money_columns and value is not None:
                written = WriteOnlyCell(worksheet, value=value)
                written.number_format = "#,##0.00"
                return written
            return value
        for row in rows:
            worksheet.append([cell(index, value) for index, value in enumerate(row)])
        book.save(temporary)
    else:
        import csv
        with open(temporary, "w", newline="", encoding="utf-8-sig") as handle:
            csv.writer(handle).writerows([[safe_cell(cell) for cell in row] for row in rows])
    os.replace(temporary, path)
