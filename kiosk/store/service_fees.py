"""The service fees an outlet's tills took over a span of business dates, by whether the
customer took the invoice (fee_income) or declined it (fee_income_no_invoice)."""

from __future__ import annotations

import datetime as dt

import peewee as pw

from kiosk.store import models

KINDS = ("fee_income", "fee_income_no_invoice")


def fees(outlet_id: int, first: dt.date, last: dt.date) -> dict[str, int]:
    """Account kind -> the fees credited less those given back, first to last."""
    E, A = models.JournalEntry, models.Account
    query = (E.select(A.kind, pw.fn.SUM(E.amount)).join(A)
             .where(A.outlet == outlet_id, A.kind.in_(KINDS), A.card.is_null(),
                    E.business_date.between(first, last))
             .group_by(A.kind).tuples())
    totals = dict.fromkeys(KINDS, 0)
    totals.update({kind: int(total or 0) for kind, total in query})
    return totals
