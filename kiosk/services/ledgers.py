"""Store ledgers for reconciling stored value quickly.

- Daily balance ledger (门店余额台账): per business date and balance kind (principal,
  bonus) of the outlet's cards: opening, in, out, closing.
- General ledger (门店总账): the outlet's cards' stored value up to a date, by business
  type (the operation that moved it), net of refunds and reversals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import peewee as pw

from kiosk.errors import KioskError, N_
from kiosk.report_table import LABEL, MONEY, Column, Table
from kiosk.services import kinds, permissions
from kiosk.services.session import Session
from kiosk.store import models

BALANCE_KINDS = ("principal", "bonus")


@dataclass(frozen=True)
class DailyBalance:
    business_date: dt.date
    kind: str
    opening: int
    inflow: int
    outflow: int

    @property
    def closing(self) -> int:
        return self.opening + self.inflow - self.outflow


def _outlet(code: str) -> models.Outlet:
    outlet = models.Outlet.get_or_none(models.Outlet.code == code)
    if outlet is None:
        raise KioskError(N_("Outlet {code} is not registered."), code=code)
    return outlet


def _card_entries(outlet: models.Outlet):
    """Entries on the outlet's cards' balances; insurance cards' balances are the
    issuer's money and internal cards' the chain's own, not the outlet's stored value:
    they stay out."""
    E, A, C, P = models.JournalEntry, models.Account, models.Card, models.CardProduct
    return (E.select().join(A).join(C, on=(A.card == C.id)).join(P)
            .where(C.outlet == outlet, A.kind.in_(BALANCE_KINDS),
                   P.kind.not_in(models.OUTSIDE_STORED_VALUE)))


def daily_balance_ledger(session: Session, outlet_code: str, first: dt.date,
                         last: dt.date) -> list[DailyBalance]:
    permissions.require(session, permissions.FINANCE)
    outlet = _outlet(outlet_code)
    E, A = models.JournalEntry, models.Account
    opening = dict(_card_entries(outlet).select(A.kind, pw.fn.SUM(E.amount))
                   .where(E.business_date < first).group_by(A.kind).tuples())
    moves: dict[tuple[dt.date, str], list[int]] = defaultdict(lambda: [0, 0])
    inflow = pw.fn.SUM(pw.Case(None, [(E.amount > 0, E.amount)], 0))
    outflow = pw.fn.SUM(pw.Case(None, [(E.amount < 0, 0 - E.amount)], 0))  # -field is DESC
    query = (_card_entries(outlet).select(E.business_date, A.kind, inflow, outflow)
             .where(E.business_date.between(first, last))
             .group_by(E.business_date, A.kind).tuples())
    for day, kind, money_in, money_out in query:
        moves[(_as_date(day), kind)] = [int(money_in or 0), int(money_out or 0)]
    rows, balance = [], {kind: int(opening.get(kind) or 0) for kind in BALANCE_KINDS}
    day = first
    while day <= last:
        for kind in BALANCE_KINDS:
            money_in, money_out = moves.get((day, kind), (0, 0))
            row = DailyBalance(day, kind, balance[kind], money_in, money_out)
            balance[kind] = row.closing
            rows.append(row)
        day += dt.timedelta(days=1)
    return rows


def general_ledger(session: Session, outlet_code: str, up_to: dt.date
                   ) -> dict[str, dict[str, int]]:
    """Business type -> balance kind -> net stored value it brought (negative: took)."""
    permissions.require(session, permissions.FINANCE)
    outlet = _outlet(outlet_code)
    E, A, O = models.JournalEntry, models.Account, models.Operation
    query = (_card_entries(outlet).switch(E).join(O)
             .select(O.kind, A.kind.alias("balance_kind"), pw.fn.SUM(E.amount))
             .where(E.business_date <= up_to).group_by(O.kind, A.kind).tuples())
    ledger: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BALANCE_KINDS, 0))
    for business_type, kind, total in query:
        ledger[business_type][kind] = int(total or 0)
    return dict(ledger)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def ledger_table(session: Session, outlet_code: str, which: str, first: dt.date,
                 last: dt.date) -> Table:
    """A ledger as a table for screens and files: `daily` from `first` to `last`, or
    `general` up to `last`."""
    if which == "general":
        return Table(N_("general ledger"), GENERAL_COLUMNS, [
            (kinds.label(kind), amounts["principal"], amounts["bonus"])
            for kind, amounts in sorted(general_ledger(session, outlet_code, last).items())])
    return Table(N_("daily balance ledger"), DAILY_COLUMNS, [
        (row.business_date.isoformat(), row.kind, row.opening, row.inflow, row.outflow,
         row.closing) for row in daily_balance_ledger(session, outlet_code, first, last)])


GENERAL_COLUMNS = (Column(N_("business type"), LABEL), Column(N_("principal"), MONEY),
                   Column(N_("bonus"), MONEY))
DAILY_COLUMNS = (Column(N_("date")), Column(N_("kind"), LABEL), Column(N_("opening"), MONEY),
                 Column(N_("in"), MONEY), Column(N_("out"), MONEY),
                 Column(N_("closing"), MONEY))
