"""The cell values of an .xlsx workbook's first sheet, read as a stream within limits.

Workbooks that people bring are read here, not with openpyxl (which still writes
finance's workbooks): openpyxl builds each row whole, and the whole shared-string
table, before anyone can count, so one crafted row of a million cells or one cell of
2.5 GB exhausts memory, whatever the size of the file. Here:
- the zip's declared sizes are checked before anything is inflated, and zipfile never
  inflates a member past its declared size (a lying header ends in a CRC error);
  only stored and deflated members, whose inflating zipfile does in bounded steps;
- no DTD (a workbook never has one), so no entity expansion;
- a value keeps at most MAX_TEXT characters while it is parsed, and a sheet may hold
  at most MAX_CELLS cells in MAX_COLUMNS columns and MAX_ROWS rows.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO
from xml.parsers import expat

from kiosk.errors import InvalidInput, N_

MAX_UNPACKED = 32 * 1024 * 1024  # 20,000 rows of a dozen columns unpack to far less
MAX_CELLS = 400_000
MAX_ROWS = 200_000  # row elements, empty ones too: twice a card maker's file (100,000 cards)
MAX_COLUMNS = 200
MAX_RELATIONSHIPS = 10_000
MAX_TEXT = 2_000  # more than any cell the kiosk reads; tables.py cuts to its own limit
CHUNK = 64 * 1024

WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELATIONS = "xl/_rels/workbook.xml.rels"
_CELL_REFERENCE = re.compile(r"([A-Z]{1,3})[0-9]*")


class _Malformed(Exception):
    """Raised inside the parser; becomes "not a readable workbook"."""


def _not_a_workbook() -> InvalidInput:
    return InvalidInput(N_("The file is not a readable .xlsx workbook."))


def sheet_rows(file: BinaryIO) -> Iterator[tuple[int, list]]:
    """(row number, values) for each row of the first sheet. A value is text, an int,
    a float or a bool, and None for a missing cell."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise _not_a_workbook() from None
    with archive:
        _check_members(archive)
        sheet, strings_part = _parts(archive)
        strings = _SharedStrings()
        if strings_part:
            _parse_whole(archive, strings_part, strings)
        reader = _SheetReader(strings.values)
        for _ in _parse(archive, sheet, reader):
            yield from reader.rows
            reader.rows.clear()


