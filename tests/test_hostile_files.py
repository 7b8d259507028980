"""Hostile files, second round: workbooks that unpack to gigabytes or hold a million
cells, special files under ordinary names, and images that only start like images.
Every bomb is made by the test itself and is small on disk; a test that would hang
fails after a timeout instead."""

import os
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from openpyxl import load_workbook

from kiosk import tables, workbook
from kiosk.errors import InvalidInput
from kiosk.hw.sms import SimCodeSender
from kiosk.images import image_kind
from kiosk.services import migration
from kiosk.services.demo import tiny_png
from kiosk.services.migration import MigrationRequest
from kiosk.store import models
from kiosk.tables import read_rows
from tests.conftest import finishes, login_as

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"


# -- workbooks made by hand ---------------------------------------------------------------
def deflated(data: bytes) -> tuple[bytes, int, int, int]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zipfile.ZIP_DEFLATED, zlib.crc32(data), len(data)


def inflating_to(size: int, head: bytes, tail: bytes) -> tuple[bytes, int, int, int]:
    """A deflate stream of head + at least `size` "A"s + tail, small and quick to make:
    one compressed MiB repeated (a full flush makes each copy byte-identical)."""
    filler = b"A" * 2**20
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(filler) + packer.flush(zlib.Z_FULL_FLUSH)
    copies = -(-size // len(filler))
    crc = zlib.crc32(head)
    for _ in range(copies):
        crc = zlib.crc32(filler, crc)
    stream = start + block * copies + packer.compress(tail) + packer.flush()
    return (stream, zipfile.ZIP_DEFLATED, zlib.crc32(tail, crc),
            len(head) + copies * len(filler) + len(tail))


def raw_zip(members: dict[str, tuple[bytes, int, int, int]]) -> bytes:
    """A zip written byte by byte, so that a member may carry any stream and declare any
    size: name -> (stored bytes, method, CRC, declared uncompressed size)."""
    local, central, offset = [], [], 0
    for name, (data, method, crc, size) in members.items():
        encoded = name.encode()
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc,
                             len(data), size, len(encoded), 0) + encoded
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0,
                                   0x21, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0,
                                   offset) + encoded)
        local.append(header + data)
        offset += len(header) + len(data)
    directory = b"".join(central)
    return b"".join(local) + directory + struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0)


def xlsx(path, sheet, strings: bytes | None = None):
    """A workbook with one sheet (`sheet`: the XML, or a ready member) that Excel and
    openpyxl would open."""
    rels = (f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Type="{RELATIONSHIPS}'
            f'/worksheet" Target="worksheets/sheet1.xml"/>')
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="xml" ContentType="application/xml"/><Override '
             'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
             'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.spreadsheetml.worksheet+xml"/>')
    if strings is not None:
        rels += (f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" '
                 f'Target="sharedStrings.xml"/>')
        types += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                  'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    members = {
        "[Content_Types].xml": deflated((types + "</Types>").encode()),
        "_rels/.rels": deflated(
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Type="{RELATIONSHIPS}'
            f'/officeDocument" Target="xl/workbook.xml"/></Relationships>'.encode()),
        "xl/workbook.xml": deflated(
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets><sheet name="S" '
            f'sheetId="1" r:id="rId1"/></sheets></workbook>'.encode()),
        "xl/_rels/workbook.xml.rels": deflated((rels + "</Relationships>").encode()),
        "xl/worksheets/sheet1.xml": sheet if isinstance(sheet, tuple) else deflated(sheet),
    }
    if strings is not None:
        members["xl/sharedStrings.xml"] = deflated(strings)
    path.write_bytes(raw_zip(members))
    return path


def sheet_xml(rows: str) -> bytes:
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()


BOMB_HEAD = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
             f'<t>').encode()


def inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


