"""The database connection, chosen by URL; nothing is opened at import time.

Only `kiosk init` creates a store: any other command on a SQLite path with no database
says so instead of leaving folders and an empty file behind. A file that is not an
SQLite database is refused before SQLite opens it, and a driver's failure to open the
store becomes a message saying what to check."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path
from urllib.parse import urlparse

import peewee
from playhouse import db_url

from kiosk.errors import InvalidInput, N_, NotFound, StoreUnavailable
from kiosk.store.peewee_internals import proxied

database = peewee.DatabaseProxy()


class RefusesNul:
    """The last guard, under every service: a NUL in a text parameter is refused with a
    message on both databases (PostgreSQL's driver would raise a ValueError; SQLite
    would store it), whichever field it came in by. Typed text is checked earlier, where
    it enters (kiosk/text.py), with the other control characters."""

    def execute_sql(self, sql, params=None, *args, **kwargs):
        if params and any(isinstance(value, str) and "\x00" in value for value in params):
            from kiosk.text import ControlCharacter
            raise ControlCharacter()
        return super().execute_sql(sql, params, *args, **kwargs)


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
    pass


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
