"""Accounts and journal entries: balances change only with the conditional UPDATEs here
(a card account never goes below zero, checked by the database in the same statement)
and every change is a journal row of the operation that made it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kiosk.store import models, sql

_CARD_ACCOUNTS_TEXT = 'SELECT * FROM "account" WHERE "card_id" = ? ORDER BY "id"'
_CARD_ACCOUNTS = sql.Statement(_CARD_ACCOUNTS_TEXT)
_CARD_ACCOUNTS_LOCKED = sql.Statement(_CARD_ACCOUNTS_TEXT, lock=True)


def card_accounts(card_id: int, *, lock: bool = False) -> list[models.Account]:
    statement = _CARD_ACCOUNTS_LOCKED if lock else _CARD_ACCOUNTS
    return statement.models(models.Account, card_id)


ACCOUNT_CODE_LENGTH = models.Account.code.max_length

_BALANCE = sql.Statement('SELECT "balance" FROM "account" WHERE "id" = ?')


def balance_of(account_id: int) -> int:
    return int(_BALANCE.first(account_id)[0])


def _entry_rows(operation: models.Operation,
                entries: Iterable[tuple[models.Account, int]]) -> list[dict]:
    return [{"operation": operation.id, "account": account.id, "amount": amount,
             "business_date": operation.business_date, "outlet": operation.outlet_id}
            for account, amount in entries]


@dataclass(frozen=True)
class BalanceChange:
    """`delta` added to an account's balance, only if the balance then stays at or
    above `floor` and at or below `ceiling` (None: no bound)."""

    account_id: int
    delta: int
    floor: int | None = None
    ceiling: int | None = None


@dataclass(frozen=True)
class Posted:
    refused: set[int]  # the accounts whose change was refused: nothing of theirs changed
    date_closed: bool  # the rows' business date is closed (the caller rolls back)


def post(operation: models.Operation, entries: Sequence[tuple[models.Account, int]],
         changes: Sequence[BalanceChange]) -> Posted:
    """An operation's journal rows and the balance changes they make, in one round
    trip: the accounts are locked in id order, then every balance changes in one
    UPDATE, each only within its bounds, decided by the database in that statement (no
    read-then-write race); and whether the rows' business date is closed, asked in the
    statement that writes them. With a change refused or the date closed, the caller
    rolls the whole operation back."""
    changes = sorted(changes, key=lambda change: change.account_id)
    ids = [change.account_id for change in changes]
    day = (operation.outlet_id, models.DayClose.business_date.db_value(operation.business_date))
    calls = [sql.rows_insert(models.JournalEntry, _entry_rows(operation, entries))] \
        if entries else []
    if not changes:
        return Posted(set(), bool(sql.together(*calls, (_DATE_CLOSED, day)).fetchone()[0]))
    rows = sql.together(*calls, (_lock_statement(len(ids)), tuple(ids)), (
        _change_statement(len(changes)), (*(value for change in changes for value in (
            change.account_id, change.delta, change.floor, change.ceiling)), *day))).fetchall()
    return Posted(set(ids) - {row[0] for row in rows}, any(row[1] for row in rows))


_CLOSED_CONDITION = ('EXISTS (SELECT 1 FROM "day_close" WHERE "outlet_id" = ? '
                     'AND "business_date" = ?)')
_DATE_CLOSED = sql.Statement(f'SELECT {_CLOSED_CONDITION}')


_locks: dict[int, sql.Statement] = {}
_changes: dict[int, sql.Statement] = {}


def _lock_statement(count: int) -> sql.Statement:
    statement = _locks.get(count)
    if statement is None:
        statement = _locks[count] = sql.Statement(
            f'SELECT "id" FROM "account" WHERE "id" IN ({", ".join(["?"] * count)}) '
            'ORDER BY "id"', lock=True)
    return statement


def _change_statement(count: int) -> sql.Statement:
    statement = _changes.get(count)
    if statement is None:
        row = "(" + ", ".join(["CAST(? AS BIGINT)"] * 4) + ")"
        statement = _changes[count] = sql.Statement(
            'WITH "change" ("id", "delta", "floor", "ceiling") AS (VALUES '
            + ", ".join([row] * count) + ') '
            'UPDATE "account" SET "balance" = "balance" + "change"."delta" FROM "change" '
            'WHERE "account"."id" = "change"."id" '
            'AND ("change"."floor" IS NULL '
            'OR "account"."balance" + "change"."delta" >= "change"."floor") '
            'AND ("change"."ceiling" IS NULL '
            'OR "account"."balance" + "change"."delta" <= "change"."ceiling") '
            f'RETURNING "account"."id", {_CLOSED_CONDITION}')
    return statement


def system_account(code: str, kind: str, unit: str, **owner) -> models.Account:
    account, _ = models.Account.get_or_create(
        code=code, defaults={"kind": kind, "unit": unit, "allow_negative": True, **owner})
    return account


def card_account_code(number: str, kind: str) -> str:
    """A card account's code: card:<number>:<kind> (principal, bonus, points, deposit)."""
    return f"card:{number}:{kind}"


def open_card_account(card: models.Card, kind: str, unit: str) -> None:
    models.Account.get_or_create(
        code=card_account_code(card.number, kind),
        defaults={"kind": kind, "unit": unit, "card": card, "outlet": card.outlet_id})


def entries_of(operation_id: int) -> list[models.JournalEntry]:
    return list(models.JournalEntry.select().where(
        models.JournalEntry.operation == operation_id).order_by(models.JournalEntry.id))


def accounts_by_id(ids: Iterable[int]) -> dict[int, models.Account]:
    ids = list(ids)
    return {account.id: account for account in
            models.Account.select().where(models.Account.id.in_(ids))} if ids else {}


def system_account_of(operation_id: int, kind: str) -> models.Account | None:
    """The system account of `kind` an operation moved (a charge's points pool)."""
    E, A = models.JournalEntry, models.Account
    return (A.select().join(E).where(E.operation == operation_id, A.kind == kind,
                                     A.card.is_null()).first())


def paid_into(operation_id: int, kind: str | None = None) -> models.Account | None:
    """The system account an operation paid into (a charge's sales or issuer account),
    of `kind` when a charge paid into two (a split payment by an insurance card)."""
    E, A = models.JournalEntry, models.Account
    query = A.select().join(E).where(E.operation == operation_id, E.amount > 0,
                                     A.card.is_null())
    return (query.where(A.kind == kind) if kind else query).first()
