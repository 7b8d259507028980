"""The database connection, chosen by URL; nothing is opened at import time."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path
from urllib.parse import urlparse

import peewee
from playhouse import db_url
from playhouse.shortcuts import ReconnectMixin

database = peewee.DatabaseProxy()


class ReconnectingPostgresqlDatabase(ReconnectMixin, peewee.PostgresqlDatabase):
    """A store server restarted or a connection killed: outside a transaction the next
    statement reconnects by itself. Inside one, operations re-run whole under their
    idempotency key (services/operations.py), so nothing is half done or done twice."""

    reconnect_errors = (
        (peewee.OperationalError, "server closed the connection"),
        (peewee.OperationalError, "terminating connection"),
        (peewee.OperationalError, "connection refused"),
        (peewee.OperationalError, "ssl connection has been closed"),
        (peewee.InterfaceError, "connection already closed"),
    )


db_url.register_database(ReconnectingPostgresqlDatabase, "postgres", "postgresql")

SQLITE_BUSY_TIMEOUT_SECONDS = 5

# WAL lets the counter read while a charge commits; FULL fsyncs every commit of money.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",
    "busy_timeout": SQLITE_BUSY_TIMEOUT_SECONDS * 1000,
}


def is_sqlite(url: str) -> bool:
    return urlparse(url).scheme.startswith("sqlite")


def connect(url: str) -> peewee.Database:
    """Open the store at `url` and bind the models to it."""
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            _create_owner_only(path)
        # IMMEDIATE: a writer takes the lock when its transaction begins, so two
        # terminals never deadlock upgrading a read lock to a write lock.
        db = db_url.connect(url, pragmas=SQLITE_PRAGMAS, timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
                            lock_type="IMMEDIATE")
    else:
        db = db_url.connect(url)
    db.kiosk_store_key = uuid.uuid4().hex  # what in-process caches are keyed by
    database.initialize(db)
    return db


def store_key() -> str:
    """Identifies the open store for caches: two stores never share cached rows, even
    two PostgreSQL schemas of one database."""
    return database.obj.kiosk_store_key


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for memory or another backend."""
    if not is_sqlite(url):
        return None
    path = urlparse(url).path
    if not path or path == "/:memory:" or path == ":memory:":
        return None
    return Path(path)


def _create_owner_only(path: Path) -> None:
    """The database holds money and hashes: only the kiosk's user may read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR)
        os.close(descriptor)


def close() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()
