"""Payment reversal (撤单/冲销): part or all of a payment in taken back, with a reason and
a reviewer who holds the refund right, on its own day or later (within the chain's
refund window). A payment in is a recharge (cash, bank card, a batch list), a recharge
by cheque, a card's issue (its fee and deposit) or sub cards issued in one go (their fees
and deposits: the deposits come back from the sub cards, in number order).

The recharge screen's same-day reversal (recharge.reverse_recharge) takes a whole
recharge back; this takes any part of any of them. Both draw on the original's one
"still reversible" amount under the original's lock, so together they never take back
more than was paid, however many terminals try at once. What each reversal takes is
a share of the original's parts on running totals (principal and its bonus; fee and
deposit), so reversals in parts add up exactly to the whole. The card must still hold
what is taken back; a replaced card is followed to the card that replaced it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from kiosk.errors import InvalidInput, KioskError, N_, PermissionDenied, ReviewRequired
from kiosk.money import format_yuan
from kiosk.services import (cards, kinds, operators, permissions, policies, receipts,
                            service_fees, tenders)
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.business_date import current_business_date
from kiosk.services.operations import (OperationResult, Posting, mask_card_number, perform,
                                       stored)
from kiosk.services.session import Session
from kiosk.store import cards as card_store
from kiosk.store import journal, ledger, models
from kiosk.store import operations as operation_store

PAYMENTS_IN = kinds.kind("payment_reversal").reverses_any
MAX_REASON = 200


@dataclass(frozen=True, kw_only=True)
class PaymentReversal(OperationResult):
    original_operation_id: int
    original_kind: str
    card_number: str
    amount: int
    principal: int
    bonus: int
    fee: int
    deposit: int
    reversed_total: int  # of the original, this one included
    tender_name: str = ""  # how the customer paid: how `amount` goes back to them


@dataclass(frozen=True)
class ReversiblePayment:
    operation_id: int
    kind: str
    business_date: str
    amount: int
    left: int  # still reversible
    tender: str


def reversible_payments(session: Session, card_number: str) -> list[ReversiblePayment]:
    """The card's payments in at this outlet, within the refund window, with something
    still to take back; newest first. A replacement card shows its old cards' too
    (their money moved onto it)."""
    permissions.require(session, permissions.RECHARGE)
    card = cards.get_card(card_number)
    ids, predecessor = [card.id], card
    for _ in range(cards.REPLACEMENT_CHAIN_LIMIT):
        predecessor = card_store.replaced_by(predecessor.id)
        if predecessor is None:
            break
        ids.append(predecessor.id)
    payments = journal.still_reversible(ids, PAYMENTS_IN, session.actor.outlet_id,
                                        since=_window_start(session))
    return [ReversiblePayment(op.id, op.kind, str(op.business_date)[:10], op.amount,
                              op.amount - op.reversed_amount, op.tender)
            for op in payments]


def _window_start(session: Session) -> dt.date | None:
    window = policies.value("refund_window_days")
    return current_business_date(session) - dt.timedelta(days=window) if window else None


def check(session: Session, original_operation_id: int, amount: int) -> models.Operation:
    """Whether this reversal could be made (a hint before the reviewer signs; the
    reversal decides again on the locked original); the payment it reverses."""
    permissions.require(session, permissions.RECHARGE)
    _check_amount(amount)
    original = journal.operation(original_operation_id)
    _check(session, original, amount)
    return original


def _check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise KioskError(N_("The amount must be a positive number of fen."))


def _check(session: Session, original: models.Operation | None, amount: int) -> None:
    if original is None or original.kind not in PAYMENTS_IN:
        raise KioskError(N_("Only a payment in (a recharge, a recharge by cheque, a card's "
                            "issue, sub cards' issue) can be reversed here."))
    if original.outlet_id != session.actor.outlet_id:
        raise PermissionDenied(N_("This payment was made at another outlet: reverse it "
                                  "there."))
    since = _window_start(session)
    if since is not None and original.business_date < since:
        raise KioskError(N_("This payment is older than the chain's refund window ({days} "
                            "days): it cannot be reversed at the counter."),
                         days=policies.value("refund_window_days"))
    left = original.amount - original.reversed_amount
    if amount > left:
        raise KioskError(N_("At most {left} of this payment can still be reversed."),
                         left=format_yuan(left))


def _share(part: int, before: int, after: int, whole: int) -> int:
    """The part of `part` that reversing from `before` to `after` of `whole` takes back
    (running totals: shares in pieces add up to the part)."""
    return part * after // whole - part * before // whole


def _paid_from(session: Session, original: models.Operation) -> models.Account:
    """Where the money goes back out: a cheque's went to the outlet's bank account;
    cash and card payments leave this terminal's till of the payment's kind."""
    if original.kind == "cheque_recharge":
        return till_account(session.actor.outlet_id, None, "outlet_bank")
    return tenders.drawer_giving_back(session, original.tender)


def _moved_by(original: models.Operation, kind: str) -> models.Account:
    """The system account of `kind` the original moved (its terminal's fee or promotion
    account): a reversal takes back from where the money went."""
    return ledger.system_account_of(original.id, kind) or till_account(
        original.outlet_id, None, kind)


def _deposits_paid(paid: dict) -> int:
    """The deposits an issue took: one card's, or each sub card's of a batch."""
    return paid.get("deposit", 0) * len(paid.get("card_numbers") or [None])


def _sub_card_deposits(subs: list[models.Card]) -> list[models.Account]:
    """The deposit accounts of a batch's sub cards (locked, each followed to the card
    its deposit went to), in number order, each once."""
    latest = {card.id: card for card in sorted(subs, key=lambda card: card.number)}
    return [card_accounts(card, lock=True)["deposit"] for card in latest.values()]


def _take_deposits(posting: Posting, deposits: list[models.Account], drawer: models.Account,
                   amount: int) -> None:
    """`amount` of deposit back to the drawer, from the first accounts that still hold
    some (a sub card's deposit refunded on its own is not taken twice)."""
    for deposit in deposits:
        taken = min(deposit.balance, amount)
        posting.move(deposit, drawer, taken)
        amount -= taken


def reverse_payment(session: Session, *, original_operation_id: int, amount: int,
                    reason: str, key: str, review=None) -> PaymentReversal:
    _check_amount(amount)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(N_("Type the reason for the reversal."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(N_("At most {most} characters, please."), most=MAX_REASON)
    request = {"original": original_operation_id, "amount": amount, "reason": reason}
    reviewer = None
    if stored(key) is None:
        original = check(session, original_operation_id, amount)
        if review is None:  # the reviewer sees what they sign for
            raise ReviewRequired(reason=KioskError(
                N_("Reversing {amount} of payment #{number} on card {card}"),
                amount=format_yuan(amount), number=original.id,
                card=mask_card_number(card_store.number_of(original.card_id))))
        reviewer = operators.authorise_review(session, review, permissions.REFUND).id

    def run(posting: Posting) -> dict:
        original = operation_store.locked(original_operation_id)
        _check(session, original, amount)
        before, whole = original.reversed_amount, original.amount
        if not operation_store.take_reversible(original.id, amount):
            raise AssertionError("the original is locked: what is left cannot have changed")
        paid = json.loads(original.result)
        # The card and, for a sub card batch, its sub cards: all locked at once, lowest
        # id first, as an allocation from the main card to a sub card locks them.
        subs = [cards.get_card(number).id for number in paid["card_numbers"]] \
            if original.kind == "sub_card_issue" else []
        locked = cards.locked_latest_in_id_order([original.card_id, *subs])
        card = cards.may_be_credited(locked[original.card_id])
        posting.operation.card = card.id
        posting.operation.tender = original.tender
        accounts = card_accounts(card, lock=True)
        drawer = _paid_from(session, original)
        parts = {"principal": 0, "bonus": 0, "fee": 0, "deposit": 0}
        if original.kind in ("card_issue", "sub_card_issue"):
            parts["deposit"] = _share(_deposits_paid(paid), before, before + amount, whole)
            parts["fee"] = amount - parts["deposit"]
        else:
            parts["principal"] = amount
            parts["bonus"] = _share(paid.get("bonus", 0), before, before + amount, whole)
        deposits = (_sub_card_deposits([locked[sub] for sub in subs]) if subs
                    else [accounts["deposit"]])
        for name, held in (("principal", accounts["principal"].balance),
                           ("bonus", accounts["bonus"].balance),
                           ("deposit", sum(deposit.balance for deposit in deposits))):
            if held < parts[name]:
                raise KioskError(N_("The card no longer holds what this reversal takes back: "
                                    "{need}, and it has {held} of that kind left."),
                                 need=format_yuan(parts[name]), held=format_yuan(held))
        posting.move(accounts["principal"], drawer, parts["principal"])
        _take_deposits(posting, deposits, drawer, parts["deposit"])
        posting.move(accounts["bonus"], _moved_by(original, "promotion_expense"),
                     parts["bonus"])
        posting.move(_moved_by(original, service_fees.account_kind(paid.get("invoice", True))),
                     drawer, parts["fee"])
        data = {"original_operation_id": original.id, "original_kind": original.kind,
                "card_number": card.number, "amount": amount, **parts,
                "reversed_total": before + amount,
                "tender_name": tenders.name_of(original.tender) if original.tender else ""}
        data["receipt_id"] = receipts.queue(session, posting.operation, card,
                                            "payment_reversal", {
                                                **data, "principal_after":
                                                accounts["principal"].balance - parts["principal"],
                                                "bonus_after":
                                                accounts["bonus"].balance - parts["bonus"]})
        return data

    outcome = perform(session, kind="payment_reversal", key=key, request=request, run=run,
                      amount=amount, reverses=original_operation_id, reviewer_id=reviewer,
                      memo=reason)
    return PaymentReversal.of(outcome)
