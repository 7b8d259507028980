"""What a database error means, sorted in one place: a serialization failure to retry,
a lost connection to reconnect, or a store that cannot take the write right now
(locked by another program, disk full), each with what to tell the person."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import peewee as pw

from kiosk.errors import N_, StoreUnavailable
from kiosk.store.db import current_database, is_sqlite, safe_url
from kiosk.store.peewee_internals import forget_connection

DATABASE_ERRORS = (pw.OperationalError, pw.InternalError, pw.InterfaceError)
# Anything the database or its driver raised, a constraint or a bad statement too: what an
# error boundary tells from a failure of the kiosk's own code.
STORE_ERRORS = (pw.DatabaseError, pw.InterfaceError)
# A row the database refused by a constraint: a unique code or login id already taken
# (what the services catch it for), a missing foreign row.
CONSTRAINT_BROKEN = pw.IntegrityError
SERIALIZATION_FAILURES = {"40001", "40P01"}
# 25006: a write reached a standby (a failover under way, or the old primary came back
# as a standby): reconnecting finds the server that takes writes (target_session_attrs).
CONNECTION_LOST_STATES = {"57P01", "57P02", "57P03", "08000", "08001", "08003", "08006",
                          "25006"}
CONNECTION_LOST_TEXT = ("server closed the connection", "connection already closed",
                        "terminating connection", "could not connect", "connection refused",
                        "ssl connection has been closed", "no connection to the server",
                        "session is read-only", "in hot standby mode",
                        "read-only transaction")
LOCKED_TEXT = ("database is locked", "database table is locked", "database is busy")
FULL_TEXT = ("disk is full", "no space left", "disk full")


def sqlstate(error: Exception) -> str | None:
    original = getattr(error, "orig", None) or (error.args[0] if error.args else None)
    return getattr(original, "pgcode", None) or getattr(original, "sqlstate", None)


def error_text(error: Exception) -> str:
    """The driver's message, whether peewee wrapped the driver's exception or not."""
    parts = [str(error), str(getattr(error, "orig", "") or "")]
    parts += [str(argument) for argument in error.args]
    return " ".join(parts).lower()


def must_retry(error: Exception) -> bool:
    """Another transaction won a race the database would not serialize: run again."""
    return sqlstate(error) in SERIALIZATION_FAILURES


def connection_lost(error: Exception) -> bool:
    """The database server went away (restart, pg_terminate_backend, network)."""
    if isinstance(error, pw.InterfaceError) or sqlstate(error) in CONNECTION_LOST_STATES:
        return True
    return any(text in error_text(error) for text in CONNECTION_LOST_TEXT)


def reconnect() -> None:
    """Drop the broken connection; peewee opens a new one on the next statement."""
    db = current_database()
    broken = db.connection() if not db.is_closed() else None
    forget_connection(db)  # even mid-transaction: the server has ended that one
    if broken is not None:
        with contextlib.suppress(Exception):
            broken.close()


def unavailable(error: Exception, url: str | None = None) -> StoreUnavailable:
    """The one place a database failure becomes a message for a person: nothing was
    written, and what to do. With `url`, the store failed to open (what to check)."""
    text = error_text(error)
    if url is None and connection_lost(error):
        return StoreUnavailable(N_(
            "The database cannot be reached. Whether this was posted is not known yet: "
            "try again with the same sale when it is back; it never posts twice."))
    if "readonly" in text.replace(" ", "").replace("-", ""):
        return StoreUnavailable(N_("The database cannot be written (it is read-only); nothing "
                                   "was changed. Check the owner and permissions of the "
                                   "database file and its folder."))
    if url is not None:
        return _not_opened(error, url)
    if connection_lost(error):
        return StoreUnavailable(N_(
            "The database cannot be reached. Whether this was posted is not known yet: "
            "try again with the same sale when it is back; it never posts twice."))
    if any(words in text for words in LOCKED_TEXT):
        return StoreUnavailable(N_("The database is locked by another program; nothing was "
                                   "posted. Try again in a moment."))
    if any(words in text for words in FULL_TEXT):
        return StoreUnavailable(N_("The disk is full; nothing was posted. Call support."))
    return StoreUnavailable()


def _not_opened(error: Exception, url: str) -> StoreUnavailable:
    """The driver's own words as the reason (the first line: drivers add hints in
    English on the next ones), and what to check."""
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    if is_sqlite(url):
        return StoreUnavailable(N_("The database {url} cannot be used: {reason}. Check the file, "
                                   "its folder and their permissions (--db, --home)."),
                                url=safe_url(url)[:120], reason=reason)
    return StoreUnavailable(N_("The database {url} cannot be used: {reason}. Check that it is "
                               "running and reachable, and the URL (--db or KIOSK_DB)."),
                            url=safe_url(url)[:120], reason=reason)


@contextlib.contextmanager
def as_unavailable() -> Iterator[None]:
    """Database errors out of the block become StoreUnavailable with their message."""
    try:
        yield
    except DATABASE_ERRORS as error:
        raise unavailable(error) from None
