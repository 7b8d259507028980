"""Statements of the money path, with SQL text built once instead of per call.

Peewee renders a query's expression tree to SQL on every execution, about 0.15 ms a
statement here, and every operation (services/operations.py with its audit event and
receipt) runs a dozen or more. The statements every operation runs are kept here as
text: written with `?` placeholders and double-quoted names, which SQLite and
PostgreSQL both read, and given the open database's own placeholder once per kind of
database. Rows still come back as models, so the services read them as before.

On PostgreSQL each statement is prepared once per connection (PREPARE, then EXECUTE):
the server no longer parses and plans it on every call, which was half of its time per
charge (docs/performance.md). SQLite's driver keeps its own cache of compiled
statements. `together` sends statements whose results are not needed, but the last's,
in one round trip.

Everything else keeps using peewee queries: this is for the hot path only.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Sequence
from typing import TypeVar

import peewee as pw

from kiosk.store import peewee_internals as internals
from kiosk.store.db import current_database
from kiosk.store.failures import STORE_ERRORS, sqlstate

ModelT = TypeVar("ModelT", bound=pw.Model)


# The row lock an operation takes on what it decides on (a card, an original, an
# account): one holder at a time. Not FOR UPDATE, which would also wait for every
# transaction that merely inserted a row pointing at it (a foreign key check holds
# FOR KEY SHARE), and two operations doing that in turn wait on each other forever.
FOR_NO_KEY_UPDATE = "FOR NO KEY UPDATE"
# Blocks only FOR UPDATE: many operations of an outlet hold it at once, and the day
# close's FOR UPDATE on the outlet waits for them (and they for it).
FOR_KEY_SHARE = "FOR KEY SHARE"
FOR_UPDATE = "FOR UPDATE"
# Many holders at once, and an UPDATE of the row waits for them all (a shift's close
# waits for the operations posting into it).
FOR_SHARE = "FOR SHARE"


class Statement:
    """One SQL statement; `lock` (True: FOR NO KEY UPDATE, or one of the clauses above)
    locks the rows read where the database has row locks (SQLite locks the whole file
    at BEGIN IMMEDIATE instead)."""

    def __init__(self, text: str, *, lock: bool | str = False, prepare: bool = True) -> None:
        self.text = " ".join(text.split())
        self.lock = FOR_NO_KEY_UPDATE if lock is True else lock
        self.prepare = prepare
        self._texts: dict[str, str] = {}  # by the database's placeholder: ? or %s
        self._name = ""  # its prepared statement's name on PostgreSQL

    def sql(self) -> str:
        return self._text_for(current_database())

    def _text_for(self, db: pw.Database) -> str:
        param = internals.placeholder(db)
        text = self._texts.get(param)
        if text is None:
            text = self.text.replace("?", param)
            if self.lock and internals.locks_rows(db):
                text += f" {self.lock}"
            self._texts[param] = text
        return text

    def execute(self, *params):
        db = current_database()
        if not (self.prepare and _prepares(db)):
            return db.execute_sql(self._text_for(db), params)
        try:
            return db.execute_sql(self._prepared(db, len(params)), params)
        except STORE_ERRORS as error:
            # The connection was lost outside a transaction and peewee reconnected and
            # re-ran the EXECUTE on the new one, where nothing is prepared yet.
            if sqlstate(error) != UNKNOWN_STATEMENT or db.in_transaction():
                raise
            return db.execute_sql(self._prepared(db, len(params)), params)

    def _prepared(self, db: pw.Database, count: int) -> str:
        """EXECUTE of this statement on the connection, prepared first if need be."""
        if not self._name:  # by the text as run, its lock clause included
            self._name = _name_for(self._text_for(db))
        prepared = _prepared_on(db.connection())
        if self._name not in prepared:
            if len(prepared) >= MOST_PREPARED or not self.prepare:
                return self._text_for(db)
            db.execute_sql(self._preparation(db).replace("%", "%%"), ())
            prepared.add(self._name)
        return f"EXECUTE {self._name}({', '.join(['%s'] * count)})" if count \
            else f"EXECUTE {self._name}"

    def _preparation(self, db: pw.Database) -> str:
        parts = self._text_for(db).split("%s")
        return f"PREPARE {self._name} AS " + "".join(
            part + (f"${index}" if index < len(parts) else "")
            for index, part in enumerate(parts, 1))

    def first(self, *params) -> tuple | None:
        return self.execute(*params).fetchone()

    def changed(self, *params) -> int:
        """How many rows an UPDATE changed."""
        return self.execute(*params).rowcount

    def models(self, model: type[ModelT], *params) -> list[ModelT]:
        """The rows as `model` instances, as a peewee SELECT returns them (values
        converted by the fields, nothing marked changed)."""
        cursor = self.execute(*params)
        fields = _fields_for(model, tuple(column[0] for column in cursor.description))
        return [_instance(model, fields, row) for row in cursor]

    def one(self, model: type[ModelT], *params) -> ModelT | None:
        """The first row as a `model` instance, or None."""
        found = self.models(model, *params)
        return found[0] if found else None

    def joined(self, shape: tuple[type[pw.Model], ...], *params) -> list[tuple]:
        """The rows of a statement that selects `columns()` of each model of `shape` in
        turn, then anything else: each row as (an instance of each model, ..., the
        other values as they are)."""
        parts = [(model, internals.all_fields(model)) for model in shape]
        rows = []
        for row in self.execute(*params):
            values, start = [], 0
            for model, fields in parts:
                values.append(_instance(model, fields, row[start:start + len(fields)]))
                start += len(fields)
            rows.append((*values, *row[start:]))
        return rows


def as_date(value) -> dt.date | None:
    """A date as PostgreSQL (a date, or a timestamp) or SQLite (ISO text) gives it back."""
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def columns(model: type[pw.Model], alias: str) -> str:
    """Every column of `model` as `alias`."column", in the order Statement.joined reads
    them back."""
    return ", ".join(f'{alias}."{field.column_name}"' for field in internals.all_fields(model))


def together(*calls: tuple[Statement, tuple]):
    """Run the statements in turn, in one round trip to PostgreSQL (SQLite runs in
    process anyway); returns the last one's cursor. Only the last statement's result
    or row count can be read: the others must be ones whose outcome needs no check."""
    db = current_database()
    if not _prepares(db) or len(calls) == 1:
        cursor = None
        for statement, params in calls:
            cursor = statement.execute(*params)
        return cursor
    texts = [statement._prepared(db, len(params)) for statement, params in calls]
    return db.execute_sql("; ".join(texts), [value for _, params in calls for value in params])


def with_commit(*calls: tuple[Statement, tuple]) -> None:
    """The last writes of a transaction, whose outcome needs no check: on PostgreSQL
    they go to the server with its COMMIT, in the same round trip (an error in one fails
    the commit, and the transaction is rolled back whole); SQLite runs them now. Only
    for the code that began the transaction, as the last thing it does in it: nothing
    after can read them (an outer transaction might: give it `together`)."""
    db = current_database()
    if not _prepares(db):
        together(*calls)
        return
    for statement, params in calls:
        db.send_with_commit(statement._prepared(db, len(params)), params)


# Prepared statements live as long as the connection; a new connection (a reconnect,
# another thread) starts with none. A cap keeps a connection's memory bounded should
# statements ever be made per call with varying text.
MOST_PREPARED = 400
UNKNOWN_STATEMENT = "26000"  # invalid_sql_statement_name: not prepared on this connection
_prepared_by_connection: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_names: dict[str, str] = {}


def _prepares(db: pw.Database) -> bool:
    return isinstance(db, pw.PostgresqlDatabase)


def _prepared_on(connection) -> set[str]:
    prepared = _prepared_by_connection.get(connection)
    if prepared is None:
        prepared = _prepared_by_connection[connection] = set()
    return prepared


def _name_for(text: str) -> str:
    """One name per statement text (as PostgreSQL runs it), so that statements made
    again with the same text share what the connection prepared."""
    name = _names.get(text)
    if name is None:
        name = _names[text] = f"kiosk_{len(_names) + 1}"
    return name


_columns: dict[tuple, tuple[pw.Field, ...]] = {}


def _fields_for(model: type[pw.Model], names: tuple[str, ...]) -> tuple[pw.Field, ...]:
    fields = _columns.get((model, names))
    if fields is None:
        fields = _columns[(model, names)] = tuple(internals.field_of_column(model, name)
                                                  for name in names)
    return fields


def _instance(model: type[ModelT], fields: tuple[pw.Field, ...], row: tuple) -> ModelT:
    return internals.loaded_row(model, {field.name: field.python_value(value)
                                        for field, value in zip(fields, row)})


def insert(instance: pw.Model) -> int:
    """INSERT every column of `instance` (its defaults already filled in by the model)
    but the id; sets the new id on the instance and returns it."""
    db = current_database()
    returning = internals.returns_ids(db)
    statement, params = row_insert(instance, returning=returning)
    cursor = statement.execute(*params)
    instance.id = cursor.fetchone()[0] if returning else cursor.lastrowid
    return instance.id


def row_insert(instance: pw.Model, *, returning: bool = False) -> tuple[Statement, tuple]:
    """What insert runs, as (statement, parameters) to run `together` with others."""
    fields = row_fields(type(instance))
    return insert_statement(type(instance), fields, returning=returning), tuple(
        field.db_value(internals.stored_value(instance, field.name)) for field in fields)


def insert_rows(model: type[pw.Model], rows: Sequence[dict]) -> None:
    """INSERT `rows` (dicts by field name; every row names every column but the id)
    in one statement."""
    if rows:
        statement, params = rows_insert(model, rows)
        statement.execute(*params)


def rows_insert(model: type[pw.Model], rows: Sequence[dict]) -> tuple[Statement, tuple]:
    """What insert_rows runs, as (statement, parameters) to run `together` with others."""
    fields = row_fields(model)
    return insert_statement(model, fields, rows=len(rows)), tuple(
        field.db_value(row[field.name]) for row in rows for field in fields)


def joined(instance: ModelT, name: str, related: pw.Model) -> ModelT:
    """`instance` with its foreign key `name` filled by the already loaded `related`
    row, loaded rather than changed, as peewee's own joined rows are."""
    setattr(instance, name, related)
    internals.mark_loaded(instance, name)
    return instance


