"""Charge (下账/扣款) and refund: the cashier's two money operations.

Split rule (the product's spend order):
- principal_first: principal up to its balance, the rest from bonus;
- bonus_first: the other way round;
- proportional: in proportion to the two balances, rounded down, the odd fen from principal.
A refund gives back to principal and bonus in proportion to what the charge took,
computed on running totals so that refunds in parts add up to exactly the charge.
Points: floor(amount in fen * points_per_yuan / 100), reversed the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from kiosk.errors import KioskError, N_
from kiosk.money import format_yuan, split_proportionally
from kiosk.services import cards, directory, operators, permissions, receipts
from kiosk.services.accounts import card_accounts, issuer_account, till_account
from kiosk.services.operations import (InsufficientFunds, Posting, current_business_date,
                                       perform, stored)
from kiosk.services.session import Session
from kiosk.store import models, sql


class NoMatchingInstitution(KioskError):
    default_message = N_("No matching institution: this outlet is not opened for this card "
                         "(无匹配卫生机构).")


class ForbiddenCategory(KioskError):
    default_message = N_("'{item}' ({category}) may not be paid with this card; re-ring the "
                         "sale with other items.")


class RestrictionViolated(KioskError):
    default_message = N_("The card's restrictions do not allow this charge.")


@dataclass(frozen=True)
class SaleLine:
    name: str
    category: str
    amount: int


@dataclass(frozen=True)
class ChargeResult:
    operation_id: int
    card_number: str
    amount: int
    principal: int
    bonus: int
    points_earned: int
    principal_after: int
    bonus_after: int
    points_after: int
    receipt_id: int | None
    business_date: str
    replayed: bool = False


@dataclass(frozen=True)
class RefundResult:
    operation_id: int
    original_operation_id: int
    amount: int
    principal: int
    bonus: int
    points: int
    refunded_total: int
    receipt_id: int | None
    replayed: bool = False


@dataclass(frozen=True)
class Review:
    """A second operator's credentials typed at the same terminal (同级复核授权)."""

    login_id: str
    password: str = field(repr=False)


def charge(session: Session, *, card_number: str, amount: int, pin: str | None, key: str,
           lines: tuple[SaleLine, ...] = (), channel_order_no: str | None = None
           ) -> ChargeResult:
    if lines:
        amount = sum(line.amount for line in lines)
    _check_amount(amount)
    card = cards.get_card(card_number)
    request = {"card": card.number, "amount": amount, "order": channel_order_no,
               "lines": [asdict(line) for line in lines]}
    # A retry of a committed charge returns its result without asking for the PIN again.
    if stored(key) is None:
        _check_card_for_charge(session, card, amount, lines)
        cards.check_pin(session, card, pin)

    def run(posting: Posting) -> dict:
        accounts = card_accounts(card, lock=True)
        principal, bonus = split_spend(card.product.spend_order, amount,
                                       accounts["principal"].balance, accounts["bonus"].balance)
        sales = _sales_account(session, card)
        posting.move(accounts["principal"], sales, principal)
        posting.move(accounts["bonus"], sales, bonus)
        points = amount * card.product.points_per_yuan // 100
        points_pool = till_account(session.actor.outlet_id, None, "points_issued")
        posting.move(points_pool, accounts["points"], points)
        data = {"card_number": card.number, "amount": amount, "principal": principal,
                "bonus": bonus, "points_earned": points,
                "principal_after": accounts["principal"].balance - principal,
                "bonus_after": accounts["bonus"].balance - bonus,
                "points_after": accounts["points"].balance + points,
                "business_date": posting.operation.business_date.isoformat()}
        data["receipt_id"] = receipts.queue(session, posting.operation, card, "charge", data,
                                            lines=lines)
        return data

    outcome = perform(session, kind="charge", key=key, request=request,
                      permission=permissions.CHARGE, run=run, card=card, amount=amount,
                      tender="card", channel_order_no=channel_order_no)
    return ChargeResult(operation_id=outcome.operation_id, replayed=outcome.replayed,
                        **outcome.data)


def _check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise KioskError(N_("The amount must be a positive number of fen."))


def _sales_account(session: Session, card: models.Card) -> models.Account:
    if card.product.kind == "insurance":
        return issuer_account(card.product.issuer or card.product.code)
    return till_account(session.actor.outlet_id, session.actor.terminal_id, "outlet_sales")


def split_spend(order: str, amount: int, principal: int, bonus: int) -> tuple[int, int]:
    if principal + bonus < amount:
        raise InsufficientFunds(N_("Not enough balance: the card has {balance}, the sale is "
                                   "{amount}."), balance=format_yuan(principal + bonus),
                                amount=format_yuan(amount))
    if order == "bonus_first":
        from_bonus = min(bonus, amount)
        return amount - from_bonus, from_bonus
    if order == "proportional":
        from_principal, from_bonus = split_proportionally(amount, [principal, bonus])
        return from_principal, from_bonus
    from_principal = min(principal, amount)
    return from_principal, amount - from_principal


_OUTLET_OPENED = sql.Statement(
    'SELECT 1 FROM "outlet_product" WHERE "outlet_id" = ? AND "product_id" = ?')


