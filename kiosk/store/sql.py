"""Statements of the money path, with SQL text built once instead of per call.

Peewee renders a query's expression tree to SQL on every execution, about 0.15 ms a
statement here, and every operation (services/operations.py with its audit event and
receipt) runs about twenty. The statements every operation runs are kept here as text:
written with `?` placeholders and double-quoted names, which SQLite and PostgreSQL both
read, and given the open database's own placeholder once per kind of database. Rows
still come back as models, so the services read them as before.

Everything else keeps using peewee queries: this is for the hot path only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import peewee as pw

from kiosk.store import peewee_internals as internals
from kiosk.store.db import current_database, database

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

    def __init__(self, text: str, *, lock: bool | str = False) -> None:
        self.text = " ".join(text.split())
        self.lock = FOR_NO_KEY_UPDATE if lock is True else lock
        self._texts: dict[str, str] = {}  # by the database's placeholder: ? or %s

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
        return db.execute_sql(self._text_for(db), params)

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
    fields = row_fields(type(instance))
    params = [field.db_value(internals.stored_value(instance, field.name)) for field in fields]
    returning = internals.returns_ids(db)
    cursor = db.execute_sql(insert_text(type(instance), fields, returning=returning), params)
    instance.id = cursor.fetchone()[0] if returning else cursor.lastrowid
    return instance.id


def insert_rows(model: type[pw.Model], rows: Sequence[dict]) -> None:
    """INSERT `rows` (dicts by field name; every row names every column but the id)
    in one statement."""
    if not rows:
        return
    fields = row_fields(model)
    params = [field.db_value(row[field.name]) for row in rows for field in fields]
    database.execute_sql(insert_text(model, fields, rows=len(rows)), params)


def joined(instance: ModelT, name: str, related: pw.Model) -> ModelT:
    """`instance` with its foreign key `name` filled by the already loaded `related`
    row, loaded rather than changed, as peewee's own joined rows are."""
    setattr(instance, name, related)
    internals.mark_loaded(instance, name)
    return instance


def row_fields(model: type[pw.Model]) -> tuple[pw.Field, ...]:
    """Every field of `model` but its id, in the table's column order."""
    return internals.fields_but_id(model)


_inserts: dict[tuple, str] = {}


def insert_text(model: type[pw.Model], fields: Sequence[pw.Field], rows: int = 1, *,
                returning: bool = False) -> str:
    """INSERT of `fields` for `rows` rows in the open database's placeholders; with
    `returning`, the new id comes back as a row (PostgreSQL)."""
    param = internals.placeholder(current_database())
    key = (model, tuple(fields), rows, returning, param)
    text = _inserts.get(key)
    if text is None:
        columns = ", ".join(f'"{field.column_name}"' for field in fields)
        one_row = "(" + ", ".join([param] * len(fields)) + ")"
        text = (f'INSERT INTO "{internals.table_name(model)}" ({columns}) VALUES '
                + ", ".join([one_row] * rows) + (' RETURNING "id"' if returning else ""))
        _inserts[key] = text
    return text
