"""A customer's money (客户账户), as the fuel-card manual moves it:

- customer recharge (客户充值): money paid in at the till credits the customer's account;
- receipt (收款): a customer that owes (its account below zero, within its credit)
  pays it back, at most what it owes;
- main-card receipt (主卡收款): money paid in for one of its main cards goes straight to
  that card;
- allocation (客户分配): the account's money (and its credit) to a main card, or back.

Every operation locks the customer's row first and decides on it: the account never
owes more than the credit limit, and a receipt never takes more than is owed, however
many terminals pay or allocate at once. Money paid in follows the prepaid-card sale
rules (real name, no cash for large purchases) as a card's recharge does.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import InvalidInput, KioskError, N_
from kiosk.money import format_yuan
from kiosk.services import cards, permissions, prepaid, receipts, tenders
from kiosk.services.accounts import card_accounts, customer_account, till_account
from kiosk.services.customers import customer_by_code
from kiosk.services.operations import OperationResult, Posting, perform
from kiosk.services.session import Session
from kiosk.store import customers as customer_store
from kiosk.store import models


class OverCredit(KioskError):
    default_message = N_("Customer {code} has {available} left to allocate (balance "
                         "{balance}, credit limit {limit}): not {amount}.")


@dataclass(frozen=True, kw_only=True)
class CustomerPayment(OperationResult):
    customer_code: str
    kind: str
    amount: int
    account_after: int  # the customer's account; below zero is owed
    card_number: str = ""  # a main-card receipt's card
    principal_after: int = 0  # and what that card holds now


@dataclass(frozen=True, kw_only=True)
class CustomerAllocation(OperationResult):
    customer_code: str
    card_number: str
    amount: int  # to the card; below zero: back from it
    account_after: int
    principal_after: int


def _positive(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidInput(N_("The amount must be a positive number of fen."))


def recharge(session: Session, *, customer_code: str, amount: int, tender: str, key: str,
             purchase: prepaid.Purchase | None = None) -> CustomerPayment:
    """客户充值: money in to the customer's account."""
    return _pay_in(session, "customer_recharge", customer_code, amount, tender, key, purchase)


def receive_payment(session: Session, *, customer_code: str, amount: int, tender: str,
                    key: str, purchase: prepaid.Purchase | None = None) -> CustomerPayment:
    """收款: what the customer owes (its account below zero), paid back; at most that."""
    return _pay_in(session, "customer_receipt", customer_code, amount, tender, key, purchase)


def _pay_in(session: Session, kind: str, customer_code: str, amount: int, tender: str,
            key: str, purchase: prepaid.Purchase | None) -> CustomerPayment:
    permissions.require(session, permissions.RECHARGE)
    _positive(amount)
    till = tenders.till_account_kind(tender)
    customer = customer_by_code(customer_code)
    request = {"customer": customer.code, "amount": amount, "tender": tender}
    if purchase is not None:
        request["purchase"] = purchase.as_request()

    def run(posting: Posting) -> dict:
        now = customer_store.locked(customer.id)
        account = customer_account(now)
        if kind == "customer_receipt" and amount > max(-account.balance, 0):
            raise KioskError(N_("Customer {code} owes {owed}: a receipt is at most that (a "
                                "customer recharge pays in more)."), code=now.code,
                             owed=format_yuan(max(-account.balance, 0)))
        sale = prepaid.check_sale(amount, tender, purchase, company=now.kind == "company")
        drawer = till_account(session.actor.outlet_id, session.actor.terminal_id, till)
        posting.move(drawer, account, amount)
        data = {"customer_code": now.code, "kind": kind, "amount": amount,
                "account_after": account.balance + amount}
        data["receipt_id"] = receipts.queue(session, posting.operation, None, kind, {
            **data, "tender": tender, "customer": _named(now),
            "invoice_title": now.invoice_title})
        if sale is not None:
            prepaid.record_sale(session, sale, amount=amount, tender=tender,
                                operation=posting.operation)
        return data

    outcome = perform(session, kind=kind, key=key, request=request, run=run, amount=amount,
                      tender=tender, memo=customer.code)
    return CustomerPayment.of(outcome)


