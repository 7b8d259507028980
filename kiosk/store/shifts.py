"""Shifts (班次) and what a shift's report adds up: its operations and the money its
operations moved through the till accounts."""

from __future__ import annotations

import datetime as dt

import peewee as pw

from kiosk.store import models

Shift, Operation, Entry, Account = (models.Shift, models.Operation, models.JournalEntry,
                                    models.Account)


def open_shift_of(operator_id: int, terminal_id: int | None) -> models.Shift | None:
    """The operator's latest shift at the terminal that is still open."""
    return (Shift.select()
            .where(Shift.operator == operator_id, Shift.terminal == terminal_id,
                   Shift.closed_at.is_null())
            .order_by(Shift.id.desc()).first())


def open_new(**values) -> models.Shift:
    return Shift.create(**values)


def by_id(shift_id: int) -> models.Shift | None:
    return Shift.get_or_none(Shift.id == shift_id)


def close(shift_id: int, at: dt.datetime) -> bool:
    """End the shift if it is still open; False if it was closed already."""
    return Shift.update(closed_at=at).where(Shift.id == shift_id,
                                            Shift.closed_at.is_null()).execute() == 1


def open_shifts(outlet_id: int, day: dt.date, *, with_business: bool):
    """The outlet's open shifts of `day` or before that have operations (or have none)."""
    business = Operation.select(Operation.id).where(Operation.shift == Shift.id,
                                                    Operation.kind != "shift_close")
    return list(Shift.select().where(
        Shift.outlet == outlet_id, Shift.closed_at.is_null(), Shift.business_date <= day,
        pw.fn.EXISTS(business) if with_business else ~pw.fn.EXISTS(business)))


def operations_of(shift_id: int) -> list[tuple[str, int, str, str]]:
    """(kind, amount, tender, stored result) of each operation of the shift but its
    close."""
    return list(Operation.select(Operation.kind, Operation.amount, Operation.tender,
                                 Operation.result)
                .where(Operation.shift == shift_id, Operation.kind != "shift_close").tuples())


def till_money(shift_id: int, till_kinds: set[str]) -> list[tuple[str, int]]:
    """(tender, sum of entries) on the till accounts of `till_kinds`, per tender."""
    return list(Entry.select(Operation.tender, pw.fn.SUM(Entry.amount)).join(Operation)
                .switch(Entry).join(Account)
                .where(Operation.shift == shift_id, Account.kind.in_(till_kinds))
                .group_by(Operation.tender).tuples())


def entries_on(shift_id: int, account_kind: str) -> int:
    """The sum of the shift's entries on accounts of `account_kind` (outlet_cash)."""
    total = (Entry.select(pw.fn.COALESCE(pw.fn.SUM(Entry.amount), 0)).join(Operation)
             .switch(Entry).join(Account)
             .where(Operation.shift == shift_id, Account.kind == account_kind).scalar())
    return int(total or 0)
