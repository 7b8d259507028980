"""Journal queries for the counter: today's operations, a card's recent history."""

from __future__ import annotations


from dataclasses import dataclass

from kiosk.services import cards, directory, permissions
from kiosk.services.business_date import local_time
from kiosk.services.operations import current_business_date, mask_card_number
from kiosk.services.session import Session
from kiosk.store import models


@dataclass(frozen=True)
class JournalRow:
    operation_id: int
    time: str
    kind: str
    card: str
    amount: int
    refunded: int
    receipt_id: int | None
    operator: str


def _rows(query, time_zone: str) -> list[JournalRow]:
    rows = []
    for op in query:
        refunded = sum(r.amount for r in op.reversals)
        receipt = op.receipts.first()
        rows.append(JournalRow(
            operation_id=op.id, time=local_time(op.created_at, time_zone).strftime("%H:%M:%S"),
            kind=op.kind, card=mask_card_number(op.card.number) if op.card_id else "",
            amount=op.amount, refunded=refunded, receipt_id=receipt.id if receipt else None,
            operator=op.operator.login_id if op.operator_id else "system"))
    return rows


def today(session: Session, *, whole_outlet: bool = False, limit: int = 200,
          offset: int = 0) -> list[JournalRow]:
    """当日流水: this operator's (or, with the right, the outlet's) operations today."""
    permissions.require(session, permissions.QUERY)
    O = models.Operation
    query = O.select().where(O.outlet == session.actor.outlet_id,
                             O.business_date == current_business_date(session))
    if not whole_outlet:
        query = query.where(O.operator == session.actor.operator_id)
    query = query.order_by(O.id.desc()).limit(limit).offset(offset)
    return _rows(query, directory.actor_info(session.actor).time_zone)


def card_history(session: Session, card_number: str, pin: str | None,
                 limit: int = 10) -> list[JournalRow]:
    """A card's recent operations; only after the customer's PIN (checked and counted)."""
    permissions.require(session, permissions.QUERY)
    card = cards.get_card(card_number)
    cards.check_pin(session, card, pin)
    query = (models.Operation.select().where(models.Operation.card == card)
             .order_by(models.Operation.id.desc()).limit(limit))
    return _rows(query, directory.actor_info(session.actor).time_zone)


