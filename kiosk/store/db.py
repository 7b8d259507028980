"""The database connection, chosen by URL; nothing is opened at import time.

Only `kiosk init` creates a store: any other command on a SQLite path with no database
says so instead of leaving folders and an empty file behind. A file that is not an
SQLite database is refused before SQLite opens it, and a driver's failure to open the
store becomes a message saying what to check."""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import peewee
from playhouse import db_url

from kiosk.errors import InvalidInput, N_, NotFound, StoreUnavailable
from kiosk.store.peewee_internals import SwitchableProxy, proxied, switch_for_thread

# The store every model and statement uses: the primary, or, for the statements a thread
# runs inside `reading()`, the read replica.
database = SwitchableProxy()
_replica: peewee.Database | None = None


class RefusesNul:
    """The last guard, under every service: a NUL in a text parameter is refused with a
    message on both databases (PostgreSQL's driver would raise a ValueError; SQLite
    would store it), whichever field it came in by. Typed text is checked earlier, where
    it enters (kiosk/text.py), with the other control characters."""

    def execute_sql(self, sql, params=None, *args, **kwargs):
        _refuse_nul(params)
        return super().execute_sql(sql, params, *args, **kwargs)


def _refuse_nul(params) -> None:
    if params and any(isinstance(value, str) and "\x00" in value for value in params):
        from kiosk.text import ControlCharacter
        raise ControlCharacter()


class KioskSqliteDatabase(RefusesNul, peewee.SqliteDatabase):
    pass


class ReconnectsOutsideTransactions:
    """A store server restarted, a connection killed or a write that reached a standby
    (store/failures.py sorts which errors those are): outside a transaction the statement
    runs again on a new connection. Inside one, operations re-run whole under their
    idempotency key (services/operations.py), so nothing is half done or done twice."""

    def execute_sql(self, sql, params=None, *args, **kwargs):
        return self._again_if_lost(super().execute_sql, sql, params, *args, **kwargs)

    def begin(self, *args, **kwargs):
        return self._again_if_lost(super().begin, *args, **kwargs)

    def _again_if_lost(self, statement, *args, **kwargs):
        from kiosk.store import failures  # it reads the open store from this module
        try:
            return statement(*args, **kwargs)
        except failures.DATABASE_ERRORS as error:
            if self.in_transaction() or not failures.connection_lost(error):
                raise
        if not self.is_closed():
            self.close()
        self.connect()
        return statement(*args, **kwargs)


class ReconnectingPostgresqlDatabase(RefusesNul, ReconnectsOutsideTransactions,
                                     peewee.PostgresqlDatabase):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._kept = threading.local()  # each thread's writes kept for its COMMIT

    def send_with_commit(self, sql: str, params) -> None:
        """A write of the open transaction that needs no answer (its outcome is checked
        otherwise, or cannot fail but with the whole transaction), kept to go to the
        server with the COMMIT, in one round trip. A rollback drops it with the rest."""
        _refuse_nul(params)
        self.kept_for_commit().append((sql, tuple(params)))

    def kept_for_commit(self) -> list[tuple[str, tuple]]:
        if not hasattr(self._kept, "writes"):
            self._kept.writes = []
        return self._kept.writes

    def commit(self):
        pending, self._kept.writes = self.kept_for_commit(), []
        if not pending or self.is_closed():  # closed: peewee's own commit says so
            return super().commit()
        # The raw cursor, as peewee's own COMMIT: never re-sent on a new connection.
        with peewee.__exception_wrapper__:
            self.cursor().execute("; ".join(sql for sql, _ in pending) + "; COMMIT",
                                  [value for _, params in pending for value in params])

    def rollback(self):
        self._kept.writes = []
        return super().rollback()


db_url.register_database(ReconnectingPostgresqlDatabase, "postgres", "postgresql")
db_url.register_database(KioskSqliteDatabase, "sqlite")

SQLITE_BUSY_TIMEOUT_SECONDS = 5

# WAL lets the counter read while a charge commits; FULL fsyncs every commit of money.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",
    "busy_timeout": SQLITE_BUSY_TIMEOUT_SECONDS * 1000,
}


SCHEMES = ("sqlite", "postgres", "postgresql")
SQLITE_HEADER = b"SQLite format 3\x00"


def is_sqlite(url: str) -> bool:
    return urlparse(url).scheme.startswith("sqlite")


def check_url(url: str) -> None:
    """A URL the kiosk can open: sqlite:///path or postgresql://..."""
    try:
        scheme = urlparse(url).scheme
    except ValueError:
        scheme = ""
    if scheme not in SCHEMES or (scheme == "sqlite" and sqlite_path(url) is None
                                 and not url.endswith(":memory:")):
        raise InvalidInput(N_("'{url}' is not a database URL the kiosk can use: write "
                              "sqlite:////path/to/kiosk.db or postgresql://user@host/database "
                              "(--db or KIOSK_DB)."), url=safe_url(url)[:80])