def _check_members(archive: zipfile.ZipFile) -> None:
    unpacked = 0
    for info in archive.infolist():
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
                or info.flag_bits & 0x1:  # another compression, or encrypted
            raise _not_a_workbook()
        unpacked += info.file_size
    if unpacked > MAX_UNPACKED:
        raise InvalidInput(N_("The workbook unpacks to more than {most} MB; split it into "
                              "smaller files."), most=MAX_UNPACKED // 2**20)


def _parse(archive: zipfile.ZipFile, name: str, reader: _Reader) -> Iterator[None]:
    """Feed one member to `reader` a chunk at a time, pausing after each chunk."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
                yield
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError,
            _Malformed):
        raise _not_a_workbook() from None
    yield


def _parse_whole(archive: zipfile.ZipFile, name: str, reader: _Reader) -> None:
    for _ in _parse(archive, name, reader):
        pass


def _refuse_doctype(*_) -> None:
    raise _Malformed("a DTD")


def _parts(archive: zipfile.ZipFile) -> tuple[str, str | None]:
    """The first sheet's member and the shared strings' (if any), as the workbook's
    relationships name them."""
    sheets = _Elements("sheet", most=1)
    relationships = _Elements("Relationship", most=MAX_RELATIONSHIPS)
    _parse_whole(archive, WORKBOOK, sheets)
    _parse_whole(archive, WORKBOOK_RELATIONS, relationships)
    targets = {item.get("Id"): item for item in relationships.found}
    sheet = targets.get(sheets.found[0].get("id")) if sheets.found else None
    if sheet is None:
        raise _not_a_workbook()
    strings = next((item for item in relationships.found
                    if item.get("Type", "").endswith("/sharedStrings")), None)
    return _member(archive, sheet), _member(archive, strings) if strings else None


def _member(archive: zipfile.ZipFile, relationship: dict) -> str:
    target = relationship.get("Target", "")
    name = target[1:] if target.startswith("/") else posixpath.normpath(
        posixpath.join(posixpath.dirname(WORKBOOK), target))
    if name not in archive.namelist():
        raise _not_a_workbook()
    return name


def _local(name: str) -> str:
    """`uri}tag` (expat's namespaced name) -> `tag`."""
    return name.rpartition("}")[2]


class _Reader:
    """Collects one value at a time: the text of its <t> and <v> elements (not of
    phonetic <rPh> runs, a reading aid), at most MAX_TEXT characters of it."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.kept = 0
        self.seen = False
        self.collecting = False
        self.phonetic = 0

    def new_value(self) -> None:
        self.pieces, self.kept, self.seen = [], 0, False

    def value_text(self) -> str | None:
        return "".join(self.pieces) if self.seen else None

    def start(self, name: str, attributes: dict) -> None:
        tag = _local(name)
        if tag == "rPh":
            self.phonetic += 1
        elif tag in ("t", "v") and not self.phonetic:
            self.collecting = self.seen = True
        else:
            self.element(tag, attributes)

    def end(self, name: str) -> None:
        tag = _local(name)
        if tag == "rPh":
            self.phonetic -= 1
        elif tag in ("t", "v"):
            self.collecting = False
        else:
            self.finished(tag)

    def text(self, data: str) -> None:
        if self.collecting and self.kept < MAX_TEXT:
            piece = data[:MAX_TEXT - self.kept]
            self.pieces.append(piece)
            self.kept += len(piece)

    def element(self, tag: str, attributes: dict) -> None:
        pass

    def finished(self, tag: str) -> None:
        pass


class _Elements(_Reader):
    """The attributes (by local name) of the first `most` elements called `wanted`."""

    def __init__(self, wanted: str, most: int) -> None:
        super().__init__()
        self.wanted, self.most = wanted, most
        self.found: list[dict] = []

    def element(self, tag: str, attributes: dict) -> None:
        if tag == self.wanted and len(self.found) < self.most:  # the rest are not needed
            self.found.append({_local(key): value for key, value in attributes.items()})


class _SharedStrings(_Reader):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[str] = []

    def element(self, tag: str, attributes: dict) -> None:
        if tag == "si":
            self.new_value()

    def finished(self, tag: str) -> None:
        if tag == "si":
            if len(self.values) >= MAX_CELLS:
                raise _too_many_cells()
            self.values.append(self.value_text() or "")


class _SheetReader(_Reader):
    def __init__(self, strings: list[str]) -> None:
        super().__init__()
        self.strings = strings
        self.rows: list[tuple[int, list]] = []  # read, not yet handed on
        self.row_number = 0
        self.cells: dict[int, object] = {}
        self.column = 0
        self.cell_type = "n"
        self.count = 0
        self.rows_read = 0

    def element(self, tag: str, attributes: dict) -> None:
        if tag == "row":
            self.rows_read += 1
            if self.rows_read > MAX_ROWS:
                raise InvalidInput(N_("The file has more than {most} rows; split it."),
                                   most=MAX_ROWS)
            self.row_number = _positive(attributes.get("r"), self.row_number + 1)
            self.cells, self.column = {}, 0
        elif tag == "c":
            self.count += 1
            if self.count > MAX_CELLS:
                raise _too_many_cells()
            self.column = _column(attributes.get("r"), self.column + 1)
            if self.column > MAX_COLUMNS:
                raise InvalidInput(N_("The sheet has more than {most} columns."),
                                   most=MAX_COLUMNS)
            self.cell_type = attributes.get("t", "n")
            self.new_value()

    def finished(self, tag: str) -> None:
        if tag == "c":
            self.cells[self.column] = _value(self.cell_type, self.value_text(), self.strings)
        elif tag == "row":
            width = max(self.cells, default=0)
            self.rows.append((self.row_number,
                              [self.cells.get(column) for column in range(1, width + 1)]))


def _too_many_cells() -> InvalidInput:
    return InvalidInput(N_("The sheet has more than {most} cells; split it into smaller "
                           "files."), most=MAX_CELLS)


def _positive(text: str | None, default: int) -> int:
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 7) or int(text) < 1:
        raise _Malformed("a row number")
    return int(text)


def _column(reference: str | None, default: int) -> int:
    """The column of a cell reference: A1 -> 1, AB7 -> 28."""
    if reference is None:
        return default
    match = _CELL_REFERENCE.fullmatch(reference)
    if match is None:
        raise _Malformed("a cell reference")
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - ord("A") + 1
    return column


def _value(cell_type: str, text: str | None, strings: list[str]):
    if cell_type == "inlineStr":
        return text or ""
    if text is None:
        return None
    if cell_type == "s":
        if not text.isascii() or not text.isdigit() or int(text) >= len(strings):
            raise _Malformed("a shared string index")
        return strings[int(text)]
    if cell_type == "b":
        return text.strip() == "1"
    if cell_type == "n":
        return _number(text)
    return text  # str (a formula's text), e (an error such as #N/A), d (an ISO date)


def _number(text: str):
    """As Excel wrote it: an int, or a float if it has a point or an exponent; text
    that is no number stays text (the caller reports it)."""
    try:
        return float(text) if any(mark in text for mark in ".eE") else int(text)
    except ValueError:
        return text
