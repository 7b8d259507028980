"""What the prepaid-card rules read: a card's limit facts on the money path, and the
prepaid funds (预收资金) per issuing company and business date for the regulator."""

from __future__ import annotations

import datetime as dt

import peewee as pw

from kiosk.store import models, sql
from kiosk.store.db import database

_CARD_FACTS = sql.Statement(
    'SELECT c."number", c."anonymous", p."prepaid", p."kind" FROM "card" AS c '
    'JOIN "card_product" AS p ON p."id" = c."product_id" WHERE c."id" = ?')


def card_facts(card_id: int) -> tuple[str, bool, bool, str]:
    """(number, anonymous, product prepaid, product kind) of a card."""
    number, anonymous, prepaid, kind = _CARD_FACTS.first(card_id)
    return number, bool(anonymous), bool(prepaid), kind


def _prepaid_principal(query):
    P, C, A = models.CardProduct, models.Card, models.Account
    return (query.join(A).join(C).join(P)
            .where(A.kind == "principal", P.prepaid == True,  # noqa: E712
                   P.kind.not_in(models.OUTSIDE_STORED_VALUE)))


def daily_movements(last: dt.date) -> list[tuple[str, dt.date, int, int]]:
    """(issuer, business date, money in, money out) of prepaid cards' principal, every
    date up to `last` that moved; the issuer is the product's (empty: the chain)."""
    E, P = models.JournalEntry, models.CardProduct
    money_in = pw.fn.SUM(pw.Case(None, [(E.amount > 0, E.amount)], 0))
    money_out = pw.fn.SUM(pw.Case(None, [(E.amount < 0, 0 - E.amount)], 0))
    query = _prepaid_principal(E.select(P.issuer, E.business_date, money_in, money_out)
                               ).where(E.business_date <= last)
    rows = query.group_by(P.issuer, E.business_date).order_by(E.business_date).tuples()
    return [(issuer or "", sql.as_date(day), int(got or 0), int(gone or 0))
            for issuer, day, got, gone in database.execute(rows)]


def customer_funds_movements(last: dt.date) -> list[tuple[int, dt.date, int]]:
    """(account, business date, net change) of every company customer's account (客户账户),
    every date up to `last` that moved it."""
    E, A = models.JournalEntry, models.Account
    rows = (E.select(E.account, E.business_date, pw.fn.SUM(E.amount)).join(A)
            .where(A.kind == "customer_funds", E.business_date <= last)
            .group_by(E.account, E.business_date).order_by(E.business_date).tuples())
    return [(account, sql.as_date(day), int(net or 0))
            for account, day, net in database.execute(rows)]


def card_counts() -> list[tuple[str, bool, int, int]]:
    """(issuer, anonymous, cards holding money, their principal) today."""
    A, C, P = models.Account, models.Card, models.CardProduct
    query = (A.select(P.issuer, C.anonymous, pw.fn.COUNT(A.id), pw.fn.SUM(A.balance))
             .join(C).join(P)
             .where(A.kind == "principal", P.prepaid == True,  # noqa: E712
                    P.kind.not_in(models.OUTSIDE_STORED_VALUE), A.balance > 0)
             .group_by(P.issuer, C.anonymous).tuples())
    return [(issuer or "", bool(anonymous), int(count), int(total or 0))
            for issuer, anonymous, count, total in database.execute(query)]


def sales_between(first: dt.datetime, last: dt.datetime) -> list[models.PrepaidSale]:
    """The purchases recorded in [first, last), of operations or of lists that ran."""
    S, B = models.PrepaidSale, models.BatchList
    return list(S.select(S, B).join(B, pw.JOIN.LEFT_OUTER)
                .where(S.created_at >= first, S.created_at < last,
                       S.operation.is_null(False) | (B.status == "run"))
                .order_by(S.id))


# -- purchases recorded (实名购卡), and the records a holder's name stays on ------------
Sale = models.PrepaidSale


def record_sale(*, operation_id: int | None, batch_id: int | None, **row) -> None:
    """The purchase of an operation; or of a batch list, replacing what the list had
    recorded (a list is checked again when it is submitted)."""
    if operation_id is not None:
        Sale.create(operation=operation_id, **row)
    else:
        Sale.insert(batch=batch_id, **row).on_conflict(
            conflict_target=[Sale.batch],
            update={getattr(Sale, name): value for name, value in row.items()
                    if name not in ("outlet",)}).execute()


def batch_sale(batch_id: int) -> models.PrepaidSale | None:
    return Sale.get_or_none(Sale.batch == batch_id)


def named_prepaid_in_use_since(member_id: int, since: dt.datetime) -> bool:
    """Whether one of the member's named prepaid cards was issued, or moved money, at
    or after `since`."""
    C, P, O = models.Card, models.CardProduct, models.Operation
    named_prepaid = ((C.member == member_id) & (C.anonymous == False)  # noqa: E712
                     & (P.prepaid == True)  # noqa: E712
                     & P.kind.not_in(models.OUTSIDE_STORED_VALUE))
    return (O.select().join(C).join(P).where(named_prepaid, O.created_at >= since).exists()
            or C.select().join(P).where(named_prepaid, C.created_at >= since).exists())
