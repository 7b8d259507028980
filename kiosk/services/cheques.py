"""Cheques (支票), as the fuel-card manual has them: a recharge paid by cheque is
received at the counter (the customer gets a slip; nothing is credited), then finance
clears it when the bank has paid (the card is credited then, with the promotion of
the day it was received) or bounces it (nothing is credited). Cheques are queried by
status, cheque number, card or drawer.

Every step is one operation: the cheque's row is locked before its status is read,
and the status moves from received only once, so a cheque cleared on two terminals
at once credits once, and a cheque bounced while it is cleared is one or the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import InvalidInput, KioskError, N_, NotFound, PermissionDenied
from kiosk.services import cards, permissions, receipts
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.operations import OperationResult, Posting, mask_card_number, perform
from kiosk.services.recharge import best_promotion
from kiosk.services.session import Session
from kiosk.store import cheques as cheque_store
from kiosk.store import failures, models

STATUS_NAMES = {"received": N_("waiting to clear"), "cleared": N_("cleared"),
                "bounced": N_("bounced")}
MAX_CHEQUE_NO, MAX_BANK, MAX_DRAWER, MAX_REASON = 30, 50, 100, 200


@dataclass(frozen=True, kw_only=True)
class ChequeReceived(OperationResult):
    cheque_id: int
    card_number: str
    amount: int
    cheque_no: str
    bank: str


@dataclass(frozen=True, kw_only=True)
class ChequeCleared(OperationResult):
    cheque_id: int
    card_number: str  # the card credited (the replacement, if the card was replaced)
    amount: int
    bonus: int
    promotion: str
    principal_after: int
    bonus_after: int


@dataclass(frozen=True, kw_only=True)
class ChequeBounced(OperationResult):
    cheque_id: int
    amount: int
    reason: str


@dataclass(frozen=True)
class ChequeView:
    cheque_id: int
    cheque_no: str
    bank: str
    drawer: str
    card: str  # masked
    amount: int
    status: str
    received_on: str
    received_by: str
    decided_by: str
    credit_operation_id: int | None
    reason: str


def _text(value: str, most: int, missing: str | None) -> str:
    """Typed text with its spaces tidied; `missing` says what to type when it is empty
    (None: may be empty)."""
    value = " ".join((value or "").split())
    if missing and not value:
        raise InvalidInput(missing)
    if len(value) > most:
        raise InvalidInput(N_("At most {most} characters, please."), most=most)
    return value


def receive(session: Session, *, card_number: str, amount: int, cheque_no: str, bank: str,
            drawer: str = "", key: str) -> ChequeReceived:
    """The counter takes a cheque for a recharge: recorded, a slip printed, nothing
    credited until finance clears it."""
    permissions.require(session, permissions.RECHARGE)
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise KioskError(N_("The amount must be a positive number of fen."))
    cheque_no = _text(cheque_no, MAX_CHEQUE_NO, N_("Type the cheque number."))
    bank = _text(bank, MAX_BANK, N_("Type the bank the cheque is drawn on."))
    drawer = _text(drawer, MAX_DRAWER, None)
    card = cards.get_card(card_number)
    cards.check_money_may_move(card)
    request = {"card": card.number, "amount": amount, "cheque_no": cheque_no, "bank": bank,
               "drawer": drawer}

    def run(posting: Posting) -> dict:
        day = posting.operation.business_date
        card_now = cards.locked_for_spending(card.id, day)
        cards.check_money_may_move(card_now)  # decided on the locked card
        _refuse_known(bank, cheque_no)
        cheque_id = cheque_store.insert(
            outlet=session.actor.outlet_id, card=card_now.id, amount=amount,
            cheque_no=cheque_no, bank=bank, drawer=drawer, status="received",
            received=posting.operation.id, received_on=day)
        data = {"cheque_id": cheque_id, "card_number": card_now.number, "amount": amount,
                "cheque_no": cheque_no, "bank": bank}
        data["receipt_id"] = receipts.queue(session, posting.operation, card_now,
                                            "cheque_received", data)
        return data

    try:
        outcome = perform(session, kind="cheque_received", key=key, request=request, run=run,
                          card=card, amount=amount, tender="cheque", memo=cheque_no)
    except failures.CONSTRAINT_BROKEN:  # the same cheque received on two terminals at once
        _refuse_known(bank, cheque_no)
        raise
    return ChequeReceived.of(outcome)


def _refuse_known(bank: str, cheque_no: str) -> None:
    known = cheque_store.by_number(bank, cheque_no)
    if known is not None:
        raise InvalidInput(N_("Cheque {cheque_no} of {bank} was received before (#{number}, "
                              "{status})."), cheque_no=cheque_no, bank=bank,
                           number=known.id, status=STATUS_NAMES.get(known.status, ""))


def _cheque(session: Session, cheque_id: int) -> models.Cheque:
    cheque = cheque_store.by_id(cheque_id)
    if cheque is None:
        raise NotFound(N_("No cheque #{number}."), number=cheque_id)
    if cheque.outlet_id != session.actor.outlet_id:
        raise PermissionDenied(N_("Cheque #{number} was received at another outlet: its "
                                  "finance clears it."), number=cheque_id)
    return cheque


def _still_received(cheque: models.Cheque) -> None:
    if cheque.status == "cleared":
        raise KioskError(N_("Cheque #{number} is already cleared and credited (journal "
                            "#{operation}): to take the money back, reverse that recharge."),
                         number=cheque.id, operation=cheque.credit_id)
    if cheque.status == "bounced":
        raise KioskError(N_("Cheque #{number} has bounced: nothing was credited, and it "
                            "cannot be cleared."), number=cheque.id)


def clear(session: Session, cheque_id: int, *, key: str) -> ChequeCleared:
    """The bank paid the cheque: the card (or the card that replaced it) is credited
    with its amount and the bonus of the promotion running on the day it was received."""
    permissions.require(session, permissions.FINANCE)
    cheque = _cheque(session, cheque_id)

    def run(posting: Posting) -> dict:
        now = cheque_store.locked(cheque_id)
        _still_received(now)
        card = cards.locked_for_credit(now.card_id)
        posting.operation.card = card.id
        accounts = card_accounts(card, lock=True)
        promotion = best_promotion(card.product, now.amount, now.received_on)
        bonus = promotion.bonus if promotion else 0
        outlet = session.actor.outlet_id
        posting.move(till_account(outlet, None, "outlet_bank"), accounts["principal"],
                     now.amount)
        if bonus:
            posting.move(till_account(outlet, None, "promotion_expense"), accounts["bonus"],
                         bonus)
        if not cheque_store.decide(now.id, "cleared", credit_id=posting.operation.id,
                                   operator_id=session.actor.operator_id, at=session.now()):
            raise AssertionError("the cheque is locked: its status cannot have changed")
        return {"cheque_id": now.id, "card_number": card.number, "amount": now.amount,
                "bonus": bonus, "promotion": promotion.name if promotion else "",
                "principal_after": accounts["principal"].balance + now.amount,
                "bonus_after": accounts["bonus"].balance + bonus}

    outcome = perform(session, kind="cheque_recharge", key=key, request={"cheque": cheque_id},
                      run=run, card=cheque.card, amount=cheque.amount, tender="cheque",
                      memo=cheque.cheque_no)
    return ChequeCleared.of(outcome)


def bounce(session: Session, cheque_id: int, *, reason: str, key: str) -> ChequeBounced:
    """The bank refused the cheque (退票): nothing is credited; the customer pays again."""
    permissions.require(session, permissions.FINANCE)
    reason = _text(reason, MAX_REASON, N_("Type why the cheque bounced."))
    cheque = _cheque(session, cheque_id)

    def run(posting: Posting) -> dict:
        now = cheque_store.locked(cheque_id)
        _still_received(now)
        if not cheque_store.decide(now.id, "bounced", credit_id=None,
                                   operator_id=session.actor.operator_id, at=session.now(),
                                   reason=reason):
            raise AssertionError("the cheque is locked: its status cannot have changed")
        return {"cheque_id": now.id, "amount": now.amount, "reason": reason}

    outcome = perform(session, kind="cheque_bounced", key=key,
                      request={"cheque": cheque_id, "reason": reason}, run=run,
                      card=cheque.card, amount=cheque.amount, tender="cheque", memo=reason)
    return ChequeBounced.of(outcome)


def cheques(session: Session, *, status: str = "", search: str = "",
            limit: int = 200) -> list[ChequeView]:
    """支票查询: the outlet's cheques, newest first, by status and a cheque number, card
    number or drawer."""
    permissions.require_any(session, permissions.RECHARGE, permissions.FINANCE)
    if status and status not in STATUS_NAMES:
        raise InvalidInput(N_("Unknown cheque status '{status}'."), status=status[:12])
    search = "".join((search or "").split())[:MAX_DRAWER]
    return [ChequeView(
        cheque_id=row.id, cheque_no=row.cheque_no, bank=row.bank, drawer=row.drawer,
        card=mask_card_number(row.card_number), amount=row.amount, status=row.status,
        received_on=str(row.received_on)[:10], received_by=row.received_by or "",
        decided_by=row.decided_login or "", credit_operation_id=row.credit_id,
        reason=row.reason) for row in cheque_store.listing(
            session.actor.outlet_id, status=status, search=search, limit=limit)]

