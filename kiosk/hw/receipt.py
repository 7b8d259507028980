"""Receipts as bytes: laid out for 32 (58 mm) or 48 (80 mm) columns, a Chinese
character counting two, encoded for the printer (GB18030 by default), built with
python-escpos's Dummy so the bytes exist before any printer is touched."""

from __future__ import annotations

from dataclasses import dataclass, field

from escpos.printer import Dummy

from kiosk.cells import cell_width, fit, wrap

COLUMNS_58MM = 32
COLUMNS_80MM = 48


@dataclass(frozen=True)
class ReceiptDoc:
    header: tuple[str, ...]            # outlet name, terminal, operator
    title: str                         # e.g. 消费 CHARGE
    rows: tuple[tuple[str, str], ...]  # label, value
    receipt_no: str
    footer: tuple[str, ...] = ()
    signature_label: str = ""          # e.g. 持卡人签名; empty = no signature line
    copy_label: str = ""               # 重打印 / COPY on reprints
    items: tuple[tuple[str, str], ...] = field(default=())
    # A voucher laid out by the chain's template (services/vouchers.py): (kind, text,
    # value) each, kind one of row, center, text, rule, sign, blank; when given, they
    # are the body in place of the rows and the footer.
    blocks: tuple[tuple[str, str, str], ...] = field(default=())


def label_value(label: str, value: str, columns: int) -> list[str]:
    """Label left, value right; a value too long for the line goes on its own line."""
    gap = columns - cell_width(label) - cell_width(value)
    if gap >= 1:
        return [label + " " * gap + value]
    return [fit(label, columns), " " * max(columns - cell_width(value), 0) + fit(value, columns)]


def centered(text: str, columns: int) -> str:
    text = fit(text, columns)
    pad = (columns - cell_width(text)) // 2
    return " " * pad + text


# ¥ (U+00A5) is not in GBK: a GBK printer prints its GB18030 bytes as rubbish. The
# full-width ￥ is in every Chinese printer's font.
PRINTED_SIGNS = str.maketrans({"¥": "￥"})


def _printable(value):
    if isinstance(value, str):
        return value.translate(PRINTED_SIGNS)
    if isinstance(value, tuple):
        return tuple(_printable(item) for item in value)
    return value


def render_lines(doc: ReceiptDoc, columns: int = COLUMNS_58MM) -> list[str]:
    doc = ReceiptDoc(**{name: _printable(getattr(doc, name))
                        for name in doc.__dataclass_fields__})
    rule = "-" * columns
    lines = [centered(line, columns) for line in doc.header]
    if doc.copy_label:
        lines.append(centered(doc.copy_label, columns))
    lines += [rule, centered(doc.title, columns), rule]
    if doc.blocks:
        return lines + [line for block in doc.blocks for line in _block(block, columns)]
    for name, amount in doc.items:
        lines += label_value(name, amount, columns)
    if doc.items:
        lines.append(rule)
    for label, value in doc.rows:
        lines += label_value(label, value, columns)
    lines.append(rule)
    if doc.signature_label:
        lines += ["", doc.signature_label + "：", "", "_" * columns]
    lines += [centered(line, columns) for line in doc.footer]
    return lines


def _block(block: tuple[str, str, str], columns: int) -> list[str]:
    kind, text, value = block
    if kind == "row":
        return label_value(text, value, columns)
    if kind == "center":
        return [centered(line, columns) for line in wrap(text, columns)]
    if kind == "rule":
        return ["-" * columns]
    if kind == "sign":  # a line to sign on: 客户签字：________
        return ["", fit(text + "：", columns) + "_" * max(columns - cell_width(text) - 2, 4)]
    if kind == "blank":
        return [""]
    return wrap(text, columns)


def render(doc: ReceiptDoc, columns: int = COLUMNS_58MM,
           encoding: str = "gb18030") -> tuple[bytes, str]:
    """The printer's bytes and the same receipt as plain text, from one layout."""
    lines = render_lines(doc, columns)
    return _escpos_bytes(doc, lines, encoding), _plain_text(lines)


def render_text(doc: ReceiptDoc, columns: int = COLUMNS_58MM) -> str:
    return _plain_text(render_lines(doc, columns))


def render_bytes(doc: ReceiptDoc, columns: int = COLUMNS_58MM,
                 encoding: str = "gb18030") -> bytes:
    return _escpos_bytes(doc, render_lines(doc, columns), encoding)


def _plain_text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _escpos_bytes(doc: ReceiptDoc, lines: list[str], encoding: str) -> bytes:
    """ESC/POS bytes: init, the text encoded for the printer, a QR of the receipt number,
    feed and cut. Characters the encoding lacks become '?', never an exception."""
    printer = Dummy()
    printer.hw("INIT")
    if encoding.lower().replace("-", "") in ("gb18030", "gbk", "gb2312"):
        printer._raw(b"\x1c\x26")  # FS &: Chinese character mode on Chinese printers
    for line in lines:
        printer._raw(line.encode(encoding, errors="replace") + b"\n")
    printer.set(align="center")
    printer.qr(doc.receipt_no, native=True)
    printer._raw(doc.receipt_no.encode("ascii", errors="replace") + b"\n")
    printer.set(align="left")
    printer.cut()
    return printer.output
