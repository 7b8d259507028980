"""Operation headers: the row every movement hangs from, its idempotency key, the
business dates an outlet has closed, and the one "still reversible" amount that
refunds, reversals and insurance transfers take from.

Locks, as services/operations.py takes them:
- every operation holds its outlet's row FOR KEY SHARE from its first statement, and
  a day or month close holds it FOR UPDATE, so a close and the operations of its
  outlet never overlap (and operations of one outlet never wait on each other);
- an original that is being refunded, reversed or transferred is locked (FOR NO KEY
  UPDATE) before anything about it is decided;
- an operation holds its shift FOR SHARE, so a shift's close waits for the operations
  posting into it and none posts after it;
- then its audit chain's head FOR NO KEY UPDATE (the terminal's own chain).
All of these are taken, and what they guard read, in one round trip when the
operation opens (`open_operation`).
On SQLite the whole file is locked at BEGIN IMMEDIATE, which gives the same order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.store import models, sql
from kiosk.store.operators import Standing
from kiosk.store.outlets import CALENDAR_COLUMNS, CALENDAR_PARAMETERS, Calendar, calendar_of


@dataclass(frozen=True)
class Stored:
    """What an operation committed under an idempotency key left behind."""

    operation_id: int
    request_hash: str
    result: str  # JSON
    kind: str = ""


_BY_KEY = sql.Statement(
    'SELECT "id", "request_hash", "result", "kind" FROM "operation" '
    'WHERE "idempotency_key" = ?')


def by_key(key: str) -> Stored | None:
    row = _BY_KEY.first(key)
    return Stored(*row) if row else None


def insert(operation: models.Operation) -> int:
    return sql.insert(operation)


_STORE_RESULT = sql.Statement(
    'UPDATE "operation" SET "card_id" = ?, "amount" = ?, "tender" = ?, "memo" = ?, '
    '"result" = ? WHERE "id" = ?')


def finish(operation: models.Operation, also: list[tuple[sql.Statement, tuple]], *,
           with_commit: bool) -> None:
    """The operation's last writes: what it decided once its rows were locked (the card
    it touched, a replacement's successor; its amount, tender and result) and the
    writes `also` (its audit event). `with_commit` (the operation is its transaction):
    sent with the COMMIT; otherwise now, in one round trip."""
    calls = [(_STORE_RESULT, (operation.card_id, operation.amount, operation.tender,
                              operation.memo, operation.result, operation.id)), *also]
    if with_commit:
        sql.with_commit(*calls)
    else:
        sql.together(*calls)


_LOCKED = sql.Statement('SELECT * FROM "operation" WHERE "id" = ?', lock=True)


def locked(operation_id: int) -> models.Operation | None:
    """The operation, locked until the transaction ends."""
    return _LOCKED.one(models.Operation, operation_id)


_TAKE_REVERSIBLE = sql.Statement(
    'UPDATE "operation" SET "reversed_amount" = "reversed_amount" + ? '
    'WHERE "id" = ? AND "reversed_amount" + ? <= "amount"')
_GIVE_BACK_REVERSIBLE = sql.Statement(
    'UPDATE "operation" SET "reversed_amount" = "reversed_amount" - ? '
    'WHERE "id" = ? AND "reversed_amount" >= ?')


def take_reversible(operation_id: int, amount: int) -> bool:
    """Claim `amount` of what is still reversible; False if that much is not left."""
    return _TAKE_REVERSIBLE.changed(amount, operation_id, amount) == 1


def reversals_of(operation_id: int, kind: str = "") -> list[models.Operation]:
    """The operations that took back from this one (refunds, returns ...), of `kind`
    if given."""
    O = models.Operation
    query = O.select().where(O.reverses == operation_id)
    if kind:
        query = query.where(O.kind == kind)
    return list(query.order_by(O.id))


def by_id(operation_id: int) -> models.Operation | None:
    return models.Operation.get_or_none(models.Operation.id == operation_id)


def new_operation(**values) -> models.Operation:
    """An operation's header, not written yet (`insert` writes it)."""
    return models.Operation(**values)


def give_back_reversible(operation_id: int, amount: int) -> bool:
    """A claim withdrawn (an insurance transfer rejected)."""
    return _GIVE_BACK_REVERSIBLE.changed(amount, operation_id, amount) == 1


_OUTLET_EXCLUSIVE = sql.Statement('SELECT "id" FROM "outlet" WHERE "id" = ?',
                                  lock=sql.FOR_UPDATE)


@dataclass(frozen=True)
class Opening:
    """What an operation reads before it posts, in its transaction, once the outlet (and
    its shift) are held: see `open_operation`."""

    stored: Stored | None  # committed before under the operation's key: a replay
    calendar: Calendar  # the outlet's time zone, day boundary and closes: its business date
    standing: Standing | None  # the operator's, None for the system or no such operator
    shift_open: bool  # the actor's shift (True without one)
    audit_head: tuple[int, str]  # the actor's audit chain's last (seq, hash), locked


