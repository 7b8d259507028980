"""Store ledgers for reconciling stored value quickly.

- Daily balance ledger (门店余额台账): per business date and balance kind (principal,
  bonus) of the outlet's cards: opening, in, out, closing.
- General ledger (门店总账): the outlet's cards' stored value up to a date, by business
  type (the operation that moved it), net of refunds and reversals.
- Members' stored value (会员储值余额): each member's card that holds a balance now,
  principal and bonus.
Each is read for one outlet, or, switched by business format (业态), for every outlet
of that format together.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from kiosk.errors import InvalidInput, KioskError, N_
from kiosk.report_table import LABEL, MONEY, Column, Table
from kiosk.identity import mask_phone
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


def _outlet_ids(outlet_code: str, business_format: str) -> list[int]:
    """The outlet's id, or every outlet's of the business format (业态) when one is given."""
    if not business_format:
        return [_outlet(outlet_code).id]
    found = outlets.ids_of_format(business_format)
    if not found:
        raise InvalidInput(N_("No outlet has the business format {format}."),
                           format=business_format[:20], field="business_format")
    return found


@reading()  # the read replica, if there is one
def business_formats(session: Session) -> list[str]:
    """The business formats (业态) the outlets have, for the ledgers' switch."""
    permissions.require(session, permissions.FINANCE)
    return outlets.business_formats()


@reading()  # the read replica, if there is one
def daily_balance_ledger(session: Session, outlet_code: str, first: dt.date,
                         last: dt.date, *, business_format: str = "") -> list[DailyBalance]:
    permissions.require(session, permissions.FINANCE)
    ids = _outlet_ids(outlet_code, business_format)
    opening = ledger_reports.card_balances(ids, BALANCE_KINDS, before=first)
    moves = ledger_reports.card_moves_by_day(ids, BALANCE_KINDS, first, last)
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
def general_ledger(session: Session, outlet_code: str, up_to: dt.date, *,
                   business_format: str = "") -> dict[str, dict[str, int]]:
    """Business type -> balance kind -> net stored value it brought (negative: took)."""
    permissions.require(session, permissions.FINANCE)
    ids = _outlet_ids(outlet_code, business_format)
    ledger: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BALANCE_KINDS, 0))
    for business_type, kind, total in ledger_reports.card_balances_by_business(
            ids, BALANCE_KINDS, up_to):
        ledger[business_type][kind] = total
    return dict(ledger)


@dataclass(frozen=True)
class StoredValueHolder:
    member: str
    phone: str  # masked
    card_number: str
    principal: int
    bonus: int

    @property
    def total(self) -> int:
        return self.principal + self.bonus


@reading()  # the read replica, if there is one
def stored_value_holders(session: Session, outlet_code: str, *, business_format: str = ""
                         ) -> list[StoredValueHolder]:
    """The members holding stored value now (会员储值余额) on the outlet's cards (or its
    business format's outlets' cards): a line per card, by name."""
    permissions.require(session, permissions.FINANCE)
    ids = _outlet_ids(outlet_code, business_format)
    return [StoredValueHolder(name, mask_phone(phone) if phone else "", number, principal,
                              bonus)
            for name, phone, number, principal, bonus
            in ledger_reports.stored_value_holders(ids)]


def ledger_table(session: Session, outlet_code: str, which: str, first: dt.date | None,
                 last: dt.date | None, *, business_format: str = "") -> Table:
    """A ledger as a table for screens and files: `daily` from `first` to `last`,
    `general` up to `last`, or `holders` (the members holding stored value now); of the
    outlet, or of every outlet of `business_format`."""
    if which == "general":
        return Table(N_("general ledger"), GENERAL_COLUMNS, [
            (kinds.label(kind), amounts["principal"], amounts["bonus"])
            for kind, amounts in sorted(general_ledger(
                session, outlet_code, last, business_format=business_format).items())])
    if which == "holders":
        return Table(N_("members' stored value"), HOLDER_COLUMNS, [
            (row.member, row.phone, row.card_number, row.principal, row.bonus, row.total)
            for row in stored_value_holders(session, outlet_code,
                                            business_format=business_format)])
    return Table(N_("daily balance ledger"), DAILY_COLUMNS, [
        (row.business_date.isoformat(), row.kind, row.opening, row.inflow, row.outflow,
         row.closing) for row in daily_balance_ledger(session, outlet_code, first, last,
                                                       business_format=business_format)])


GENERAL_COLUMNS = (Column(N_("business type"), LABEL), Column(N_("principal"), MONEY),
                   Column(N_("bonus"), MONEY))
DAILY_COLUMNS = (Column(N_("date")), Column(N_("kind"), LABEL), Column(N_("opening"), MONEY),
                 Column(N_("in"), MONEY), Column(N_("out"), MONEY),
                 Column(N_("closing"), MONEY))
HOLDER_COLUMNS = (Column(N_("member")), Column(N_("phone")), Column(N_("card")),
                  Column(N_("principal"), MONEY), Column(N_("bonus"), MONEY),
                  Column(N_("total"), MONEY))
