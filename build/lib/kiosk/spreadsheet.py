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
    text = str(value)
    if text.startswith(DANGEROUS_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text
