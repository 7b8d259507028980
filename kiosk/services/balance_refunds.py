"""Refunds of a card's balance that keep the card (the fuel-card manual's special kinds):

- small-balance refund (小额余额退款): a principal balance at or under the chain's limit
  (policy small_refund_limit_yuan) is paid back whole with the holder's PIN (a card
  without a PIN, or a holder who cannot type it: a reviewer); the bonus lapses;
- special refund (特殊退款): any part of the principal paid back, with a reason and a
  reviewer holding the refund right;
- deposit refund (退押金): the card's deposit paid back without closing the card, with a
  reviewer.

Each is one operation that decides on the locked card and its locked accounts: what
the card holds then is what may be paid, so two terminals refunding one card at once
never pay more than it held. Clearing (清户, card_care.clear_card) closes the card.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import InvalidInput, KioskError, N_, ReviewRequired
from kiosk.money import format_yuan
from kiosk.services import cards, operators, permissions, policies, receipts, tenders
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.operations import OperationResult, Posting, perform, stored
from kiosk.services.session import Session
from kiosk.store import models

KINDS = ("small_refund", "special_refund", "deposit_refund")
MAX_REASON = 200


@dataclass(frozen=True, kw_only=True)
class BalanceRefund(OperationResult):
    card_number: str
    kind: str
    amount: int  # paid out
    bonus_forfeited: int
    principal_after: int
    deposit_after: int


@dataclass(frozen=True)
class RefundHint:
    """What the card holds now, for the screen (the refund decides again)."""

    principal: int
    bonus: int
    deposit: int
    small_limit: int


def small_limit() -> int:
    return policies.value("small_refund_limit_yuan") * 100


def hint(session: Session, card_number: str) -> RefundHint:
    permissions.require(session, permissions.CARD_MANAGE)
    money = card_accounts(cards.get_card(card_number))
    return RefundHint(money["principal"].balance, money["bonus"].balance,
                      money["deposit"].balance, small_limit())


def _card(card_number: str) -> models.Card:
    card = cards.get_card(card_number)
    cards.check_money_may_move(card)
    return card


def _reason(reason: str, required: bool) -> str:
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise InvalidInput(N_("Type the reason for the refund."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(N_("At most {most} characters, please."), most=MAX_REASON)
    return reason


def small_balance_refund(session: Session, *, card_number: str, key: str, pin: str = "",
                         tender: str = "cash", review=None) -> BalanceRefund:
    """小额余额退款: the whole principal, if at most the chain's limit, paid back; the card
    stays usable (recharge it again). The holder agrees with the PIN."""
    permissions.require(session, permissions.CARD_MANAGE)
    till = tenders.till_account_kind(tender)
    card = _card(card_number)
    reviewer = None
    if stored(key) is None:
        if pin and card.pin_hash:
            cards.check_pin(session, card, pin)
        elif review is not None:
            reviewer = operators.authorise_review(session, review, permissions.CARD_MANAGE).id
        else:
            raise ReviewRequired(reason=N_("A refund without the card's PIN"))

    def decide(principal: int, bonus: int, deposit: int) -> tuple[int, int, int]:
        limit = small_limit()
        if principal == 0:
            raise KioskError(N_("The card holds no principal to refund."))
        if principal > limit:
            raise KioskError(N_("The balance {balance} is over the small-balance limit "
                                "{limit}: make a special refund (with review)."),
                             balance=format_yuan(principal), limit=format_yuan(limit))
        return principal, bonus, 0

    return _refund(session, "small_refund", card, key, till, decide, reviewer=reviewer,
                   request={"card": card.number, "tender": tender})


def special_refund(session: Session, *, card_number: str, amount: int, reason: str, key: str,
                   tender: str = "cash", review=None) -> BalanceRefund:
    """特殊退款: part or all of the principal paid back, with a reason, reviewed by an
    operator who holds the refund right. The bonus stays on the card."""
    permissions.require(session, permissions.CARD_MANAGE)
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise KioskError(N_("The amount must be a positive number of fen."))
    reason = _reason(reason, required=True)
    till = tenders.till_account_kind(tender)
    card = _card(card_number)
    reviewer = None
    if stored(key) is None:
        if review is None:
            raise ReviewRequired(reason=N_("A special refund"))
        reviewer = operators.authorise_review(session, review, permissions.REFUND).id

    def decide(principal: int, bonus: int, deposit: int) -> tuple[int, int, int]:
        if amount > principal:
            raise KioskError(N_("The card holds {balance} principal: at most that can be "
                                "refunded."), balance=format_yuan(principal))
        return amount, 0, 0

    return _refund(session, "special_refund", card, key, till, decide, reviewer=reviewer,
                   memo=reason, request={"card": card.number, "amount": amount,
                                         "reason": reason, "tender": tender})


def deposit_refund(session: Session, *, card_number: str, key: str, tender: str = "cash",
                   reason: str = "", review=None) -> BalanceRefund:
    """退押金: the card's deposit paid back; the card stays active with its balances."""
    permissions.require(session, permissions.CARD_MANAGE)
    reason = _reason(reason, required=False)
    till = tenders.till_account_kind(tender)
    card = _card(card_number)
    reviewer = None
    if stored(key) is None:
        if review is None:
            raise ReviewRequired(reason=N_("A deposit refund"))
        reviewer = operators.authorise_review(session, review, permissions.CARD_MANAGE).id

    def decide(principal: int, bonus: int, deposit: int) -> tuple[int, int, int]:
        if deposit == 0:
            raise KioskError(N_("The card holds no deposit."))
        return 0, 0, deposit

    return _refund(session, "deposit_refund", card, key, till, decide, reviewer=reviewer,
                   memo=reason, request={"card": card.number, "tender": tender,
                                         "reason": reason})


def _refund(session: Session, kind: str, card: models.Card, key: str, till: str, decide, *,
            reviewer: int | None, request: dict, memo: str = "") -> BalanceRefund:
    """Pays what `decide(principal, bonus, deposit)` -> (principal, bonus lapsing,
    deposit) says, decided on the locked card and accounts."""

    def run(posting: Posting) -> dict:
        card_now = cards.locked_holding_money(card.id)
        cards.check_money_may_move(card_now)  # decided on the locked card
        accounts = card_accounts(card_now, lock=True)
        principal, bonus, deposit = decide(accounts["principal"].balance,
                                           accounts["bonus"].balance,
                                           accounts["deposit"].balance)
        outlet = session.actor.outlet_id
        drawer = till_account(outlet, session.actor.terminal_id, till)
        posting.move(accounts["principal"], drawer, principal)
        posting.move(accounts["deposit"], drawer, deposit)
        posting.move(accounts["bonus"], till_account(outlet, None, "promotion_expense"), bonus)
        posting.operation.amount = principal + deposit
        data = {"card_number": card_now.number, "kind": kind, "amount": principal + deposit,
                "bonus_forfeited": bonus,
                "principal_after": accounts["principal"].balance - principal,
                "deposit_after": accounts["deposit"].balance - deposit}
        data["receipt_id"] = receipts.queue(session, posting.operation, card_now, kind, data)
        return data

    outcome = perform(session, kind=kind, key=key, request=request, run=run, card=card,
                      tender=request["tender"], reviewer_id=reviewer, memo=memo)
    return BalanceRefund.of(outcome)