def main_card_receipt(session: Session, *, customer_code: str, card_number: str, amount: int,
                      tender: str, key: str,
                      purchase: prepaid.Purchase | None = None) -> CustomerPayment:
    """主卡收款: money paid in for one of the customer's main cards, credited to it (the
    card's limit holds, as on any recharge)."""
    permissions.require(session, permissions.RECHARGE)
    _positive(amount)
    till = tenders.till_account_kind(tender)
    customer = customer_by_code(customer_code)
    card = cards.get_card(card_number)
    request = {"customer": customer.code, "card": card.number, "amount": amount,
               "tender": tender}
    if purchase is not None:
        request["purchase"] = purchase.as_request()

    def run(posting: Posting) -> dict:
        now = customer_store.locked(customer.id)
        card_now = cards.locked_for_spending(card.id, posting.operation.business_date)
        _ensure_main_card_of(card_now, now)
        sale = prepaid.check_sale(amount, tender, purchase, company=now.kind == "company")
        principal = card_accounts(card_now, lock=True)["principal"]
        drawer = till_account(session.actor.outlet_id, session.actor.terminal_id, till)
        posting.move(drawer, principal, amount)
        data = {"customer_code": now.code, "kind": "main_card_receipt", "amount": amount,
                "account_after": customer_account(now).balance, "card_number": card_now.number,
                "principal_after": principal.balance + amount}
        data["receipt_id"] = receipts.queue(session, posting.operation, card_now,
                                            "main_card_receipt", {
                                                **data, "tender": tender,
                                                "customer": _named(now),
                                                "invoice_title": now.invoice_title})
        if sale is not None:
            prepaid.record_sale(session, sale, amount=amount, tender=tender,
                                operation=posting.operation)
        return data

    outcome = perform(session, kind="main_card_receipt", key=key, request=request, run=run,
                      card=card, amount=amount, tender=tender, memo=customer.code)
    return CustomerPayment.of(outcome)


def allocate(session: Session, *, customer_code: str, card_number: str, amount: int,
             key: str) -> CustomerAllocation:
    """客户分配: from the customer's account to one of its main cards (a negative amount
    takes money back from the card). The account may go below zero down to the credit
    limit, decided on the locked customer."""
    permissions.require(session, permissions.TRANSFER)
    if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
        raise InvalidInput(N_("The amount must not be zero."))
    customer = customer_by_code(customer_code)
    card = cards.get_card(card_number)

    def run(posting: Posting) -> dict:
        now = customer_store.locked(customer.id)
        card_now = cards.locked_for_spending(card.id, posting.operation.business_date)
        _ensure_main_card_of(card_now, now)
        account = customer_account(now)
        principal = card_accounts(card_now, lock=True)["principal"]
        if amount > 0:
            ensure_within_credit(now, account.balance, amount)
            posting.move(account, principal, amount)
        else:
            posting.move(principal, account, -amount)
        return {"customer_code": now.code, "card_number": card_now.number, "amount": amount,
                "account_after": account.balance - amount,
                "principal_after": principal.balance + amount}

    outcome = perform(session, kind="customer_allocation", key=key,
                      request={"customer": customer.code, "card": card.number,
                               "amount": amount},
                      run=run, card=card, amount=abs(amount), memo=customer.code)
    return CustomerAllocation.of(outcome)


def ensure_within_credit(customer: models.Customer, balance: int, amount: int) -> None:
    """The account may take `amount` out, its balance staying at or above minus the
    credit limit (on the locked customer and its fresh balance)."""
    if balance - amount < -customer.credit_limit:
        raise OverCredit(code=customer.code,
                         available=format_yuan(max(balance + customer.credit_limit, 0)),
                         balance=format_yuan(balance),
                         limit=format_yuan(customer.credit_limit), amount=format_yuan(amount))


def _ensure_main_card_of(card: models.Card, customer: models.Customer) -> None:
    if card.customer_id != customer.id or card.main_card_id is not None:
        raise InvalidInput(N_("Card {card} is not a main card of customer {code}."),
                           card=card.number[-4:], code=customer.code)


def _named(customer: models.Customer) -> str:
    return f"{customer.code} {customer.name}"
