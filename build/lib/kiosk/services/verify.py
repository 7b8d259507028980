"""`kiosk verify`: prove the ledger and the audit chain hold.

- every operation's entries sum to zero in each unit;
- every cached balance equals the sum of its entries, and none is below its floor;
- every reversal points at a real operation and, in total, never exceeds it;
- the audit chain is unbroken, every posting operation has its audit event, and the
  entries digest recorded there matches the journal (so an edited row is caught).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import groupby

import peewee as pw

from kiosk.services import audit
from kiosk.services.operations import entries_digest
from kiosk.store import models

REVERSING_KINDS = ("refund", "recharge_reversal")


@dataclass
class VerifyReport:
    operations: int = 0
    entries: int = 0
    accounts: int = 0
    audit_events: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        return (f"operations: {self.operations}, journal entries: {self.entries}, accounts: "
                f"{self.accounts}, audit events: {self.audit_events}, violations: "
                f"{len(self.violations)}")


def verify(max_violations: int = 50) -> VerifyReport:
    report = VerifyReport(
        operations=models.Operation.select().count(),
        entries=models.JournalEntry.select().count(),
        accounts=models.Account.select().count(),
        audit_events=models.AuditEvent.select().count())
    checks = (_unbalanced_operations, _stale_balances, _below_floor, _over_reversed,
              _chain_breaks, _audit_mismatches)
    for check in checks:
        for violation in check():
            report.violations.append(violation)
            if len(report.violations) >= max_violations:
                return report
    return report


def _unbalanced_operations():
    E, A = models.JournalEntry, models.Account
    total = pw.fn.SUM(E.amount)
    query = (E.select(E.operation, A.unit, total.alias("total")).join(A)
             .group_by(E.operation, A.unit).having(total != 0))
    for row in query.dicts():
        yield (f"operation #{row['operation']} does not balance in {row['unit']}: "
               f"off by {row['total']}")


def _stale_balances():
    E, A = models.JournalEntry, models.Account
    total = pw.fn.COALESCE(pw.fn.SUM(E.amount), 0)
    query = (A.select(A.code, A.balance, total.alias("total"))
             .join(E, pw.JOIN.LEFT_OUTER).group_by(A.id, A.code, A.balance)
             .having(A.balance != total))
    for row in query.dicts():
        yield (f"account {row['code']}: cached balance {row['balance']} but its entries "
               f"sum to {row['total']}")


def _below_floor():
    A = models.Account
    for account in A.select().where(A.balance < 0, A.allow_negative == False):  # noqa: E712
        yield f"account {account.code} is below zero: {account.balance}"


def _over_reversed():
    O = models.Operation
    Original = O.alias()
    total = pw.fn.SUM(O.amount)
    query = (O.select(O.reverses, Original.amount.alias("original_amount"),
                      Original.kind.alias("original_kind"), total.alias("reversed"))
             .join(Original, pw.JOIN.LEFT_OUTER, on=(O.reverses == Original.id))
             .where(O.reverses.is_null(False), O.kind.in_(REVERSING_KINDS))
             .group_by(O.reverses, Original.amount, Original.kind))
    for row in query.dicts():
        if row["original_amount"] is None:
            yield f"a reversal points at operation #{row['reverses']}, which does not exist"
        elif row["reversed"] > row["original_amount"]:
            yield (f"operation #{row['reverses']} ({row['original_kind']}) was reversed by "
                   f"{row['reversed']}, more than its {row['original_amount']}")


def _chain_breaks():
    for chain_break in audit.check_chain():
        yield f"audit event {chain_break.seq}: {chain_break.reason}"


def _audit_mismatches():
    """Each posting operation's audit event must exist and match its journal rows."""
    recorded = {}
    for event in (models.AuditEvent.select(models.AuditEvent.operation, models.AuditEvent.details)
                  .where(models.AuditEvent.operation.is_null(False)).iterator()):
        recorded[event.operation_id] = json.loads(event.details).get("entries")
    E = models.JournalEntry
    rows = (E.select(E.operation, E.account, E.amount).order_by(E.operation)
            .tuples().iterator())
    seen = set()
    for operation_id, group in groupby(rows, key=lambda row: row[0]):
        seen.add(operation_id)
        digest = entries_digest((account, amount) for _, account, amount in group)
        if operation_id not in recorded:
            yield f"operation #{operation_id} has journal entries but no audit event"
        elif recorded[operation_id] != digest:
            yield f"operation #{operation_id}: journal entries differ from what was audited"
    for operation_id, digest in recorded.items():
        if operation_id not in seen and digest != entries_digest(()):
            yield f"operation #{operation_id}: audited entries are missing from the journal"
