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

from kiosk.errors import KioskError, N_
from kiosk.report_table import LABEL, MONEY, Column, Table
from kiosk.services import kinds, permissions
from kiosk.services.session import Session
from kiosk.store import ledger_reports, models, outlets
from kiosk.store.db import reading

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
    outlet = outlets.by_code(code)
    if outlet is None:
        raise KioskError(N_("Outlet {code} is not registered."), code=code)
    return outlet


@reading()  # the read replica, if there is one
def daily_balance_ledger(session: Session, outlet_code: str, first: dt.date,
                         last: dt.date) -> list[DailyBalance]:
    permissions.require(session, permissions.FINANCE)
    outlet = _outlet(outlet_code)
    opening = ledger_reports.card_balances(outlet.id, BALANCE_KINDS, before=first)
    moves = ledger_reports.card_moves_by_day(outlet.id, BALANCE_KINDS, first, last)
    rows, balance = [], {kind: opening.get(kind, 0) for kind in BALANCE_KINDS}
    day = first
    while day <= last:
        for kind in BALANCE_KINDS:
            money_in, money_out = moves.get((day, kind), (0, 0))
            row = DailyBalance(day, kind, balance[kind], money_in, money_out)
            balance[kind] = row.closing
            rows.append(row)
        day += dt.timedelta(days=1)
    return rows


@reading()  # the read replica, if there is one
def general_ledger(session: Session, outlet_code: str, up_to: dt.date
                   ) -> dict[str, dict[str, int]]:
    """Business type -> balance kind -> net stored value it brought (negative: took)."""
    permissions.require(session, permissions.FINANCE)
    outlet = _outlet(outlet_code)
    ledger: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BALANCE_KINDS, 0))
    for business_type, kind, total in ledger_reports.card_balances_by_business(
            outlet.id, BALANCE_KINDS, up_to):
        ledger[business_type][kind] = total
    return dict(ledger)


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
