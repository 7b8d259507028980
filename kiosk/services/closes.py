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

import peewee as pw

from kiosk.errors import KioskError, N_
from kiosk.services import audit, permissions
from kiosk.services.business_date import month_bounds
from kiosk.services.business_date import current_business_date
from kiosk.services.operations import Posting, perform
from kiosk.services.session import Session
from kiosk.services.verify import verify
from kiosk.store import models
from kiosk.store import operations as operation_store
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


def shift_report(session: Session, shift_id: int | None = None) -> ShiftReport:
    """A shift's totals: the operator's own (default), or any shift of the outlet for
    those who close days."""
    shift_id = shift_id or session.actor.shift_id
    if shift_id is None:
        raise KioskError(N_("Your role opens no cash shift: there is nothing to close."))
    shift = models.Shift.get_or_none(models.Shift.id == shift_id)
    if shift is None or shift.outlet_id != session.actor.outlet_id:
        raise KioskError(N_("There is no such shift at this outlet."))
    if shift.operator_id != session.actor.operator_id:
        permissions.require(session, permissions.DAY_CLOSE)
    return _report(shift)


def _report(shift: models.Shift) -> ShiftReport:
    """Counts and amounts by operation; by tender, the money's direction: what came into
    the till (positive) or went out of it (a clearing's payout, a reversal: negative),
    and the card sales less their refunds."""
    report = ShiftReport(shift.id, shift.operator.login_id, shift.business_date.isoformat())
    operations: dict[str, dict[str, int]] = defaultdict(lambda: {"count": 0, "amount": 0})
    O = models.Operation
    for op in O.select(O.kind, O.amount).where(O.shift == shift.id, O.kind != "shift_close"):
        operations[op.kind]["count"] += 1
        operations[op.kind]["amount"] += op.amount
    report.operations = dict(operations)
    report.by_tender = _till_money(shift.id)
    card_sales = operations["charge"]["amount"] - operations["refund"]["amount"]
    if card_sales or operations["charge"]["count"]:
        report.by_tender["card"] = card_sales
    report.cash_expected = _cash_moved(shift.id)
    return report


def _till_money(shift_id: int) -> dict[str, int]:
    """Per tender, the net money into the till accounts (which go negative as money
    comes in)."""
    E, O, A = models.JournalEntry, models.Operation, models.Account
    till_kinds = {row.account_kind for row in models.Tender.select(models.Tender.account_kind)}
    query = (E.select(O.tender, pw.fn.SUM(E.amount)).join(O).switch(E).join(A)
             .where(O.shift == shift_id, A.kind.in_(till_kinds)).group_by(O.tender).tuples())
    return {tender or "-": -int(total) for tender, total in query if total}


def _cash_moved(shift_id: int) -> int:
    """Cash in the drawer from this shift: the sum of its entries on cash accounts."""
    E, O, A = models.JournalEntry, models.Operation, models.Account
    total = (E.select(pw.fn.COALESCE(pw.fn.SUM(E.amount), 0)).join(O).switch(E).join(A)
             .where(O.shift == shift_id, A.kind == "outlet_cash").scalar())
    return -int(total or 0)  # the drawer account goes negative as cash comes in


def close_shift(session: Session, *, key: str) -> ShiftReport:
    """班结: the operator's totals by operation and tender, cash expected; the shift ends
    (the next login opens a new one). Idempotent under `key`."""
    shift_id = session.actor.shift_id
    if shift_id is None:
        raise KioskError(N_("There is no open shift to close."))

    def run(posting: Posting) -> dict:
        shift = models.Shift.get_by_id(shift_id)
        if shift.closed_at is not None:
            raise KioskError(N_("This shift is already closed."))
        models.Shift.update(closed_at=session.now()).where(models.Shift.id == shift_id).execute()
        return {"shift_id": shift_id, "cash_expected": _cash_moved(shift_id)}

    perform(session, kind="shift_close", key=key, request={"shift": shift_id},
            run=run)
    return _report(models.Shift.get_by_id(shift_id))


