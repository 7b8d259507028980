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
