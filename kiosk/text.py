"""Text that a person typed, checked once where it enters: no NUL and no other control
character. PostgreSQL refuses a NUL in text outright (the driver raises before the
statement is sent), and the other C0 controls only ever come from a paste or an attack."""

from __future__ import annotations

import re

from kiosk.errors import InvalidInput, N_

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ControlCharacter(InvalidInput):
    default_message = N_("Control characters (such as NUL) are not allowed: type the text "
                         "again.")


def plain_text(*values: object) -> None:
    """ControlCharacter if any text among `values` holds a C0 control or DEL; other
    values (numbers, None) pass."""
    for value in values:
        if isinstance(value, str) and _CONTROL.search(value):
            raise ControlCharacter()


# Full-width digits and Latin letters (and the full-width full stop) that a Chinese input
# method types: read as their ASCII selves, so that "１２３４５６" is a PIN and "１２．３０" an
# amount. Other full-width punctuation (，。：) is Chinese text and stays as typed.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}
_HALF_WIDTH.update({code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)})
_HALF_WIDTH.update({code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)})
_HALF_WIDTH[0xFF0E] = ord(".")


def half_width(text: str) -> str:
    """１２．３０ -> 12.30, ＡＢｃ -> ABc; anything else unchanged."""
    return text.translate(_HALF_WIDTH)
