"""Journal queries for the counter: today's operations, a card's recent history. They
read from the store's read replica when one is configured (--read-db), but `find`,
which the refund and the reprint start from."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kiosk.errors import InvalidInput, N_, NotFound
from kiosk.services import cards, directory, permissions, scope
from kiosk.services.accounts import card_accounts
from kiosk.services import charge as charging
from kiosk.services.business_date import current_business_date, local_time
from kiosk.services.operations import mask_card_number
from kiosk.services.session import Session
from kiosk.store import journal
from kiosk.store import legacy_cards as legacy_store
from kiosk.store import members as member_store
from kiosk.store.db import reading
from kiosk.text import plain_text


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
    points: int = 0  # what a points redemption took (its amount is no money)
    # What it moved on its card's principal (本金) and bonus (赠金), signed.
    principal: int = 0
    bonus: int = 0


def _rows(operations: list, time_zone: str, time_format: str = "%H:%M:%S"
          ) -> list[JournalRow]:
    """The page's operations (with their cards and operators), with their receipts."""
    receipt_of = journal.receipt_ids([op.id for op in operations])
    splits = journal.card_splits([op.id for op in operations])
    # A split payment's rows show the whole sale and refund: the other tender's part too.
    other_paid = {op.id: part for op in operations
                  if (part := charging.other_tender_part(op.kind, op.tender, op.result))}
    other_back = charging.other_tender_refunded(
        [op.id for op in operations if op.id in other_paid and op.kind == "charge"])
    return [JournalRow(
        operation_id=op.id, time=local_time(op.created_at, time_zone).strftime(time_format),
        kind=op.kind, card=mask_card_number(op.card_number) if op.card_number else "",
        amount=op.amount + other_paid.get(op.id, 0),
        refunded=op.reversed_amount + other_back.get(op.id, 0),
        receipt_id=receipt_of.get(op.id),
        operator=op.operator_login or "system", points=_points_redeemed(op),
        **splits.get(op.id, {}))
        for op in operations]


def _points_redeemed(op) -> int:
    if op.kind != "points_redemption" or not op.result:
        return 0
    return json.loads(op.result).get("points", 0)


@reading()  # the read replica, if there is one (no money is decided here)
def today(session: Session, *, whole_outlet: bool = False, limit: int = 200,
          offset: int = 0) -> list[JournalRow]:
    """当日流水: this operator's (or, with the right, the outlet's) operations today."""
    permissions.require(session, permissions.QUERY)
    operations = journal.listed(
        outlet_id=session.actor.outlet_id, business_date=current_business_date(session),
        operator_id=journal.ANY if whole_outlet else session.actor.operator_id,
        limit=limit, offset=offset)
    return _rows(operations, directory.actor_info(session.actor).time_zone)


def find(session: Session, operation_id: int) -> JournalRow:
    """Any operation of this outlet by its journal number (流水号), of any day: the one a
    customer brings back for a refund or a copy of its receipt."""
    permissions.require(session, permissions.QUERY)
    rows = _rows(journal.listed(operation_id=operation_id, outlet_id=session.actor.outlet_id),
                 directory.actor_info(session.actor).time_zone, "%Y-%m-%d %H:%M")
    if not rows:
        raise NotFound(N_("No journal number {number} at this outlet."), number=operation_id)
    return rows[0]


def card_history(session: Session, card_number: str, pin: str | None,
                 limit: int = 10) -> list[JournalRow]:
    """A card's recent operations; only after the customer's PIN (checked and counted)."""
    permissions.require(session, permissions.QUERY)
    card = cards.get_card(card_number)
    cards.check_pin(session, card, pin)
    with reading():  # after the PIN check, which counts its try in the store itself
        return _rows(journal.listed(card_ids=[card.id], limit=limit),
                     directory.actor_info(session.actor).time_zone)


PAGE = 20


@reading()  # the read replica, if there is one (no money is decided here)
def by_card_or_member(session: Session, *, card_number: str = "", member_phone: str = "",
                      page: int = 0, mode: str = scope.STORE) -> list[JournalRow]:
    """The back office's journal of one card, or of every card of a member (found by
    phone), newest first, a page at a time: the operations at this outlet (store mode)
    or at any (unified mode, with a chain-wide right). No customer PIN: the right to
    look is the clerk's, the supervisor's or finance's."""
    permissions.require_any(session, *BACK_OFFICE)
    outlet_id = scope.outlet_in_scope(session, mode)
    plain_text(card_number, member_phone)
    if card_number:
        card_ids = [cards.get_card(card_number).id]
    elif member_phone:
        card_ids = member_store.card_ids_by_phone(member_phone)
        if not card_ids:
            raise NotFound(N_("No member with this phone has a card."))
    else:
        raise InvalidInput(N_("Type a card number or a member's phone."))
    operations = journal.listed(card_ids=card_ids, limit=PAGE, offset=max(page, 0) * PAGE,
                                outlet_id=journal.ANY if outlet_id is None else outlet_id)
    return _rows(operations, directory.actor_info(session.actor).time_zone, "%Y-%m-%d %H:%M")


BACK_OFFICE = (permissions.CARD_MANAGE, permissions.DAY_CLOSE, permissions.FINANCE)


@dataclass(frozen=True)
class CardLine:
    number: str  # in full: what opens the card's services
    shown: str  # masked, as lists show it
    product: str
    holder: str
    status: str
    principal: int
    bonus: int
    points: int


@dataclass(frozen=True)
class OperationCards:
    operation_id: int
    kind: str
    cards: list[CardLine]
    old_card: str = ""  # a migration's old card (实体卡迁移): its record has the vouchers


@reading()  # the read replica, if there is one (no money is decided here)
def operation_cards(session: Session, operation_id: int, *,
                    mode: str = scope.STORE) -> OperationCards:
    """The cards of a journal row (关联卡): the operation's own card and every card it
    moved money or points on, each with its holder and balances now; for a migration,
    the old card too."""
    permissions.require_any(session, *BACK_OFFICE)
    outlet_id = scope.outlet_in_scope(session, mode)
    operation = journal.operation(operation_id)
    if operation is None or outlet_id not in (None, operation.outlet_id):
        raise NotFound(N_("No journal number {number} at this outlet."), number=operation_id)
    lines = []
    for card in journal.related_cards(operation.id):
        balances = {kind: account.balance for kind, account in card_accounts(card).items()}
        holder = member_store.by_id(card.member_id)
        lines.append(CardLine(card.number, mask_card_number(card.number), card.product.name,
                              holder.name if holder else "", card.status,
                              balances.get("principal", 0), balances.get("bonus", 0),
                              balances.get("points", 0)))
    old = legacy_store.by_operation(operation.id)
    return OperationCards(operation.id, operation.kind, lines, old.number if old else "")
