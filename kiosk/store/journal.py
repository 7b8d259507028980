"""The journal as lookups, reports and checks read it: operations and their entries,
with the cards and accounts they name. What posts to it is in ledger.py and
operations.py; nothing here writes."""

from __future__ import annotations

from kiosk.store import models

Operation = models.Operation


def operation(operation_id: int | None) -> models.Operation | None:
    return Operation.get_or_none(Operation.id == operation_id) if operation_id else None


def last_unreversed(card_id: int, kind: str, day) -> models.Operation | None:
    """The card's latest operation of `kind` on business date `day` that nothing has
    taken back from yet."""
    return (Operation.select().where(
        Operation.card == card_id, Operation.kind == kind, Operation.business_date == day,
        Operation.reversed_amount == 0).order_by(Operation.id.desc()).first())


def still_reversible(card_ids: list[int], kinds: tuple[str, ...], outlet_id: int,
                     since=None, limit: int = 50) -> list[models.Operation]:
    """The cards' operations of `kinds` at the outlet (on or after business date `since`)
    with something left to take back, newest first."""
    query = Operation.select().where(
        Operation.card.in_(card_ids), Operation.kind.in_(kinds), Operation.outlet == outlet_id,
        Operation.reversed_amount < Operation.amount)
    if since is not None:
        query = query.where(Operation.business_date >= since)
    return list(query.order_by(Operation.id.desc()).limit(limit))


def issued_on(card_id: int):
    """The business date the card was issued (None: issued before this system)."""
    issue = (Operation.select(Operation.business_date)
             .where(Operation.card == card_id, Operation.kind == "card_issue")
             .order_by(Operation.id).first())
    return issue.business_date if issue is not None else None
