"""Money is integer fen. This module is the one place where text becomes fen and back."""

from __future__ import annotations

import re
import unicodedata

from kiosk.errors import KioskError, N_

FEN_PER_YUAN = 100
MAX_YUAN_DIGITS = 10  # ¥9,999,999,999.99 is far beyond any card; more is a typo

_AMOUNT = re.compile(r"(?P<yuan>[0-9]*)(?:\.(?P<fen>[0-9]*))?")
_CURRENCY_SIGNS = "¥￥"
_IDEOGRAPHIC_STOP = "\u3002"  # 。 typed for a decimal point with a Chinese input method


class MoneyError(KioskError):
    """Text that is not a valid amount of money."""


def parse_yuan(text: str, *, allow_zero: bool = False) -> int:
    """Strictly parse a yuan amount typed by a person into fen.

    Accepts "12", "12.3", "12.30", ".5", an optional leading ¥, and the same typed with
    a Chinese input method (１２．３０, 12。30). Rejects three decimals, signs, exponents
    and anything else, each with its own message, so the cashier knows what to retype.
    """
    cleaned = unicodedata.normalize("NFKC", text or "").replace(_IDEOGRAPHIC_STOP, ".")
    cleaned = cleaned.strip()
    if cleaned[:1] in _CURRENCY_SIGNS:
        cleaned = cleaned[1:].strip()
    if not cleaned:
        raise MoneyError(N_("Enter an amount."))
    if cleaned.startswith("-"):
        raise MoneyError(N_("The amount cannot be negative."))
    match = _AMOUNT.fullmatch(cleaned)
    if not match or cleaned == ".":
        raise MoneyError(N_("'{text}' is not an amount: digits and at most one decimal point."),
                         text=text)
    yuan, fen = match.group("yuan"), match.group("fen")
    if fen is not None and len(fen) > 2:
        raise MoneyError(N_("At most two decimals (fen): '{text}'."), text=text)
    if fen == "":
        raise MoneyError(N_("Digits are missing after the decimal point."))
    if len(yuan.lstrip("0")) > MAX_YUAN_DIGITS:
        raise MoneyError(N_("The amount is too large."))
    amount = int(yuan or "0") * FEN_PER_YUAN + int((fen or "0").ljust(2, "0"))
    if amount == 0 and not allow_zero:
        raise MoneyError(N_("The amount must be more than zero."))
    return amount


def format_yuan(fen: int, *, sign: str = "¥") -> str:
    """12345 -> '¥123.45'; negative amounts keep their minus in front."""
    if not isinstance(fen, int):
        raise TypeError(f"money must be int fen, got {type(fen).__name__}")
    minus = "-" if fen < 0 else ""
    yuan, rest = divmod(abs(fen), FEN_PER_YUAN)
    return f"{minus}{sign}{yuan}.{rest:02d}"


def plain_yuan(fen: int) -> str:
    """12345 -> '123.45', for files that finance opens (no currency sign)."""
    return format_yuan(fen, sign="")


def split_proportionally(total: int, weights: list[int]) -> list[int]:
    """Split `total` fen in proportion to `weights`, exactly, with no fen lost.

    Each share is rounded down and the remainder goes to the first weights, in
    order, one fen each (largest remainder would be fairer by a fen, but order
    is easier for a cashier to explain: "principal first").
    """
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [0 for _ in weights]
    shares = [total * w // weight_sum for w in weights]
    remainder = total - sum(shares)
    for index, weight in enumerate(weights):
        if remainder == 0:
            break
        if weight > 0:
            shares[index] += 1
            remainder -= 1
    return shares


def printed_yuan(fen: int) -> str:
    """On paper: the full-width ￥, which every GBK/GB18030 printer has (¥ is not in GBK)."""
    return format_yuan(int(fen), sign="￥")
