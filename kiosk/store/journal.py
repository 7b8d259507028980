"""The journal as lookups, reports and checks read it: operations and their entries,
with the cards and accounts they name. What posts to it is in ledger.py and
operations.py; nothing here writes."""

from __future__ import annotations

from kiosk.store import models

Operation = models.Operation


def operation(operation_id: int | None) -> models.Operation | None:
    return Operation.get_or_none(Operation.id == operation_id) if operation_id else None
