"""Reading the CSV and XLSX files people bring (batch recharge lists, old-system card
balances, channel statements): regular files only, limits on what is read (kiosk/files.py,
kiosk/workbook.py), encodings, and rows as text with their line numbers, so every
problem can be reported by line."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import InvalidInput, N_, translated
from kiosk.files import decoded_text, open_regular, read_regular
from kiosk.workbook import sheet_rows

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_CELL = 500


@dataclass(frozen=True)
class Problem:
    line: int
    message_id: str
    params: dict

    def render(self, translate) -> str:
        return translate(N_("line {line}: ")).format(line=self.line) + \
            translate(self.message_id).format(**translated(self.params, translate))


class TableProblems(InvalidInput):
    """A file with bad rows: nothing was imported; `problems` says which and why."""

    default_message = N_("{count} problem(s) in the file; nothing was imported. {first}")

    def __init__(self, problems: list[Problem], translate=lambda text: text) -> None:
        self.problems = problems
        super().__init__(count=len(problems), first=problems[0].render(translate))

    def render(self, translate=lambda text: text) -> str:
        text = translate(self.message_id)
        return text.format(count=len(self.problems), first=self.problems[0].render(translate))


def read_rows(path: str | Path, *, max_rows: int = MAX_ROWS
              ) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells as stripped text) for each non-empty row of a .csv or .xlsx;
    at most `max_rows` (a card maker's file is larger than a recharge list)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(_csv_bytes(path))
    elif suffix == ".xlsx":
        rows = _xlsx_rows(path)
    else:
        raise InvalidInput(N_("Only .csv and .xlsx files can be imported."))
    count = 0
    for line, cells in rows:
        cells = [_cell_text(cell) for cell in cells]
        if not any(cells):
            continue
        count += 1
        if count > max_rows:
            raise InvalidInput(N_("The file has more than {most} rows; split it."),
                               most=max_rows)
        yield line, cells


def _too_large() -> InvalidInput:
    return InvalidInput(N_("The file is larger than {most} MB."), most=MAX_BYTES // 2**20)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:MAX_CELL]


def _csv_bytes(path: Path) -> bytes:
    data = read_regular(path, MAX_BYTES)
    if len(data) > MAX_BYTES:
        raise _too_large()
    return data


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = decoded_text(data)
    if "\x00" in text:
        raise InvalidInput(N_("The file is not a text CSV file."))
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
    except csv.Error as error:
        raise InvalidInput(N_("The CSV file is malformed ({detail})."),
                           detail=str(error)[:80]) from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list]]:
    with open_regular(path) as handle:
        if os.fstat(handle.fileno()).st_size > MAX_BYTES:
            raise _too_large()
        yield from sheet_rows(handle)


def looks_like_header(cells: list[str]) -> bool:
    """A first row of words only (卡号, 金额) is a header. A row with a digit anywhere is
    data and is checked like any other row: a first amount written ¥100.00, or a first
    row missing its amount, is never dropped as if it were a header."""
    return not any(character.isdigit() for cell in cells for character in cell)
