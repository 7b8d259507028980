"""Recharge (充值): cash or bank money in, principal credited, bonus by promotion."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from kiosk.errors import KioskError, N_, PermissionDenied
from kiosk.services import cards, operators, permissions, prepaid, receipts, tenders
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.business_date import current_business_date
from kiosk.services.operations import OperationResult, Posting, perform, stored
from kiosk.services.session import Session
from kiosk.store import catalog, journal, ledger, models
from kiosk.store import operations as operation_store

@dataclass(frozen=True, kw_only=True)
class RechargeResult(OperationResult):
    card_number: str
    amount: int
    bonus: int
    promotion: str
    principal_after: int
    bonus_after: int
    tender_name: str = ""  # how it was paid, as the chain names the tender (现金)


def best_promotion(product: models.CardProduct, amount: int,
                   day: dt.date) -> models.Promotion | None:
    """The promotion giving the largest bonus for this amount on this day."""
    return catalog.best_promotion(product.id, amount, day)


def recharge(session: Session, *, card_number: str, amount: int, tender: str,
             key: str, purchase: prepaid.Purchase | None = None,
             batch_id: int | None = None) -> RechargeResult:
    """Money in. On a prepaid card the card's limit holds (decided on the locked card's
    principal) and the sale follows the real-name and no-cash rules (`purchase`: the
    buyer and the accounts, when the rules need them). A line of a batch list
    (`batch_id`) is part of the list's sale, checked and recorded with the list."""
    till = tenders.till_account_kind(tender)
    if not isinstance(amount, int) or amount <= 0:
        raise KioskError(N_("The amount must be a positive number of fen."))
    card = cards.get_card(card_number)
    cards.check_money_may_move(card)
    request = {"card": card.number, "amount": amount, "tender": tender}
    if purchase is not None:
        request["purchase"] = purchase.as_request()

    def run(posting: Posting) -> dict:
        day = posting.operation.business_date
        card_now = cards.locked_for_spending(card.id, day)
        cards.check_money_may_move(card_now)  # decided on the locked card
        accounts = card_accounts(card, lock=True)
        prepaid.check_room(card.id, accounts["principal"].balance, amount, "recharge")
        # The sale rules on the card as it is now, locked: a replay never gets here.
        sale = (prepaid.check_sale(amount, tender, purchase, company=card_now.company)
                if batch_id is None and prepaid.is_prepaid(card_now.product) else None)
        promotion = best_promotion(card.product, amount, day)
        bonus = promotion.bonus if promotion else 0
        drawer = till_account(session.actor.outlet_id, session.actor.terminal_id, till)
        posting.move(drawer, accounts["principal"], amount)
        if bonus:
            expense = till_account(session.actor.outlet_id, session.actor.terminal_id,
                                   "promotion_expense")
            posting.move(expense, accounts["bonus"], bonus)
        data = {"card_number": card.number, "amount": amount, "bonus": bonus,
                "promotion": promotion.name if promotion else "",
                "principal_after": accounts["principal"].balance + amount,
                "bonus_after": accounts["bonus"].balance + bonus,
                "tender_name": tenders.name_of(tender)}
        data["receipt_id"] = receipts.queue(session, posting.operation, card, "recharge",
                                            {**data, "tender": tender})
        if sale is not None:
            prepaid.record_sale(session, sale, amount=amount, tender=tender,
                                operation=posting.operation)
        return data

    outcome = perform(session, kind="recharge", key=key, request=request, run=run, card=card,
                      amount=amount, tender=tender)
    return RechargeResult.of(outcome)


@dataclass(frozen=True, kw_only=True)
class ReversalResult(OperationResult):
    original_operation_id: int
    amount: int
    bonus: int = 0  # the promotion's bonus taken back with it
    tender: str = ""  # how the money goes back (the recharge's tender)
    tender_name: str = ""  # as the chain named it (现金)
    principal_after: int = 0
    bonus_after: int = 0


