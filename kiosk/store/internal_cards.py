"""Internal cards (内部卡) as the services read them: what a card used since its last
settlement, the settlements, the outlet's internal cards, and their balances (and the
customers' accounts, the other money kept apart from the cards' stored value) over a
month for the month's report."""

from __future__ import annotations

import datetime as dt

import peewee as pw

from kiosk.store import models
from kiosk.store.ledger_reports import span_figures

USE_KINDS = ("charge", "refund")


def unsettled_uses(card_id: int, through_date: dt.date) -> list[tuple[int, int]]:
    """(operation, amount used: a refund's below zero) of the card's charges and refunds
    on business dates up to `through_date` that no settlement has counted yet."""
    O, U = models.Operation, models.InternalSettledUse
    return [(operation_id, int(amount) if kind == "charge" else -int(amount))
            for operation_id, kind, amount in
            O.select(O.id, O.kind, O.amount).join(U, pw.JOIN.LEFT_OUTER,
                                                   on=(U.operation == O.id))
            .where(O.card == card_id, O.kind.in_(USE_KINDS), O.business_date <= through_date,
                   U.id.is_null()).order_by(O.id).tuples()]


def insert_settlement(uses: list[tuple[int, int]], **fields) -> None:
    settlement = models.InternalSettlement.create(**fields)
    if uses:
        models.InternalSettledUse.insert_many(
            [{"settlement": settlement.id, "operation": operation_id}
             for operation_id, _ in uses]).execute()


def internal_cards(outlet_id: int) -> list[tuple]:
    """(card, principal, holder name) of the outlet's internal cards, by number."""
    C, P, A, M = models.Card, models.CardProduct, models.Account, models.Member
    return list(C.select(C, A.balance.alias("principal"), M.name.alias("holder_name"))
                .join(P).switch(C).join(A, on=((A.card == C.id) & (A.kind == "principal")))
                .switch(C).join(M, pw.JOIN.LEFT_OUTER, on=(C.member == M.id))
                .where(P.kind == "internal", C.outlet == outlet_id,
                       C.status.not_in(("blank", "written")))
                .order_by(C.number).objects())


def last_settlement(card_id: int) -> models.InternalSettlement | None:
    S = models.InternalSettlement
    return S.select().where(S.card == card_id).order_by(S.id.desc()).first()


def month_figures(outlet_id: int, first: dt.date, last: dt.date) -> tuple[int, int, int, int]:
    """The outlet's internal cards' principal: opening, in, out, closing."""
    E, A, C, P = models.JournalEntry, models.Account, models.Card, models.CardProduct
    return span_figures(E.select().join(A).join(C, on=(A.card == C.id)).join(P)
                        .where(C.outlet == outlet_id, A.kind == "principal",
                               P.kind == "internal"), first, last)