def connect(url: str, *, create: bool = False) -> peewee.Database:
    """Open the store at `url` and bind the models to it; `create` (kiosk init only)
    makes a missing SQLite file, owner-only, and its folder."""
    check_url(url)
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            _create_owner_only(path) if create else _check_sqlite_file(path)
        # IMMEDIATE: a writer takes the lock when its transaction begins, so two
        # terminals never deadlock upgrading a read lock to a write lock.
        db = db_url.connect(url, pragmas=SQLITE_PRAGMAS, timeout=SQLITE_BUSY_TIMEOUT_SECONDS,
                            lock_type="IMMEDIATE")
    elif is_multi_host(url):
        db = multi_host_database(url)
    else:
        db = db_url.connect(url)
    db.kiosk_store_key = uuid.uuid4().hex  # what in-process caches are keyed by
    database.initialize(db)
    from kiosk.store import failures  # it reads the open store from this module
    try:
        db.connect(reuse_if_open=True)
    except failures.STORE_ERRORS as error:
        raise failures.unavailable(error, url) from None
    return db


def use_replica(url: str | None) -> None:
    """A read replica of the store (--read-db, KIOSK_READ_DB) for the journal queries of
    the app (`reading()`); None: there is none, everything reads the store itself. The
    replica is connected on first use."""
    global _replica
    if _replica is not None and not _replica.is_closed():
        _replica.close()
    _replica = None
    if url:
        check_url(url)
        _replica = multi_host_database(url) if is_multi_host(url) else db_url.connect(url)
        _replica.kiosk_store_key = uuid.uuid4().hex


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """The statements this thread runs inside the block go to the read replica, when one
    is configured: for showing the journal and the ledgers, never for a decision about
    money (a replica may be a moment behind, and takes no writes). Inside a transaction,
    or without a replica, the block reads the store itself."""
    if _replica is None or database.in_transaction():
        yield
        return
    before = switch_for_thread(database, _replica)
    try:
        yield
    finally:
        switch_for_thread(database, before)


@contextlib.contextmanager
def one_snapshot() -> Iterator[None]:
    """The block's reads see the store as it was at one moment, and take no write lock
    (a check across tables while terminals post: verify): a read-only REPEATABLE READ
    transaction on PostgreSQL, a deferred one on SQLite (its WAL keeps the snapshot of
    the block's first read). Inside a transaction, the block reads in that one."""
    if database.in_transaction():
        yield
        return
    if isinstance(current_database(), peewee.SqliteDatabase):
        with database.atomic(lock_type="DEFERRED"):
            yield
        return
    with database.atomic():
        database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def is_multi_host(url: str) -> bool:
    """postgresql://user@host1:5432,host2:5432/db?target_session_attrs=read-write: a
    primary and its standby; libpq tries them in turn and keeps the one that takes
    writes, so after a failover the next connection finds the promoted standby."""
    return not is_sqlite(url) and "," in urlparse(url).netloc


def multi_host_database(url: str) -> peewee.Database:
    """The whole URL goes to libpq as it is (peewee's URL parser reads one host)."""
    parsed = urlparse(url)
    return ReconnectingPostgresqlDatabase(parsed.path[1:] or "postgres", dsn=url)


def safe_url(url: str) -> str:
    """Never show a password that may sit in a database URL."""
    try:
        password = urlparse(url).password
    except ValueError:
        return url
    return url.replace(f":{password}@", ":***@") if password else url


def current_database() -> peewee.Database | None:
    """The database the models are bound to now (None before connect)."""
    return proxied(database)


def store_key() -> str:
    """Identifies the open store for caches: two stores never share cached rows, even
    two PostgreSQL schemas of one database."""
    return current_database().kiosk_store_key


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, as peewee reads it (sqlite:////abs/kiosk.db, or
    sqlite:///relative/kiosk.db); None for memory or another backend."""
    if not is_sqlite(url):
        return None
    database = urlparse(url).path[1:]
    if not database or database == ":memory:":
        return None
    return Path(database)


def _create_owner_only(path: Path) -> None:
    """The database holds money and hashes: only the kiosk's user may read it."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR)
            os.close(descriptor)
    except OSError as error:
        raise StoreUnavailable(N_("Cannot create the database {path}: {reason}. Check the "
                                  "folder and its permissions."),
                               path=str(path), reason=error.strerror or str(error)) from None
    _check_sqlite_file(path)


def _check_sqlite_file(path: Path) -> None:
    """An SQLite database (or an empty file, as init leaves it) and a regular file: a
    text file, a FIFO or /etc/passwd is never handed to SQLite."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise NotFound(N_("There is no database at {path}: run 'kiosk init' to create one, "
                          "or check --db and --home."), path=str(path)) from None
    except OSError as error:
        raise StoreUnavailable(N_("Cannot open the database {path}: {reason}. Check the file's "
                                  "owner and permissions."),
                               path=str(path), reason=error.strerror or str(error)) from None
    try:
        regular = stat.S_ISREG(os.fstat(descriptor).st_mode)
        header = os.read(descriptor, len(SQLITE_HEADER)) if regular else b""
    finally:
        os.close(descriptor)
    if not regular or header not in (b"", SQLITE_HEADER):
        raise InvalidInput(N_("{path} is not a kiosk database (not an SQLite file): check "
                              "--db and --home."), path=str(path))


def close() -> None:
    if current_database() is not None and not database.is_closed():
        database.close()