def abnormal_entries(sealer, outlet_id: int, day: dt.date) -> list[Finding]:
    """What must be settled before the day can close, each with what to do."""
    problems = []
    queued = (models.Receipt.select().join(models.Operation)
              .where(models.Operation.outlet == outlet_id,
                     models.Operation.business_date == day,
                     models.Receipt.status == "queued").count())
    if queued:
        problems.append(Finding(N_("{count} receipts never printed: print or cancel them "
                                   "(F4)"), {"count": queued}))
    grey = models.Card.select().where(models.Card.outlet == outlet_id,
                                      models.Card.status == "written").count()
    if grey:
        problems.append(Finding(N_("{count} cards written but not issued: finish their "
                                   "issue"), {"count": grey}))
    O = models.Operation
    Original = O.alias()
    double = (O.select().join(Original, on=(O.reverses == Original.id))
              .where(O.outlet == outlet_id, O.business_date == day,
                     Original.reverses.is_null(False)).count())
    if double:
        problems.append(Finding(N_("{count} reversals of reversals: check them with a "
                                   "supervisor"), {"count": double}))
    report = verify(sealer, max_violations=5)
    problems += [Finding(N_("ledger: {violation}; call support"), {"violation": violation})
                 for violation in report.violations]
    return problems


def day_findings(session: Session, day: dt.date | None = None
                 ) -> tuple[dt.date, list[Finding]]:
    """异常流水检查: the business date and what keeps it from closing (open shifts,
    unprinted receipts, cards left mid-write, reversals of reversals, ledger faults)."""
    permissions.require(session, permissions.DAY_CLOSE)
    outlet_id = session.actor.outlet_id
    day = day or current_business_date(session)
    problems = [Finding(N_("shift #{number} of {login_id} is still open: close it (F8)"),
                        {"number": shift.id, "login_id": shift.operator.login_id})
                for shift in models.Shift.select().where(
                    models.Shift.outlet == outlet_id, models.Shift.closed_at.is_null(),
                    models.Shift.business_date <= day,
                    # the supervisor closing the day from the app is in a shift too
                    models.Shift.id != (session.actor.shift_id or 0))]
    return day, problems + abnormal_entries(session.runtime.sealer, outlet_id, day)


def close_day(session: Session, day: dt.date | None = None) -> dt.date:
    """日结 of the outlet's business date (default: the current one, or an earlier day
    left open; never a day still to come)."""
    today = current_business_date(session)
    if day is not None and day > today:
        raise KioskError(N_("{day} has not come yet: the business date is {today}."),
                         day=day.isoformat(), today=today.isoformat())
    day, problems = day_findings(session, day)
    outlet_id = session.actor.outlet_id
    if problems:
        raise CloseRefused(problems)
    with database.atomic():
        # Waits for the outlet's running operations and holds off new ones until the
        # close commits: none can post into the day being closed.
        operation_store.hold_outlet_for_close(outlet_id)
        if operation_store.is_closed(outlet_id, day):
            raise KioskError(N_("{day} is already closed."), day=day.isoformat())
        anchors = audit.heads(outlet_id)
        models.DayClose.create(outlet=outlet_id, business_date=day, closed_at=session.now(),
                               operator=session.actor.operator_id,
                               anchors=audit.canonical_json(anchors))
        audit.append(session, "day.close", subject=f"date:{day.isoformat()}",
                     details={"anchors": anchors})
    return day


def close_month(session: Session, month: str) -> None:
    """月结 of a finished month: every day of it that has business must be closed first.
    Afterwards nothing posts into it (the business date moves past a closed month)."""
    permissions.require(session, permissions.DAY_CLOSE)
    outlet_id = session.actor.outlet_id
    first, after = month_bounds(month)
    last = after - dt.timedelta(days=1)
    today = current_business_date(session)
    if after > today:
        raise KioskError(N_("{month} is not over yet: the business date is {today}."),
                         month=month, today=today.isoformat())
    O = models.Operation
    busy = {row.business_date for row in O.select(O.business_date).distinct().where(
        O.outlet == outlet_id, O.business_date.between(first, last))}
    closed = {row.business_date for row in models.DayClose.select().where(
        models.DayClose.outlet == outlet_id, models.DayClose.business_date.between(first, last))}
    missing = sorted(busy - closed)
    if missing:
        raise CloseRefused([Finding(N_("days not closed: {days}"),
                                    {"days": ", ".join(d.isoformat() for d in missing)})])
    with database.atomic():
        operation_store.hold_outlet_for_close(outlet_id)
        if operation_store.month_closed(outlet_id, month):
            raise KioskError(N_("{month} is already closed."), month=month)
        models.MonthClose.create(outlet=outlet_id, month=month, closed_at=session.now(),
                                 operator=session.actor.operator_id)
        audit.append(session, "month.close", subject=f"month:{month}")
