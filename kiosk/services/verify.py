"""`kiosk verify`: prove the ledger and the audit chains hold.

- every operation's entries sum to zero in each unit;
- every cached balance equals the sum of its entries, and none is below its floor;
- every reversal points at an original of the kind it reverses and, together with the
  others, never exceeds it; each original's "still reversible" amount agrees with
  what its refunds, reversals and insurance transfers took;
- every audit chain is unbroken under its key, its head is sealed, and what each daily
  close anchored is still there;
- every operation has exactly one audit event, and what that event recorded of the
  operation's row (amount, result, card, original ...) and of its journal entries
  still matches, so an edited row is caught even where the sums still balance.
The operations, their events and their entries are read as three streams sorted by
operation, so memory stays flat however large the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby

from kiosk.services import audit, kinds
from kiosk.services.operations import entries_digest, header_digest
from kiosk.services.secrets import Sealer
from kiosk.store import audit as audit_store
from kiosk.store import db, integrity, models
from kiosk.store import operations as operation_store


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


def verify(sealer: Sealer, max_violations: int = 50) -> VerifyReport:
    """Every check on one snapshot of the store: an operation or audit event committed
    while it reads (a report printed at the day close) is seen by all checks or none."""
    with db.one_snapshot():
        return _verify(sealer, max_violations)


def _verify(sealer: Sealer, max_violations: int) -> VerifyReport:
    operations, entries, accounts, events = integrity.counts()
    report = VerifyReport(operations=operations, entries=entries, accounts=accounts,
                          audit_events=events)
    checks = (_unbalanced_operations, _stale_balances, _below_floor, _over_reversed,
              _reversible_amounts, lambda: map(str, audit.check_chains(sealer)),
              _audit_mismatches)
    for check in checks:
        for violation in check():
            report.violations.append(violation)
            if len(report.violations) >= max_violations:
                return report
    return report


def _unbalanced_operations():
    for row in integrity.unbalanced_operations():
        yield (f"operation #{row['operation']} does not balance in {row['unit']}: "
               f"off by {row['total']}")


def _stale_balances():
    for row in integrity.stale_balances():
        yield (f"account {row['code']}: cached balance {row['balance']} but its entries "
               f"sum to {row['total']}")


def _below_floor():
    for account in integrity.below_floor():
        yield f"account {account.code} is below zero: {account.balance}"


def _over_reversed():
    for row in integrity.reversals_by_original():
        known = kinds.KINDS.get(row["kind"])
        if row["original_amount"] is None:
            yield f"a {row['kind']} points at operation #{row['reverses']}, which does not exist"
        elif known is None or not known.can_reverse(row["original_kind"]):
            yield (f"a {row['kind']} points at operation #{row['reverses']}, a "
                   f"{row['original_kind']}, which it cannot reverse")
        elif row["reversed"] > row["original_amount"]:
            yield (f"operation #{row['reverses']} ({row['original_kind']}) was reversed by "
                   f"{row['reversed']}, more than its {row['original_amount']}")


def _reversible_amounts():
    """reversed_amount = refunds and reversals + insurance transfers filed, not rejected."""
    for operation_id, kind, recorded, taken in operation_store.reversible_mismatches():
        yield (f"operation #{operation_id} ({kind}) records {recorded} taken back, but its "
               f"reversals and transfers took {taken}")


def _audit_mismatches() -> Iterator[str]:
    """Each operation has one audit event, and the event's record of the operation's row
    and of its journal entries matches them."""
    operations = integrity.operations_in_order()
    events = groupby(audit_store.operation_events(), key=lambda row: row[0])
    entries = groupby(integrity.entries_in_order(), key=lambda row: row[0])
    next_event, next_entries = next(events, None), next(entries, None)
    for operation in operations:
        while next_event is not None and next_event[0] < operation.id:
            yield f"an audit event records operation #{next_event[0]}, which does not exist"
            next_event = next(events, None)
        recorded = []
        if next_event is not None and next_event[0] == operation.id:
            recorded = [json.loads(details) for _, details in next_event[1]]
            next_event = next(events, None)
        pairs = ()
        while next_entries is not None and next_entries[0] <= operation.id:
            if next_entries[0] == operation.id:
                pairs = [(account, amount) for _, account, amount in next_entries[1]]
            else:
                yield f"journal entries belong to operation #{next_entries[0]}, which does not exist"
            next_entries = next(entries, None)
        yield from _event_mismatch(operation, recorded, entries_digest(pairs))
    if next_event is not None:
        yield f"an audit event records operation #{next_event[0]}, which does not exist"
    if next_entries is not None:
        yield f"journal entries belong to operation #{next_entries[0]}, which does not exist"


def _event_mismatch(operation: models.Operation, recorded: list[dict],
                    digest: str) -> Iterator[str]:
    if len(recorded) != 1:
        yield (f"operation #{operation.id} has {len(recorded)} audit events; it must have "
               f"exactly one")
        return
    event = recorded[0]
    if event.get("entries") != digest:
        yield f"operation #{operation.id}: journal entries differ from what was audited"
    if "header" in event and event["header"] != header_digest(operation):
        yield (f"operation #{operation.id} ({operation.kind}): its row (amount, result, card "
               f"or original) differs from what was audited")
