"""What the store ledgers (门店余额台账, 门店总账) and the month's report add up from the
journal: the outlet's cards' balances by kind, day and business type, its operations
and the money through its tills. Insurance cards' balances are their issuer's money and
internal cards' (内部卡) the chain's own, not the outlet's stored value: they stay out of
every card figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import peewee as pw

from kiosk.store import models, sql

Entry, Account, Card, Product, Operation = (models.JournalEntry, models.Account, models.Card,
                                            models.CardProduct, models.Operation)
_INFLOW = pw.fn.SUM(pw.Case(None, [(Entry.amount > 0, Entry.amount)], 0))
_OUTFLOW = pw.fn.SUM(pw.Case(None, [(Entry.amount < 0, 0 - Entry.amount)], 0))  # -x is DESC


Outlets = int | Iterable[int]  # one outlet's id, or several (the outlets of a business format)


def _ids(outlets: Outlets) -> tuple[int, ...]:
    return (outlets,) if isinstance(outlets, int) else tuple(outlets)


def _card_entries(outlet_id: Outlets, account_kinds: Iterable[str], *columns):
    return (Entry.select(*columns).join(Account).join(Card, on=(Account.card == Card.id))
            .join(Product)
            .where(Card.outlet.in_(_ids(outlet_id)), Account.kind.in_(tuple(account_kinds)),
                   Product.kind.not_in(models.OUTSIDE_STORED_VALUE)))


def card_balances(outlet_id: Outlets, account_kinds: Iterable[str], *, before: dt.date | None = None,
                  up_to: dt.date | None = None) -> dict[str, int]:
    """Balance kind -> the sum of the entries of business dates before `before` (or up
    to `up_to`, inclusive)."""
    query = _card_entries(outlet_id, account_kinds, Account.kind, pw.fn.SUM(Entry.amount))
    if before is not None:
        query = query.where(Entry.business_date < before)
    if up_to is not None:
        query = query.where(Entry.business_date <= up_to)
    return {kind: int(total or 0) for kind, total in query.group_by(Account.kind).tuples()}


def card_moves(outlet_id: Outlets, account_kinds: Iterable[str], first: dt.date, last: dt.date
               ) -> dict[str, tuple[int, int]]:
    """Balance kind -> (money in, money out) from `first` to `last`."""
    query = (_card_entries(outlet_id, account_kinds, Account.kind, _INFLOW, _OUTFLOW)
             .where(Entry.business_date.between(first, last)).group_by(Account.kind).tuples())
    return {kind: (int(got or 0), int(gone or 0)) for kind, got, gone in query}


def card_moves_by_day(outlet_id: Outlets, account_kinds: Iterable[str], first: dt.date,
                      last: dt.date) -> dict[tuple[dt.date, str], tuple[int, int]]:
    """(business date, balance kind) -> (money in, money out) from `first` to `last`."""
    query = (_card_entries(outlet_id, account_kinds, Entry.business_date, Account.kind,
                           _INFLOW, _OUTFLOW)
             .where(Entry.business_date.between(first, last))
             .group_by(Entry.business_date, Account.kind).tuples())
    return {(sql.as_date(day), kind): (int(got or 0), int(gone or 0))
            for day, kind, got, gone in query}


def card_balances_by_business(outlet_id: Outlets, account_kinds: Iterable[str], up_to: dt.date
                              ) -> list[tuple[str, str, int]]:
    """(operation kind, balance kind, net amount it moved) up to `up_to`."""
    query = (_card_entries(outlet_id, account_kinds).switch(Entry).join(Operation)
             .select(Operation.kind, Account.kind.alias("balance_kind"),
                     pw.fn.SUM(Entry.amount))
             .where(Entry.business_date <= up_to).group_by(Operation.kind, Account.kind)
             .tuples())
    return [(business, kind, int(total or 0)) for business, kind, total in query]


def stored_value_holders(outlet_ids: Outlets) -> list[tuple[str, str, str, int, int]]:
    """(member's name, phone, card number, principal, bonus) of every member's card of
    the outlets that holds stored value now, by name and card."""
    principal = pw.fn.SUM(pw.Case(None, [(Account.kind == "principal", Account.balance)], 0))
    bonus = pw.fn.SUM(pw.Case(None, [(Account.kind == "bonus", Account.balance)], 0))
    query = (Account.select(models.Member.name, models.Member.phone, Card.number, principal,
                            bonus)
             .join(Card, on=(Account.card == Card.id)).join(Product)
             .join_from(Card, models.Member, on=(Card.member == models.Member.id))
             .where(Card.outlet.in_(_ids(outlet_ids)), Account.kind.in_(("principal", "bonus")),
                    Product.kind.not_in(models.OUTSIDE_STORED_VALUE))
             .group_by(models.Member.id, models.Member.name, models.Member.phone, Card.id,
                       Card.number)
             .having((principal + bonus) > 0)
             .order_by(models.Member.name, Card.number).tuples())
    return [(name, phone, number, int(money or 0), int(extra or 0))
            for name, phone, number, money, extra in query]


def operation_totals(outlet_id: int, first: dt.date, last: dt.date
                     ) -> list[tuple[str, int, int]]:
    """(kind, count, amount) of the outlet's operations from `first` to `last` but shift
    closes, by kind."""
    query = (Operation.select(Operation.kind, pw.fn.COUNT(Operation.id),
                              pw.fn.COALESCE(pw.fn.SUM(Operation.amount), 0))
             .where(Operation.outlet == outlet_id, Operation.business_date.between(first, last),
                    Operation.kind != "shift_close")
             .group_by(Operation.kind).order_by(Operation.kind).tuples())
    return [(kind, int(count), int(amount)) for kind, count, amount in query]


def split_payment_results(outlet_id: int, first: dt.date, last: dt.date
                          ) -> list[tuple[str, str, str]]:
    """(kind, tender, result) of the outlet's charges and refunds from `first` to `last`
    that another tender paid part of (their amount is the card's part only)."""
    query = (Operation.select(Operation.kind, Operation.tender, Operation.result)
             .where(Operation.outlet == outlet_id, Operation.business_date.between(first, last),
                    Operation.kind.in_(("charge", "refund")), Operation.tender != "card",
                    Operation.result.contains('"other_amount"')).tuples())
    return list(query)


def till_money(outlet_id: int, first: dt.date, last: dt.date, till_kinds: set[str]
               ) -> list[tuple[str | None, int]]:
    """(tender, sum of entries) on the outlet's accounts of `till_kinds`, per tender."""
    query = (Entry.select(Operation.tender, pw.fn.SUM(Entry.amount)).join(Operation)
             .switch(Entry).join(Account)
             .where(Operation.outlet == outlet_id, Entry.business_date.between(first, last),
                    Account.kind.in_(till_kinds)).group_by(Operation.tender).tuples())
    return [(tender, int(total or 0)) for tender, total in query]


def span_figures(entries, first: dt.date, last: dt.date) -> tuple[int, int, int, int]:
    """Opening, in, out and closing of the journal entries `entries` selects, over the
    business dates first to last."""
    opening = entries.select(pw.fn.COALESCE(pw.fn.SUM(Entry.amount), 0)).where(
        Entry.business_date < first).scalar()
    money_in, money_out = entries.select(_INFLOW, _OUTFLOW).where(
        Entry.business_date.between(first, last)).tuples().first() or (0, 0)
    opening, money_in, money_out = int(opening or 0), int(money_in or 0), int(money_out or 0)
    return opening, money_in, money_out, opening + money_in - money_out
