"""Internal cards (内部卡): the chain's own cards for its own vehicles and departments,
kept apart from customers' money.

- A product of kind `internal` (never a prepaid card the chain sells); its cards are
  issued as any card (to a member of staff, or anonymous for a department).
- Load (内部卡拨款): finance moves the chain's internal funds onto a card; no till, no
  cash, no prepaid limit.
- Use: charged at the counter like any card, but the money goes to the till's
  `internal_use` account, not its sales: internal fuel is not revenue.
- Settle (内部卡结算): what a card used since its last settlement (charges less
  refunds, up to a business date) is booked once as the chain's internal expense; what
  is left on the card may go back to the internal funds.

The ledger keeps them on accounts of their own (internal_funds, internal_use,
internal_expense); the store ledgers and the month's stored value leave internal cards
out, the quarterly prepaid-funds report too (they are not prepaid). A settlement
counts each charge and refund once (recorded with it), on the locked card: two
settlements, or a settlement and a charge, never count the same use twice, and a charge
committed while a settlement ran is counted by the next one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.errors import InvalidInput, KioskError, N_
from kiosk.services import cards, permissions, receipts
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.business_date import current_business_date
from kiosk.services.operations import OperationResult, Posting, mask_card_number, perform
from kiosk.services.session import Session
from kiosk.store import cards as card_store
from kiosk.store import internal_cards as internal_store
from kiosk.store import models

KIND = "internal"


@dataclass(frozen=True, kw_only=True)
class InternalLoad(OperationResult):
    card_number: str
    amount: int
    principal_after: int


@dataclass(frozen=True, kw_only=True)
class InternalSettled(OperationResult):
    card_number: str
    used: int  # booked as internal expense (below zero: more refunded than charged)
    returned: int  # the balance given back to the internal funds
    through_date: str
    principal_after: int


@dataclass(frozen=True)
class InternalCardRow:
    number: str
    holder: str
    status: str
    principal: int
    unsettled: int  # used since the last settlement, up to today
    last_settled: str  # the business date the last settlement counted up to


def _internal_card(number: str) -> models.Card:
    card = cards.get_card(number)
    if card.product.kind != KIND:
        raise InvalidInput(N_("Card {card} is not an internal card."),
                           card=mask_card_number(card.number))
    return card


def load(session: Session, *, card_number: str, amount: int, key: str,
         memo: str = "") -> InternalLoad:
    """内部卡拨款: the chain's internal funds onto an internal card."""
    permissions.require(session, permissions.FINANCE)
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidInput(N_("The amount must be a positive number of fen."))
    memo = " ".join((memo or "").split())[:100]
    card = _internal_card(card_number)

    def run(posting: Posting) -> dict:
        card_now = cards.locked_for_spending(card.id, posting.operation.business_date)
        principal = card_accounts(card_now, lock=True)["principal"]
        posting.move(till_account(session.actor.outlet_id, None, "internal_funds"),
                     principal, amount)
        data = {"card_number": card_now.number, "amount": amount,
                "principal_after": principal.balance + amount}
        data["receipt_id"] = receipts.queue(session, posting.operation, card_now,
                                            "internal_load", data)
        return data

    outcome = perform(session, kind="internal_load", key=key,
                      request={"card": card.number, "amount": amount, "memo": memo},
                      run=run, card=card, amount=amount, memo=memo)
    return InternalLoad.of(outcome)


def settle(session: Session, *, card_number: str, key: str, through: dt.date | None = None,
           return_balance: bool = False) -> InternalSettled:
    """内部卡结算: the card's use since its last settlement, up to the business date
    `through` (default: today's), booked once as internal expense; with
    `return_balance`, what is left on the card goes back to the internal funds."""
    permissions.require(session, permissions.FINANCE)
    card = _internal_card(card_number)

    def run(posting: Posting) -> dict:
        if through is not None and through > posting.operation.business_date:
            raise InvalidInput(N_("A settlement counts up to today at the latest."))
        day = through or posting.operation.business_date
        card_now = card_store.locked(card.id)
        uses = internal_store.unsettled_uses(card_now.id, day)
        used = sum(amount for _, amount in uses)
        principal = card_accounts(card_now, lock=True)["principal"]
        returned = principal.balance if return_balance else 0
        if used == 0 and returned == 0:
            raise KioskError(N_("Card {card} used nothing since its last settlement, and "
                                "nothing is given back: nothing to settle."),
                             card=mask_card_number(card_now.number))
        outlet = session.actor.outlet_id
        use, expense = (till_account(outlet, None, "internal_use"),
                        till_account(outlet, None, "internal_expense"))
        if used > 0:
            posting.move(use, expense, used)
        else:  # more refunded than charged since: the expense comes back
            posting.move(expense, use, -used)
        posting.move(principal, till_account(outlet, None, "internal_funds"), returned)
        posting.operation.amount = abs(used)
        internal_store.insert_settlement(
            uses, card=card_now.id, outlet=outlet, operation=posting.operation.id,
            through_date=day, used=used, returned=returned, created_at=session.now())
        data = {"card_number": card_now.number, "used": used, "returned": returned,
                "through_date": day.isoformat(), "principal_after": principal.balance - returned,
                "amount": abs(used)}
        data["receipt_id"] = receipts.queue(session, posting.operation, card_now,
                                            "internal_settlement", data)
        return data

    outcome = perform(session, kind="internal_settlement", key=key,
                      request={"card": card.number, "through": str(through or ""),
                               "return": return_balance},
                      run=run, card=card, memo=str(through or ""))
    return InternalSettled.of(outcome)


def internal_cards(session: Session) -> list[InternalCardRow]:
    """The outlet's internal cards: what each holds and has used since it was last
    settled."""
    permissions.require_any(session, permissions.FINANCE, permissions.DAY_CLOSE)
    today = current_business_date(session)  # the outlet's day, not the UTC date
    rows = []
    for card in internal_store.internal_cards(session.actor.outlet_id):
        unsettled = sum(amount for _, amount in internal_store.unsettled_uses(card.id, today))
        last = internal_store.last_settlement(card.id)
        rows.append(InternalCardRow(
            card.number, cards.mask_name(card.holder_name or ""), card.status,
            int(card.principal), unsettled, str(last.through_date)[:10] if last else ""))
    return rows