def _check_card_for_charge(session: Session, card: models.Card, amount: int,
                           lines: tuple[SaleLine, ...]) -> None:
    today = current_business_date(session)
    cards.ensure_usable(card, today)
    if _OUTLET_OPENED.first(session.actor.outlet_id, card.product_id) is None:
        raise NoMatchingInstitution()
    _check_categories(card.product, lines)
    _check_categories(card, lines)  # the card's own limits (限制信息)
    _check_restrictions(session, card, amount, today)


def _categories(text: str) -> set[str]:
    return {part.strip() for part in text.split(",") if part.strip()}


def _check_categories(rules: models.CardProduct | models.Card,
                      lines: tuple[SaleLine, ...]) -> None:
    forbidden, allowed = _categories(rules.forbidden_categories), _categories(
        rules.allowed_categories)
    for line in lines:
        if line.category in forbidden or (allowed and line.category not in allowed):
            raise ForbiddenCategory(item=line.name, category=line.category)


def _check_restrictions(session: Session, card: models.Card, amount: int,
                        today: dt.date) -> None:
    outlets = _categories(card.allowed_outlets)
    if outlets:
        if directory.actor_info(session.actor).outlet_code not in outlets:
            raise RestrictionViolated(N_("This card may not be used at this outlet."))
    if card.daily_limit:
        spent = charged_on(card, today)
        if spent + amount > card.daily_limit:
            raise RestrictionViolated(
                N_("Daily limit {limit} reached: {left} left today."),
                limit=format_yuan(card.daily_limit),
                left=format_yuan(max(card.daily_limit - spent, 0)))


def charged_on(card: models.Card, day: dt.date) -> int:
    """Net spend on a business date: charges less their refunds."""
    query = models.Operation.select(models.Operation.kind, models.Operation.amount).where(
        models.Operation.card == card, models.Operation.business_date == day,
        models.Operation.kind.in_(("charge", "refund")))
    return sum(op.amount if op.kind == "charge" else -op.amount for op in query)


def refunded_so_far(original: models.Operation) -> dict[str, int]:
    totals = {"amount": 0, "principal": 0, "bonus": 0, "points": 0}
    for refund in models.Operation.select().where(models.Operation.reverses == original,
                                                  models.Operation.kind == "refund"):
        data = _load(refund)
        for name in totals:
            totals[name] += data.get(name, 0)
    return totals


def _load(operation: models.Operation) -> dict:
    return json.loads(operation.result)


def refund(session: Session, *, original_operation_id: int, amount: int, key: str,
           review: Review) -> RefundResult:
    """Give back part or all of a charge; never more than was charged, in total."""
    _check_amount(amount)
    original = models.Operation.get_or_none(models.Operation.id == original_operation_id)
    if original is None or original.kind != "charge":
        raise KioskError(N_("Only a charge can be refunded."))
    if _filed_for_transfer(original):
        raise KioskError(N_("This charge was filed for transfer to stored value; it cannot "
                            "be refunded."))
    request = {"original": original.id, "amount": amount}
    reviewer = None
    if stored(key) is None:
        reviewer = operators.authorise_review(session, review, permissions.REFUND)

    def run(posting: Posting) -> dict:
        charged = _load(original)
        done = refunded_so_far(original)
        if done["amount"] + amount > original.amount:
            raise KioskError(N_("At most {left} can still be refunded on this charge."),
                             left=format_yuan(original.amount - done["amount"]))
        total_after = done["amount"] + amount
        principal_after, bonus_after = split_proportionally(
            total_after, [charged["principal"], charged["bonus"]])
        principal = principal_after - done["principal"]
        bonus = bonus_after - done["bonus"]
        points = charged["points_earned"] * total_after // original.amount - done["points"]
        card = original.card
        accounts = card_accounts(card, lock=True)
        sales = _original_sales(original)
        posting.move(sales, accounts["principal"], principal)
        posting.move(sales, accounts["bonus"], bonus)
        points = min(points, accounts["points"].balance)  # points already spent stay spent
        posting.move(accounts["points"], till_account(original.outlet_id, None, "points_issued"),
                     points)
        data = {"original_operation_id": original.id, "amount": amount, "principal": principal,
                "bonus": bonus, "points": points, "refunded_total": total_after}
        data["receipt_id"] = receipts.queue(session, posting.operation, card, "refund", {
            **data, "card_number": card.number, "original_receipt": original.id,
            "principal_after": accounts["principal"].balance + principal,
            "bonus_after": accounts["bonus"].balance + bonus,
            "points_after": accounts["points"].balance - points})
        return data

    outcome = perform(session, kind="refund", key=key, request=request,
                      permission=permissions.CHARGE, run=run, card=original.card,
                      amount=amount, tender="card", reverses=original,
                      reviewer_id=reviewer.id if reviewer else None)
    return RefundResult(operation_id=outcome.operation_id, replayed=outcome.replayed,
                        **outcome.data)


def _filed_for_transfer(charge: models.Operation) -> bool:
    """A charge filed for transfer to stored value (pending or approved) stays charged."""
    return models.InsuranceTransfer.select().where(
        models.InsuranceTransfer.charge == charge.id,
        models.InsuranceTransfer.status != "rejected").exists()


def _original_sales(original: models.Operation) -> models.Account:
    """The account the charge paid into: refunds come back out of it."""
    entry = (models.JournalEntry.select().join(models.Account)
             .where(models.JournalEntry.operation == original, models.JournalEntry.amount > 0,
                    models.Account.card.is_null()).first())
    return entry.account
