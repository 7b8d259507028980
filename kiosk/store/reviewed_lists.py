"""Lists imported from files and run after a review (batch recharge lists, insurers'
files): a status moves with one conditional UPDATE from the status it was read in, so
two terminals never both move it."""

from __future__ import annotations

import peewee as pw


def move_status(model: type[pw.Model], row_id: int, status: str, to: str, **changes) -> bool:
    """False if the row was no longer in `status` (someone else moved it first)."""
    return model.update(status=to, **changes).where(
        model.id == row_id, model.status == status).execute() == 1
