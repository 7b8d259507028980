"""What `kiosk verify` reads to prove the ledger holds: counts, the sums that must agree,
and the operations, their entries and their audit records as streams in operation
order (memory stays flat however large the store)."""

from __future__ import annotations

from collections.abc import Iterator

import peewee as pw

from kiosk.store import models

Entry, Account, Operation = models.JournalEntry, models.Account, models.Operation


def counts() -> tuple[int, int, int, int]:
    """How many operations, journal entries, accounts and audit events there are."""
    return (Operation.select().count(), Entry.select().count(), Account.select().count(),
            models.AuditEvent.select().count())


def unbalanced_operations() -> Iterator[dict]:
    """{operation, unit, total} of each operation whose entries in a unit do not sum to 0."""
    total = pw.fn.SUM(Entry.amount)
    return (Entry.select(Entry.operation, Account.unit, total.alias("total")).join(Account)
            .group_by(Entry.operation, Account.unit).having(total != 0).dicts().iterator())


def stale_balances() -> Iterator[dict]:
    """{code, balance, total} of each account whose cached balance is not its entries' sum."""
    total = pw.fn.COALESCE(pw.fn.SUM(Entry.amount), 0)
    return (Account.select(Account.code, Account.balance, total.alias("total"))
            .join(Entry, pw.JOIN.LEFT_OUTER).group_by(Account.id, Account.code, Account.balance)
            .having(Account.balance != total).dicts().iterator())


def below_floor() -> list[models.Account]:
    """Accounts below zero that may not go there."""
    return list(Account.select().where(Account.balance < 0,
                                       Account.allow_negative == False))  # noqa: E712


def reversals_by_original() -> Iterator[dict]:
    """{kind, reverses, original_amount, original_kind, reversed}: what the operations of
    each kind took back from each original (original_* None: no such original)."""
    Original = Operation.alias()
    total = pw.fn.SUM(Operation.amount)
    return (Operation.select(Operation.kind, Operation.reverses,
                             Original.amount.alias("original_amount"),
                             Original.kind.alias("original_kind"), total.alias("reversed"))
            .join(Original, pw.JOIN.LEFT_OUTER, on=(Operation.reverses == Original.id))
            .where(Operation.reverses.is_null(False))
            .group_by(Operation.kind, Operation.reverses, Original.amount, Original.kind)
            .dicts().iterator())


def operations_in_order() -> Iterator[models.Operation]:
    return Operation.select().order_by(Operation.id).iterator()


def entries_in_order() -> Iterator[tuple[int, int, int]]:
    """(operation id, account id, amount) of every journal entry, by operation."""
    return (Entry.select(Entry.operation, Entry.account, Entry.amount).order_by(Entry.operation)
            .tuples().iterator())
