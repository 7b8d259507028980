"""Lists imported from files and run after a review (batch recharge lists, insurers'
files): a status moves with one conditional UPDATE from the status it was read in, so
two terminals never both move it."""

from __future__ import annotations

import peewee as pw

from kiosk.store import peewee_internals as internals
from kiosk.store import sql

_LOCKED: dict[type, sql.Statement] = {}


def locked(model: type[pw.Model], row_id: int, outlet_id: int):
    """The list of this outlet, locked until the transaction ends (None if none): what
    is decided about it (its buyer, its status) is decided on the row as it is now."""
    statement = _LOCKED.get(model)
    if statement is None:
        statement = _LOCKED[model] = sql.Statement(
            f'SELECT * FROM "{internals.table_name(model)}" WHERE "id" = ? AND "outlet_id" = ?',
            lock=True)
    found = statement.models(model, row_id, outlet_id)
    return found[0] if found else None


def move_status(model: type[pw.Model], row_id: int, status: str, to: str, **changes) -> bool:
    """False if the row was no longer in `status` (someone else moved it first)."""
    return model.update(status=to, **changes).where(
        model.id == row_id, model.status == status).execute() == 1