def row_fields(model: type[pw.Model]) -> tuple[pw.Field, ...]:
    """Every field of `model` but its id, in the table's column order."""
    return internals.fields_but_id(model)


_inserts: dict[tuple, Statement] = {}
# An operation's journal rows are a few; bulk inserts (card stock, by the hundred) are
# not worth a prepared statement for every count of rows.
MOST_ROWS_PREPARED = 16


def insert_text(model: type[pw.Model], fields: Sequence[pw.Field], rows: int = 1, *,
                returning: bool = False) -> str:
    """INSERT of `fields` for `rows` rows in the open database's placeholders; with
    `returning`, the new id comes back as a row (PostgreSQL)."""
    return insert_statement(model, fields, rows, returning=returning).sql()


def insert_statement(model: type[pw.Model], fields: Sequence[pw.Field], rows: int = 1, *,
                     returning: bool = False) -> Statement:
    """The INSERT insert_text writes, as a statement (to run `together` with others)."""
    key = (model, tuple(fields), rows, returning)
    statement = _inserts.get(key)
    if statement is None:
        columns = ", ".join(f'"{field.column_name}"' for field in fields)
        one_row = "(" + ", ".join(["?"] * len(fields)) + ")"
        statement = _inserts[key] = Statement(
            f'INSERT INTO "{internals.table_name(model)}" ({columns}) VALUES '
            + ", ".join([one_row] * rows) + (' RETURNING "id"' if returning else ""),
            prepare=rows <= MOST_ROWS_PREPARED)
    return statement
