"""Shift close (班结), outlet daily close (日结), monthly close (月结) and the abnormal
journal check (异常流水检查) that a daily close must pass first.

After a daily close nothing posts into that business date: the outlet's current
business date moves on to the next open one, and an operation that raced the close
is refused inside its own transaction (see operations._perform_once).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from kiosk.errors import KioskError, N_
from kiosk.services import audit, month_report, permissions
from kiosk.services import charge as charging
from kiosk.services.business_date import month_bounds
from kiosk.services.business_date import calendar_business_date, current_business_date
from kiosk.services.operations import Posting, perform
from kiosk.services.session import Session
from kiosk.services.verify import verify
from kiosk.store import closes as close_store
from kiosk.store import models, settings
from kiosk.store import operations as operation_store
from kiosk.store import shifts as shift_store
from kiosk.store.db import database


@dataclass(frozen=True)
class Finding:
    """Something that keeps a day from closing, and what to do about it."""

    message_id: str
    params: dict

    def render(self, translate=lambda text: text) -> str:
        return translate(self.message_id).format(**self.params)


class CloseRefused(KioskError):
    default_message = N_("The close is refused: {problems}")

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(problems="")

    def render(self, translate=lambda text: text) -> str:
        problems = "; ".join(finding.render(translate) for finding in self.findings)
        return translate(self.message_id).format(problems=problems)


@dataclass
class ShiftReport:
    shift_id: int
    operator: str
    business_date: str
    operations: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> count, amount
    by_tender: dict[str, int] = field(default_factory=dict)
    cash_expected: int = 0
    closed: bool = False  # the shift has ended (its operator's or a supervisor's close)


def shift_report(session: Session, shift_id: int | None = None) -> ShiftReport:
    """A shift's totals: the operator's own (default), or any shift of the outlet for
    those who close days."""
    shift_id = shift_id or session.actor.shift_id
    if shift_id is None:
        raise KioskError(N_("Your role opens no cash shift: there is nothing to close."))
    shift = shift_store.by_id(shift_id)
    if shift is None or shift.outlet_id != session.actor.outlet_id:
        raise KioskError(N_("There is no such shift at this outlet."))
    if shift.operator_id != session.actor.operator_id:
        permissions.require(session, permissions.DAY_CLOSE)
    return _report(shift)


def _report(shift: models.Shift) -> ShiftReport:
    """Counts and amounts by operation; by tender, the money's direction: what came into
    the till (positive) or went out of it (a clearing's payout, a reversal: negative),
    and the card sales less their refunds."""
    report = ShiftReport(shift.id, shift.operator.login_id, shift.business_date.isoformat(),
                         closed=shift.closed_at is not None)
    operations: dict[str, dict[str, int]] = defaultdict(lambda: {"count": 0, "amount": 0})
    card_sales = 0  # what cards paid: a split payment's other tender is in the till's
    for kind, amount, tender, result in shift_store.operations_of(shift.id):
        operations[kind]["count"] += 1
        operations[kind]["amount"] += amount + charging.other_tender_part(kind, tender, result)
        card_sales += {"charge": amount, "refund": -amount}.get(kind, 0)
    report.operations = dict(operations)
    report.by_tender = _till_money(shift.id)
    if card_sales or operations["charge"]["count"]:
        report.by_tender["card"] = card_sales
    report.cash_expected = _cash_moved(shift.id)
    return report


def _till_money(shift_id: int) -> dict[str, int]:
    """Per tender, the net money into the till accounts (which go negative as money
    comes in)."""
    query = shift_store.till_money(shift_id, settings.till_account_kinds())
    return {tender or "-": -int(total) for tender, total in query if total}


def _cash_moved(shift_id: int) -> int:
    """Cash in the drawer from this shift: the sum of its entries on cash accounts."""
    # The drawer account goes negative as cash comes in.
    return -shift_store.entries_on(shift_id, "outlet_cash")


def check_may_close_shifts(session: Session) -> None:
    """Whether this operator may close others' shifts (asked before the shift number)."""
    permissions.require(session, permissions.DAY_CLOSE)
    permissions.require(session, permissions.SHIFT_CLOSE)


def close_shift(session: Session, *, key: str, shift_id: int | None = None) -> ShiftReport:
    """班结: the operator's totals by operation and tender, cash expected; the shift ends
    (the next login opens a new one). A supervisor (the day-close right) may close
    another operator's open shift of the outlet from the day-close screen, so nobody has
    to log in again for it. Idempotent under `key`; a shift is closed once."""
    shift_id = shift_id or session.actor.shift_id
    if shift_id is None:
        raise KioskError(N_("There is no open shift to close."))
    shift = shift_store.by_id(shift_id)
    if shift is None or shift.outlet_id != session.actor.outlet_id:
        raise KioskError(N_("There is no such shift at this outlet."))
    if shift.operator_id != session.actor.operator_id:
        check_may_close_shifts(session)

    def run(posting: Posting) -> dict:
        if not shift_store.close(shift_id, session.now()):
            raise KioskError(N_("This shift is already closed."))
        return {"shift_id": shift_id, "cash_expected": _cash_moved(shift_id)}

    perform(session, kind="shift_close", key=key, request={"shift": shift_id},
            run=run, memo=f"shift {shift_id}")
    return _report(shift_store.by_id(shift_id))


def abnormal_entries(sealer, outlet_id: int, day: dt.date) -> list[Finding]:
    """What must be settled before the day can close, each with what to do."""
    return _open_business(outlet_id, day) + _ledger_faults(sealer)


def _open_business(outlet_id: int, day: dt.date) -> list[Finding]:
    """Shifts with business still open, receipts never printed, cards left mid-write,
    reversals of reversals: decided again under the close's lock."""
    problems = [Finding(N_("shift #{number} of {login_id} is still open: close it (F6 here, "
                           "or F8 at its terminal)"),
                        {"number": shift.id, "login_id": shift.operator.login_id})
                for shift in shift_store.open_shifts(outlet_id, day, with_business=True)]
    queued = close_store.receipts_never_printed(outlet_id, day)
    if queued:
        problems.append(Finding(N_("{count} receipts never printed: print or cancel them "
                                   "(F4)"), {"count": queued}))
    grey = close_store.cards_left_written(outlet_id)
    if grey:
        shown = ", ".join(grey[:GREY_CARDS_SHOWN]) + ("..." if len(grey) > GREY_CARDS_SHOWN
                                                      else "")
        problems.append(Finding(N_("{count} cards written but not issued ({numbers}): issue "
                                   "each (member centre 2, type its number)"),
                                {"count": len(grey), "numbers": shown}))
    double = close_store.reversals_of_reversals(outlet_id, day)
    if double:
        problems.append(Finding(N_("{count} reversals of reversals: check them with a "
                                   "supervisor"), {"count": double}))
    return problems


GREY_CARDS_SHOWN = 3


def _ledger_faults(sealer) -> list[Finding]:
    report = verify(sealer, max_violations=5)
    return [Finding(N_("ledger: {violation}; call support"), {"violation": violation})
            for violation in report.violations]


def day_findings(session: Session, day: dt.date | None = None
                 ) -> tuple[dt.date, list[Finding]]:
    """异常流水检查: the business date and what keeps it from closing (shifts with business
    still open, unprinted receipts, cards left mid-write, reversals of reversals, ledger
    faults). A shift in which nothing happened does not: the close ends it."""
    permissions.require(session, permissions.DAY_CLOSE)
    outlet_id = session.actor.outlet_id
    day = day or current_business_date(session)
    not_yet = [Finding(N_("the day has not come yet (today is {today}): it closes once it "
                          "has"), {"today": today.isoformat()})
               for today in [calendar_business_date(session)] if day > today]
    return day, not_yet + abnormal_entries(session.runtime.sealer, outlet_id, day)


@dataclass(frozen=True)
class DayCheck:
    """The business date, what keeps it from closing, and the open shifts in which
    nothing happened (number, login id): those the close ends, so they are named
    before it, the supervisor's own included."""

    day: dt.date
    findings: list[Finding]
    shifts_ending: list[tuple[int, str]]


def day_check(session: Session, day: dt.date | None = None) -> DayCheck:
    day, findings = day_findings(session, day)
    ending = [(shift.id, shift.operator.login_id) for shift in
              shift_store.open_shifts(session.actor.outlet_id, day, with_business=False)]
    return DayCheck(day, findings, ending)


def close_day(session: Session, day: dt.date | None = None) -> dt.date:
    """日结 of the outlet's business date (default: the current one); never a day still to
    come by the calendar. A day may close before it ends (what is posted afterwards
    belongs to the next day), but that next day closes only once it has come."""
    today = calendar_business_date(session)
    if day is not None and day > today:
        raise KioskError(N_("{day} has not come yet: the business date is {today}."),
                         day=day.isoformat(), today=today.isoformat())
    day, problems = day_findings(session, day)  # the ledger's soundness, before the lock
    outlet_id = session.actor.outlet_id
    if problems:
        raise CloseRefused(problems)
    with database.atomic():
        # Waits for the outlet's running operations and holds off new ones until the
        # close commits: none can post into the day being closed, and what keeps the
        # day open is decided again as it is now.
        operation_store.hold_outlet_for_close(outlet_id)
        if operation_store.is_closed(outlet_id, day):
            raise KioskError(N_("{day} is already closed."), day=day.isoformat())
        problems = _open_business(outlet_id, day)
        if problems:
            raise CloseRefused(problems)
        _end_empty_shifts(session, outlet_id, day)
        anchors = audit.heads(outlet_id)
        close_store.add_day_close(outlet=outlet_id, business_date=day, closed_at=session.now(),
                                  operator=session.actor.operator_id,
                                  anchors=audit.canonical_json(anchors))
        audit.append(session, "day.close", subject=f"date:{day.isoformat()}",
                     details={"anchors": anchors})
    return day


def _end_empty_shifts(session: Session, outlet_id: int, day: dt.date) -> None:
    for shift in shift_store.open_shifts(outlet_id, day, with_business=False):
        shift_store.close(shift.id, session.now())
        audit.append(session, "shift.end_empty", subject=f"shift:{shift.id}")


def close_month(session: Session, month: str) -> month_report.MonthReport:
    """月结 of a finished month: every day of it that has business must be closed first.
    Afterwards nothing posts into it (the business date moves past a closed month).
    Returns the month's report (services/month_report.py), made once the close commits."""
    permissions.require(session, permissions.DAY_CLOSE)
    outlet_id = session.actor.outlet_id
    first, after = month_bounds(month)
    last = after - dt.timedelta(days=1)
    today = current_business_date(session)
    if after > today:
        raise KioskError(N_("{month} is not over yet: the business date is {today}."),
                         month=month, today=today.isoformat())
    missing = sorted(close_store.days_with_business(outlet_id, first, last)
                     - close_store.closed_days(outlet_id, first, last))
    if missing:
        raise CloseRefused([Finding(N_("days not closed: {days}"),
                                    {"days": ", ".join(d.isoformat() for d in missing)})])
    with database.atomic():
        operation_store.hold_outlet_for_close(outlet_id)
        if operation_store.month_closed(outlet_id, month):
            raise KioskError(N_("{month} is already closed."), month=month)
        close_store.add_month_close(outlet=outlet_id, month=month, closed_at=session.now(),
                                    operator=session.actor.operator_id)
        audit.append(session, "month.close", subject=f"month:{month}")
    return month_report.build(outlet_id, month)