# The outlet FOR KEY SHARE (no close commits meanwhile), the shift FOR SHARE (its close
# waits), in that order; the rows are read by the next statement, which sees anything a
# close committed while this one waited (each statement reads the latest commits).
_HOLD_OUTLET = sql.Statement('SELECT 1 FROM "outlet" AS o WHERE o."id" = ?',
                             lock=f'{sql.FOR_KEY_SHARE} OF o')
_HOLD_OUTLET_AND_SHIFT = sql.Statement(
    'SELECT 1 FROM "outlet" AS o, "shift" AS s WHERE o."id" = ? AND s."id" = ?',
    lock=f'{sql.FOR_KEY_SHARE} OF o {sql.FOR_SHARE} OF s')
# Read once the outlet and shift are held; the audit chain's head locked here, after
# them (a close holds the outlet, then appends to its own chain).
_OPENING = sql.Statement(
    f'SELECT {CALENDAR_COLUMNS}, k."id", k."request_hash", k."result", k."kind", '
    'p."active", p."locked", p."must_change_password", '
    'EXISTS (SELECT 1 FROM "role_permission" AS rp WHERE rp."role_id" = p."role_id" '
    'AND rp."permission" = ?), '
    '(SELECT s."closed_at" IS NULL FROM "shift" AS s WHERE s."id" = ?), a."seq", a."hash" '
    'FROM "audit_chain" AS a LEFT JOIN "operation" AS k ON k."idempotency_key" = ? '
    'LEFT JOIN "operator" AS p ON p."id" = ? WHERE a."id" = ?',
    lock=f'{sql.FOR_NO_KEY_UPDATE} OF a')


def open_operation(outlet_id: int, key: str, *, operator_id: int | None,
                   permission: str, shift_id: int | None, audit_chain: int) -> Opening:
    """Inside the operation's transaction, before anything is written: the outlet held
    open and the shift (if any) held, then in one round trip with them what the
    operation decides on: the key's earlier result, the outlet's closes (its business
    date), whether the operator may act (read fresh) and the shift is still open; and
    the head of the audit chain it will append to, locked."""
    hold = (_HOLD_OUTLET_AND_SHIFT, (outlet_id, shift_id)) if shift_id is not None \
        else (_HOLD_OUTLET, (outlet_id,))
    (time_zone, day_boundary, day, month, stored_id, request_hash, result, kind, active,
     locked, must_change, granted, shift_open, seq, hash_) = sql.together(hold, (_OPENING, (
         *[outlet_id] * CALENDAR_PARAMETERS, permission, shift_id, key, operator_id,
         audit_chain))).fetchone()
    standing = Standing(bool(active), bool(locked), bool(must_change), bool(granted)) \
        if active is not None else None
    return Opening(
        stored=Stored(stored_id, request_hash, result, kind) if stored_id else None,
        calendar=calendar_of(time_zone, day_boundary, day, month), standing=standing,
        shift_open=shift_id is None or bool(shift_open), audit_head=(seq, hash_))


def hold_outlet_for_close(outlet_id: int) -> None:
    """Taken by a close: waits for the outlet's running operations, holds off new ones."""
    _OUTLET_EXCLUSIVE.first(outlet_id)


_CLOSED = sql.Statement(
    'SELECT 1 FROM "day_close" WHERE "outlet_id" = ? AND "business_date" = ?')


def is_closed(outlet_id: int, day: dt.date) -> bool:
    return _CLOSED.first(outlet_id, models.DayClose.business_date.db_value(day)) is not None


_REVERSIBLE_MISMATCHES = sql.Statement(
    'SELECT o."id", o."kind", o."reversed_amount", '
    'COALESCE(r."total", 0) + COALESCE(t."total", 0) FROM "operation" AS o '
    'LEFT JOIN (SELECT "reverses_id", SUM("amount") AS "total" FROM "operation" '
    '  WHERE "reverses_id" IS NOT NULL GROUP BY "reverses_id") AS r ON r."reverses_id" = o."id" '
    'LEFT JOIN (SELECT "charge_id", SUM("amount") AS "total" FROM "insurance_transfer" '
    '  WHERE "status" <> \'rejected\' GROUP BY "charge_id") AS t ON t."charge_id" = o."id" '
    'WHERE o."reversed_amount" <> COALESCE(r."total", 0) + COALESCE(t."total", 0) '
    'OR o."reversed_amount" > o."amount"')


def reversible_mismatches() -> list[tuple[int, str, int, int]]:
    """(id, kind, reversed_amount recorded, what its reversals and transfers took) of
    every operation where the two differ or the first exceeds the amount."""
    return list(_REVERSIBLE_MISMATCHES.execute())



_MONTH_CLOSED = sql.Statement(
    'SELECT 1 FROM "month_close" WHERE "outlet_id" = ? AND "month" = ?')


def month_closed(outlet_id: int, month: str) -> bool:
    return _MONTH_CLOSED.first(outlet_id, month) is not None