def reverse_recharge(session: Session, *, original_operation_id: int, key: str,
                     review) -> ReversalResult:
    """充值撤销: the same business day only, in full, with review; the card must still
    hold the principal and bonus the recharge gave. Decided on the locked original and
    the locked card: a recharge is reversed at most once, however many terminals try."""
    request = {"original": original_operation_id}
    reviewer = None
    if stored(key) is None:
        _check_reversible(session, journal.operation(original_operation_id),
                          current_business_date(session))
        reviewer = operators.authorise_review(session, review, permissions.RECHARGE)

    def run(posting: Posting) -> dict:
        original = operation_store.locked(original_operation_id)
        _check_reversible(session, original, posting.operation.business_date)
        operation_store.take_reversible(original.id, original.amount)
        card = cards.locked_holding_money(original.card_id)
        posting.operation.card = card.id
        posting.operation.amount = original.amount
        posting.operation.tender = original.tender
        entries = ledger.entries_of(original.id)
        accounts = ledger.accounts_by_id(entry.account_id for entry in entries)
        for entry in entries:
            posting.entries.append((accounts[entry.account_id], -entry.amount))
        held = card_accounts(card, lock=True)  # the after-balances the receipt shows
        taken = {account.kind: -entry.amount for entry in entries
                 for account in [accounts[entry.account_id]] if account.card_id == card.id}
        return {"original_operation_id": original.id, "amount": original.amount,
                "bonus": -taken.get("bonus", 0), "tender": original.tender,
                "tender_name": tenders.name_of(original.tender),
                "principal_after": held["principal"].balance + taken.get("principal", 0),
                "bonus_after": held["bonus"].balance + taken.get("bonus", 0)}

    outcome = perform(session, kind="recharge_reversal", key=key, request=request, run=run,
                      reverses=original_operation_id,
                      reviewer_id=reviewer.id if reviewer else None)
    return ReversalResult.of(outcome)


def _check_reversible(session: Session, original: models.Operation | None, today) -> None:
    if original is None or original.kind != "recharge":
        raise KioskError(N_("Only a recharge can be reversed here."))
    if original.outlet_id != session.actor.outlet_id:
        raise PermissionDenied(N_("This recharge was made at another outlet: reverse it "
                                  "there."))
    if original.business_date != today:
        raise KioskError(N_("A recharge can only be reversed on its own business day."))
    if original.reversed_amount:
        raise KioskError(N_("This recharge was already reversed."))


def promotions_for(session: Session, card_number: str) -> list[str]:
    """The recharge promotions running today for the card's product, for the clerk to
    tell the customer ("充500送50")."""
    permissions.require(session, permissions.QUERY)
    card = cards.get_card(card_number)
    day = current_business_date(session)
    return [promotion.name for promotion in catalog.running_promotions(card.product_id, day)]


@dataclass(frozen=True)
class ReversibleRecharge:
    operation_id: int
    amount: int  # the principal paid in; its bonus goes with it
    bonus: int = 0
    tender_name: str = ""  # how the customer paid: how they are paid back


def last_reversible(session: Session, card_number: str) -> ReversibleRecharge:
    """Today's latest recharge of the card that is not reversed yet, for the reviewer to
    see what they authorise (the reversal decides again on the locked original)."""
    permissions.require(session, permissions.RECHARGE)
    card = cards.get_card(card_number)
    today = current_business_date(session)
    operation = journal.last_unreversed(card.id, "recharge", today)
    if operation is None:
        partly = journal.still_reversible([card.id], ("recharge",), session.actor.outlet_id,
                                          since=today, limit=1)
        if partly:  # a part was taken back (F8): the rest goes back the same way
            raise KioskError(N_("Recharge #{number} was partly reversed already: reverse "
                                "the rest of it as a payment (F8)."), number=partly[0].id)
        raise KioskError(N_("This card has no recharge today that could be reversed."))
    paid = json.loads(operation.result)
    return ReversibleRecharge(operation.id, operation.amount, paid.get("bonus", 0),
                              paid.get("tender_name") or operation.tender or "")