# -- workbooks ----------------------------------------------------------------------------
def test_shared_strings_rich_text_and_numbers_read_as_excel_shows_them(tmp_path):
    strings = (f'<sst xmlns="{MAIN}"><si><r><t>卡</t></r><r><t>号</t></r>'
               f'<rPh sb="0" eb="1"><t>カ</t></rPh></si><si><t>金额</t></si></sst>').encode()
    path = xlsx(tmp_path / "list.xlsx", sheet_xml(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="A3"><v>8888000000000018</v></c><c r="C3"><v>100.5</v></c></row>'),
        strings)
    assert list(read_rows(path)) == [(1, ["卡号", "金额"]), (3, ["8888000000000018", "", "100.5"])]
    assert load_workbook(path, read_only=True).worksheets[0]["A1"].value == "卡号"  # a real xlsx


def refusal_and_peak_memory(path) -> tuple[str, int]:
    """The message reading `path` ends with, and the most memory Python held meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as refused:
            list(read_rows(path))
        return str(refused.value), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_before_inflating(tmp_path):
    """The issue's bomb: 2.5 MB on disk, one inline cell of 2.5 GB."""
    sheet = inflating_to(2_500_000_000, BOMB_HEAD, b"</t></is></c></row></sheetData></worksheet>")
    path = xlsx(tmp_path / "bomb.xlsx", sheet)
    assert path.stat().st_size < 3_000_000 and sheet[3] > 2_500_000_000
    message, peak = refusal_and_peak_memory(path)
    assert "unpacks to more than 32 MB" in message and peak < 10 * 2**20


def test_a_zip_that_understates_its_size_is_never_inflated_past_it(tmp_path):
    stream, method, crc, _ = inflating_to(500_000_000, BOMB_HEAD, b"</t></is></c></row>")
    message, peak = refusal_and_peak_memory(
        xlsx(tmp_path / "liar.xlsx", (stream, method, crc, 4096)))
    assert "not a readable .xlsx" in message and peak < 10 * 2**20


def test_a_row_wider_than_the_column_limit_is_refused(tmp_path):
    cells = "".join("<c/>" for _ in range(workbook.MAX_COLUMNS + 1))
    path = xlsx(tmp_path / "wide.xlsx", sheet_xml(f'<row r="1">{cells}</row>'))
    with pytest.raises(InvalidInput, match=f"more than {workbook.MAX_COLUMNS} columns"):
        list(read_rows(path))


def test_the_cell_count_is_capped_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_CELLS", 100)
    rows = "".join(f'<row r="{n}">{inline(f"A{n}", "x")}<c r="B{n}"><v>1</v></c></row>'
                   for n in range(1, 52))
    path = xlsx(tmp_path / "many.xlsx", sheet_xml(rows))
    with pytest.raises(InvalidInput, match="more than 100 cells"):
        list(read_rows(path))


def test_empty_rows_count_too(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 100)
    path = xlsx(tmp_path / "empty.xlsx", sheet_xml("<row/>" * 101))
    with pytest.raises(InvalidInput, match="more than 100 rows"):
        list(read_rows(path))


def test_a_distant_row_number_is_one_row_not_a_million(tmp_path):
    path = xlsx(tmp_path / "far.xlsx", sheet_xml(
        f'<row r="1">{inline("A1", "卡号")}</row><row r="1048576">{inline("XFD1048576", "x")}'
        f'</row>'))
    with pytest.raises(InvalidInput, match="columns"):  # XFD is column 16,384
        list(read_rows(path))
    path = xlsx(tmp_path / "far.xlsx", sheet_xml(
        f'<row r="1">{inline("A1", "卡号")}</row><row r="1048576">{inline("B1048576", "1")}'
        f'</row>'))
    assert list(read_rows(path)) == [(1, ["卡号"]), (1048576, ["", "1"])]


@pytest.mark.parametrize("sheet", [
    # a billion laughs: entities are refused with their DTD
    b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b'<worksheet><sheetData><row><c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData>'
    b'</worksheet>',
    b'<worksheet><sheetData><row r="x"><c/></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row><c t="s"><v>7</v></c></row></sheetData></worksheet>',
    b'<worksheet><sheetData><row><c r="A1"><v>1</v></row></sheetData></worksheet>',
])
def test_malformed_sheets_are_not_readable(tmp_path, sheet):
    with pytest.raises(InvalidInput, match="not a readable .xlsx"):
        list(read_rows(xlsx(tmp_path / "bad.xlsx", sheet)))


def test_only_deflated_or_stored_members_are_read(tmp_path):
    """bzip2 and lzma inflate a whole member in one call: no such member is opened."""
    path = tmp_path / "bz.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(InvalidInput, match="not a readable .xlsx"):
        list(read_rows(path))


# -- special files under ordinary names ---------------------------------------------------
def special_files(tmp_path):
    fifo_csv, fifo_xlsx = tmp_path / "fifo.csv", tmp_path / "fifo.xlsx"
    os.mkfifo(fifo_csv)
    os.mkfifo(fifo_xlsx)
    zero = tmp_path / "zero.csv"
    zero.symlink_to("/dev/zero")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    return [fifo_csv, fifo_xlsx, zero, folder]


def test_fifos_devices_and_folders_are_refused_without_hanging(tmp_path):
    for path in special_files(tmp_path):
        error = finishes(lambda: list(read_rows(path)))
        assert isinstance(error, InvalidInput) and "not a regular file" in str(error), path


def test_the_read_stops_at_the_limit_whatever_size_the_file_claims(tmp_path, monkeypatch):
    """/proc files are regular files that say they are empty."""
    monkeypatch.setattr(tables, "MAX_BYTES", 100)
    claims_empty = tmp_path / "status.csv"
    claims_empty.symlink_to("/proc/self/status")
    assert claims_empty.stat().st_size == 0
    with pytest.raises(InvalidInput, match="larger than"):
        list(read_rows(claims_empty))


# -- voucher images -----------------------------------------------------------------------
def tiny_jpeg() -> bytes:
    """An 8x8 grey baseline JPEG: one quantisation table, one DC and one AC Huffman code
    (each a single 1-bit code), one block: DC difference 0, end of block."""
    def segment(marker: int, body: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body
    one_code = bytes([1] + [0] * 15) + b"\x00"
    return (b"\xff\xd8" + segment(0xDB, b"\x00" + bytes([1]) * 64)
            + segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")
            + segment(0xC4, b"\x00" + one_code) + segment(0xC4, b"\x10" + one_code)
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x3f" + b"\xff\xd9")


def with_bad_crc(png: bytes) -> bytes:
    return png[:29] + bytes([png[29] ^ 1]) + png[30:]  # the IHDR chunk's CRC


@pytest.mark.parametrize("data, kind", [
    (tiny_png(), "png"), (tiny_jpeg(), "jpg"),
    (tiny_png()[:8] + b"<html><script>alert(1)</script></html>", None),
    (tiny_png() + b"<html></html>", None), (tiny_png()[:-12], None),
    (with_bad_crc(tiny_png()), None),
    (tiny_jpeg()[:3] + b"<html></html>", None), (tiny_jpeg() + b"<html></html>", None),
    (tiny_jpeg()[:-2], None), (b"\xff\xd8\xff\xd9", None), (b"GIF89a....", None), (b"", None),
])
def test_images_are_judged_by_their_whole_structure(data, kind):
    assert image_kind(data) == kind


def test_voucher_special_files_are_refused_without_hanging(tmp_path):
    fifo = tmp_path / "scan.png"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero", tmp_path):
        error = finishes(lambda: migration.check_voucher(path))
        assert isinstance(error, InvalidInput) and "not a regular file" in str(error), path


def test_a_png_header_before_html_is_not_a_voucher(tmp_path):
    fake = tmp_path / "scan.png"
    fake.write_bytes(tiny_png()[:8] + b"<html><body>not an image</body></html>")
    with pytest.raises(InvalidInput, match="not a JPG or PNG"):
        migration.check_voucher(fake)
    real = tmp_path / "scan.jpg"
    real.write_bytes(tiny_jpeg())
    assert migration.check_voucher(real) == (tiny_jpeg(), "jpg")


def test_a_migration_with_a_fifo_voucher_moves_nothing(seeded, tmp_path):
    clerk = login_as(seeded, "clerk1", "T02")
    fifo = tmp_path / "scan.png"
    os.mkfifo(fifo)
    sender = SimCodeSender()
    member = models.Member.get(models.Member.phone == "13800138000").id
    migration.send_code(clerk, member, sender)
    code = sender.sent[-1][1].split("验证码为")[1][:6]
    request = MigrationRequest("6100000000000001", member, code, (str(fifo),))
    error = finishes(lambda: migration.migrate(clerk, request))
    assert isinstance(error, InvalidInput) and "not a regular file" in str(error)
    assert models.LegacyCard.get(models.LegacyCard.number == "6100000000000001").migrated_at is None
