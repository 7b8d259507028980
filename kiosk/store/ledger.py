"""Accounts and journal entries: balances change only with the conditional UPDATEs here
(a card account never goes below zero, checked by the database in the same statement)
and every change is a journal row of the operation that made it."""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.store import models, sql

_CARD_ACCOUNTS_TEXT = 'SELECT * FROM "account" WHERE "card_id" = ? ORDER BY "id"'
_CARD_ACCOUNTS = sql.Statement(_CARD_ACCOUNTS_TEXT)
_CARD_ACCOUNTS_LOCKED = sql.Statement(_CARD_ACCOUNTS_TEXT, lock=True)


def card_accounts(card_id: int, *, lock: bool = False) -> list[models.Account]:
    statement = _CARD_ACCOUNTS_LOCKED if lock else _CARD_ACCOUNTS
    return statement.models(models.Account, card_id)


_ADD_TO_BALANCE = sql.Statement('UPDATE "account" SET "balance" = "balance" + ? WHERE "id" = ?')
_TAKE_FROM_BALANCE = sql.Statement(
    'UPDATE "account" SET "balance" = "balance" + ? WHERE "id" = ? AND "balance" >= ?')


_ADD_UP_TO_CEILING = sql.Statement(
    'UPDATE "account" SET "balance" = "balance" + ? WHERE "id" = ? AND "balance" + ? <= ?')


def change_balance(account_id: int, delta: int, *, floor_at_zero: bool,
                   ceiling: int | None = None) -> bool:
    """Add `delta`; with `floor_at_zero`, only if the balance stays at zero or above;
    with a `ceiling` (a prepaid card's limit), a credit only if the balance stays at or
    below it. False if the balance was too low or too high (nothing changed): decided
    by the database in the same statement."""
    if delta < 0 and floor_at_zero:
        return _TAKE_FROM_BALANCE.changed(delta, account_id, -delta) == 1
    if delta > 0 and ceiling is not None:
        return _ADD_UP_TO_CEILING.changed(delta, account_id, delta, ceiling) == 1
    return _ADD_TO_BALANCE.changed(delta, account_id) == 1


_BALANCE = sql.Statement('SELECT "balance" FROM "account" WHERE "id" = ?')


def balance_of(account_id: int) -> int:
    return int(_BALANCE.first(account_id)[0])


def insert_entries(operation: models.Operation,
                   entries: Iterable[tuple[models.Account, int]]) -> None:
    sql.insert_rows(models.JournalEntry, [
        {"operation": operation.id, "account": account.id, "amount": amount,
         "business_date": operation.business_date, "outlet": operation.outlet_id}
        for account, amount in entries])


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
