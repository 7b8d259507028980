"""Is it a JPEG or a PNG, judged by its structure and not by its first bytes? A PNG
signature followed by HTML is not a PNG.

The structure is walked from the first byte to the last: a PNG's chunks (IHDR first,
lengths and CRCs right, some IDAT, IEND last), a JPEG's markers (SOI, segments with
their lengths, a frame before the scan, EOI last). Pixels are not decoded: the kiosk
only keeps the file, and a decoder (Pillow's) would be a large dependency and a
larger attack surface for no gain. Nothing may follow the end of the image.
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOUR_TYPES = {0, 2, 3, 4, 6}
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: no length follows
_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOF0-15 (not DHT, JPG, DAC)
_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA


def image_kind(data: bytes) -> str | None:
    """'png', 'jpg', or None for anything else."""
    if is_png(data):
        return "png"
    if is_jpeg(data):
        return "jpg"
    return None


def is_png(data: bytes) -> bool:
    if not data.startswith(PNG_SIGNATURE):
        return False
    position, kinds = len(PNG_SIGNATURE), []
    while position + 12 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        body_end = position + 8 + length
        if body_end + 4 > len(data) or not kind.isalpha():
            return False
        (crc,) = struct.unpack_from(">I", data, body_end)
        if zlib.crc32(data[position + 4:body_end]) != crc:
            return False
        if not kinds and not (kind == b"IHDR" and _png_header_ok(data[position + 8:body_end])):
            return False
        kinds.append(kind)
        position = body_end + 4
        if kind == b"IEND":
            return length == 0 and position == len(data) and b"IDAT" in kinds
    return False


def _png_header_ok(header: bytes) -> bool:
    if len(header) != 13:
        return False
    width, height, depth, colour, compression, filtering, interlace = \
        struct.unpack(">IIBBBBB", header)
    return (0 < width < 2**31 and 0 < height < 2**31 and depth in (1, 2, 4, 8, 16)
            and colour in _PNG_COLOUR_TYPES and compression == filtering == 0
            and interlace in (0, 1))


def is_jpeg(data: bytes) -> bool:
    if not data.startswith(b"\xff\xd8"):
        return False
    position, framed = 2, False
    while True:
        marker, position = _next_marker(data, position)
        if marker is None or marker in (0x00, _SOI, _EOI):
            return False  # no image before the end, or not a marker at all
        if marker in _JPEG_STANDALONE:
            continue
        if position + 2 > len(data):
            return False
        (length,) = struct.unpack_from(">H", data, position)
        if length < 2 or position + length > len(data):
            return False
        position += length
        framed = framed or marker in _JPEG_FRAMES
        if marker == _SOS:
            if not framed:
                return False
            position = _end_of_scan(data, position)
            if position is None:
                return False
            if data[position + 1] == _EOI:
                return position + 2 == len(data)


def _next_marker(data: bytes, position: int) -> tuple[int | None, int]:
    """The marker at `position` (after any 0xFF fill bytes) and where its body starts."""
    if position >= len(data) or data[position] != 0xFF:
        return None, position
    while position < len(data) and data[position] == 0xFF:
        position += 1
    if position >= len(data):
        return None, position
    return data[position], position + 1


def _end_of_scan(data: bytes, position: int) -> int | None:
    """Where the entropy-coded data after a scan header ends: the 0xFF of the next marker
    (0xFF00 is a stuffed byte, RSTn a restart inside the scan, 0xFFFF fill)."""
    while True:
        position = data.find(b"\xff", position)
        if position < 0 or position + 1 >= len(data):
            return None
        following = data[position + 1]
        if following == 0x00 or following == 0xFF or 0xD0 <= following <= 0xD7:
            position += 1
            continue
        return position
