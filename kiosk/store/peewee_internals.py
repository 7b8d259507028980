"""Every use the kiosk makes of peewee beyond its documented API, in one place.

The money path's statements (sql.py) build rows and INSERTs themselves, so they read a
model's metadata (`_meta`), fill an instance as peewee's own SELECT does (`__data__`,
`__no_default__`, `_dirty`) and ask the open database how it writes placeholders, row
locks and returned ids. None of that is promised by peewee between versions:
tests/test_peewee_internals.py checks each function here against the peewee pinned in
constraints.txt, and says which one a new version broke. Nothing else in the kiosk
touches these names (tests/test_layers.py keeps it so).
"""

from __future__ import annotations

import threading
from typing import TypeVar

import peewee as pw

ModelT = TypeVar("ModelT", bound=pw.Model)


# -- a model's table ---------------------------------------------------------------------
def table_name(model: type[pw.Model]) -> str:
    return model._meta.table_name


def field_of_column(model: type[pw.Model], column: str) -> pw.Field:
    """The field stored in `column` (a result's column name)."""
    return model._meta.columns[column]


def all_fields(model: type[pw.Model]) -> tuple[pw.Field, ...]:
    """Every field of `model`, its primary key too, in the table's column order."""
    return tuple(model._meta.sorted_fields)


def fields_but_id(model: type[pw.Model]) -> tuple[pw.Field, ...]:
    """Every field of `model` but its primary key, in the table's column order."""
    return tuple(field for field in model._meta.sorted_fields
                 if field is not model._meta.primary_key)


# -- a row -------------------------------------------------------------------------------
def loaded_row(model: type[ModelT], values: dict[str, object]) -> ModelT:
    """An instance holding `values` (by field name, already python values) as a peewee
    SELECT returns a row: no defaults filled in, nothing marked changed."""
    instance = model(__no_default__=True)
    instance.__data__.update(values)
    return instance


def stored_value(instance: pw.Model, name: str):
    """The value the row holds for field `name` (a foreign key's id, never its row)."""
    return instance.__data__.get(name)


def mark_loaded(instance: pw.Model, name: str) -> None:
    """Field `name` was set from the database, not changed: a save() leaves it alone."""
    instance._dirty.discard(name)


def changed_fields(instance: pw.Model) -> set[str]:
    """The fields a save() would write."""
    return set(instance._dirty)


# -- the open database -------------------------------------------------------------------
def proxied(proxy: pw.DatabaseProxy) -> pw.Database | None:
    """The database a proxy stands for (None before it is initialised)."""
    return proxy.obj


class SwitchableProxy(pw.DatabaseProxy):
    """A DatabaseProxy whose database one thread may switch for its own statements
    (`switch_for_thread`) while the others go on with the one it was initialised with:
    every call through a proxy reads its database from `obj`, which this makes a
    property."""

    __slots__ = ("_initialised", "_threads")

    def __init__(self) -> None:
        object.__setattr__(self, "_threads", threading.local())
        super().__init__()

    @property
    def obj(self):
        return getattr(self._threads, "database", None) or self._initialised

    def __setattr__(self, attr, value):
        object.__setattr__(self, "_initialised" if attr == "obj" else attr, value)


def switch_for_thread(proxy: SwitchableProxy, db: pw.Database | None) -> pw.Database | None:
    """This thread's statements through `proxy` go to `db` from now on (None: back to the
    proxy's own); returns the one they went to before (None: the proxy's own)."""
    before = getattr(proxy._threads, "database", None)
    proxy._threads.database = db
    return before


def placeholder(db: pw.Database) -> str:
    """How the driver marks a parameter: ? (SQLite) or %s (PostgreSQL)."""
    return db.param


def locks_rows(db: pw.Database) -> bool:
    """Whether SELECT ... FOR UPDATE (and its kin) exist: not on SQLite, which locks the
    whole file at BEGIN IMMEDIATE instead."""
    return bool(db.for_update)


def returns_ids(db: pw.Database) -> bool:
    """Whether an INSERT gives the new id back by RETURNING (PostgreSQL) rather than the
    cursor's lastrowid (SQLite)."""
    return bool(db.returning_clause)


def forget_connection(db: pw.Database) -> None:
    """Drop this thread's connection, even in the middle of a transaction, without
    closing it: the next statement opens a new one."""
    db.dispose()
