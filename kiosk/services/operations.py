"""The one way an operation runs: permission, idempotency, atomic postings, audit.

    perform(session, kind=..., key=..., request=..., permission=..., run=fn)

opens one transaction; returns the stored result if `key` was used before with the
same request (and refuses it with a different one); otherwise creates the operation
header, lets `run` post its entries through a Posting, stores the result and appends
the audit event, all committed together or not at all. Serialization failures
(PostgreSQL 40001/40P01, CockroachDB's retries) re-run the whole operation under the
same key, so a retry can never post twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import peewee as pw

from kiosk.errors import KioskError, N_, StoreUnavailable
from kiosk.services import accounts, audit, directory, permissions
from kiosk.services.business_date import business_date
from kiosk.services.session import Session
from kiosk.store import models, sql
from kiosk.store.db import database

log = logging.getLogger("kiosk.operations")

SERIALIZATION_FAILURES = {"40001", "40P01"}
MAX_ATTEMPTS = 6
# A restarting database server needs seconds, a serialization retry milliseconds.
RECONNECT_WAITS = (0.2, 0.5, 1.0, 2.0, 3.0)


class IdempotencyConflict(KioskError):
    default_message = N_("This request was already made with different details; "
                         "start a new sale.")


class InsufficientFunds(KioskError):
    default_message = N_("Not enough balance on the card.")


class ClosedDate(KioskError):
    default_message = N_("Business date {date} is closed; post into the open date.")


@dataclass(frozen=True)
class Outcome:
    operation_id: int
    data: dict
    replayed: bool = False


def request_fingerprint(request: dict) -> str:
    return hashlib.sha256(audit.canonical_json(request).encode("utf-8")).hexdigest()


@dataclass
class Posting:
    """Collects an operation's entries and applies them with conditional updates."""

    operation: models.Operation
    entries: list[tuple[models.Account, int]] = field(default_factory=list)

    def move(self, source: models.Account, target: models.Account, amount: int) -> None:
        """Move `amount` from source to target (two balanced entries)."""
        if amount < 0:
            raise ValueError("a move is never negative; swap source and target")
        if amount == 0:
            return
        if source.unit != target.unit:
            raise ValueError(f"cannot move between {source.unit} and {target.unit}")
        self.entries.append((source, -amount))
        self.entries.append((target, amount))

    def apply(self) -> None:
        self._check_balanced()
        net: dict[int, int] = defaultdict(int)
        accounts = {}
        for account, amount in self.entries:
            net[account.id] += amount
            accounts[account.id] = account
        # A fixed order (by id) so that two terminals never wait on each other in a circle.
        for account_id in sorted(net):
            _change_balance(accounts[account_id], net[account_id])
        sql.insert_rows(models.JournalEntry, [
            {"operation": self.operation.id, "account": account.id, "amount": amount,
             "business_date": self.operation.business_date}
            for account, amount in self.entries])

    def _check_balanced(self) -> None:
        per_unit: dict[str, int] = defaultdict(int)
        for account, amount in self.entries:
            per_unit[account.unit] += amount
        if any(per_unit.values()):
            raise AssertionError(f"unbalanced operation {self.operation.kind}: {dict(per_unit)}")

    def digest(self) -> str:
        """What the audit event records of the entries, so a changed row is caught."""
        return entries_digest((account.id, amount) for account, amount in self.entries)


def entries_digest(pairs) -> str:
    text = ";".join(f"{account_id}:{amount}" for account_id, amount in sorted(pairs))
    return hashlib.sha256(text.encode()).hexdigest()


ADD_TO_BALANCE = sql.Statement('UPDATE "account" SET "balance" = "balance" + ? WHERE "id" = ?')
_TAKE_FROM_BALANCE = sql.Statement(
    'UPDATE "account" SET "balance" = "balance" + ? WHERE "id" = ? AND "balance" >= ?')


def _change_balance(account: models.Account, delta: int) -> None:
    """The guard against overdraft: the balance changes only if it stays above its floor,
    checked by the database in the same statement (no read-then-write race)."""
    if delta == 0:
        return
    if delta < 0 and not account.allow_negative:
        changed = _TAKE_FROM_BALANCE.changed(delta, account.id, -delta)
    else:
        changed = ADD_TO_BALANCE.changed(delta, account.id)
    if changed != 1:
        raise InsufficientFunds()
    account.balance += delta


def perform(session: Session, *, kind: str, key: str, request: dict, permission: str,
            run: Callable[[Posting], dict], card: models.Card | None = None,
            amount: int = 0, tender: str = "", reverses: models.Operation | None = None,
            reviewer_id: int | None = None, memo: str = "",
            channel_order_no: str | None = None) -> Outcome:
    if not key or len(key) > 80:
        raise KioskError(N_("Every operation needs an idempotency key of 1-80 characters."))
    fingerprint = request_fingerprint({"kind": kind, **request})
    started = time.perf_counter()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with _forgetting_on_failure(), database.atomic():
                outcome = _perform_once(
                    session, kind, key, fingerprint, permission, run,
                    dict(card=card, amount=amount, tender=tender, reverses=reverses,
                         reviewer=reviewer_id, memo=memo, channel_order_no=channel_order_no))
            _log(kind, card, session, "replayed" if outcome.replayed else "ok", started)
            return outcome
        except pw.IntegrityError:
            # Two terminals raced with one key: the loser replays the winner's result.
            if stored(key) is None:
                raise
        except (pw.OperationalError, pw.InternalError, pw.InterfaceError) as error:
            lost = connection_lost(error)
            retry = _sqlstate(error) in SERIALIZATION_FAILURES or lost
            if retry and attempt < MAX_ATTEMPTS:
                # The whole operation again, under the same key: if the lost connection
                # had committed it, the retry finds the key and replays the result.
                if lost:
                    reconnect()
                time.sleep(RECONNECT_WAITS[attempt - 1] if lost else 0.01 * attempt)
                continue
            _log(kind, card, session, f"store error: {type(error).__name__}", started)
            if lost:
                raise StoreUnavailable(N_(
                    "The database cannot be reached. Whether this was posted is not known "
                    "yet: try again with the same sale when it is back; it never posts "
                    "twice.")) from None
            raise _store_error(error) from None
        except KioskError as error:
            _log(kind, card, session, f"refused: {error.message_id}", started)
            raise
    raise StoreUnavailable()


@contextlib.contextmanager
def _forgetting_on_failure():
    """A rolled-back transaction may have created accounts the cache now remembers."""
    try:
        yield
    except BaseException:
        accounts.forget_system_accounts()
        raise


def _perform_once(session, kind, key, fingerprint, permission, run, header) -> Outcome:
    existing = stored(key)
    if existing is not None:
        if existing.request_hash != fingerprint:
            raise IdempotencyConflict()
        return Outcome(existing.operation_id, json.loads(existing.result), replayed=True)
    permissions.require(session, permission)
    operation = models.Operation(
        kind=kind, idempotency_key=key, request_hash=fingerprint,
        outlet=session.actor.outlet_id, terminal=session.actor.terminal_id,
        operator=session.actor.operator_id, shift=session.actor.shift_id,
        created_at=session.now(),
        business_date=current_business_date(session), **header)
    sql.insert(operation)
    posting = Posting(operation)
    data = run(posting)
    posting.apply()
    operation.result = audit.canonical_json(data)
    _STORE_RESULT.execute(operation.card_id, operation.amount, operation.memo,
                          operation.result, operation.id)
    audit.append(session, kind, subject=_subject(operation), operation=operation,
                 details={"amount": operation.amount, "entries": posting.digest(),
                          "reverses": operation.reverses_id,
                          "reviewer": operation.reviewer_id})
    # The audit head lock orders this operation after any daily close that committed
    # first; one that closed our date meanwhile refuses us (and we roll back).
    if is_closed(operation.outlet_id, operation.business_date):
        raise ClosedDate(date=operation.business_date.isoformat())
    return Outcome(operation.id, data)


@dataclass(frozen=True)
class Stored:
    """What an operation committed under an idempotency key left behind."""

    operation_id: int
    request_hash: str
    result: str  # JSON


_BY_KEY = sql.Statement(
    'SELECT "id", "request_hash", "result" FROM "operation" WHERE "idempotency_key" = ?')
_STORE_RESULT = sql.Statement(
    'UPDATE "operation" SET "card_id" = ?, "amount" = ?, "memo" = ?, "result" = ? '
    'WHERE "id" = ?')


def stored(key: str) -> Stored | None:
    """The operation committed under `key`, if there is one."""
    row = _BY_KEY.first(key)
    return Stored(*row) if row else None


def _subject(operation: models.Operation) -> str:
    return f"card:{operation.card.number}" if operation.card_id else ""


_LAST_CLOSED = sql.Statement(
    'SELECT MAX("business_date") FROM "day_close" WHERE "outlet_id" = ?')
_CLOSED = sql.Statement(
    'SELECT 1 FROM "day_close" WHERE "outlet_id" = ? AND "business_date" = ?')


def current_business_date(session: Session) -> dt.date:
    """The outlet's business date now; after a daily close, the next open date (so
    nothing is ever posted into a closed date)."""
    info = directory.actor_info(session.actor)
    day = business_date(session.now(), info.time_zone, info.day_boundary)
    last_closed = _LAST_CLOSED.first(session.actor.outlet_id)[0]
    if last_closed is not None:  # a date (PostgreSQL) or its ISO text (SQLite)
        last_closed = dt.date.fromisoformat(str(last_closed)[:10])
        if day <= last_closed:
            day = last_closed + dt.timedelta(days=1)
    return day


def is_closed(outlet_id: int, day: dt.date) -> bool:
    return _CLOSED.first(outlet_id, models.DayClose.business_date.db_value(day)) is not None


CONNECTION_LOST_STATES = {"57P01", "57P02", "57P03", "08000", "08003", "08006"}
CONNECTION_LOST_TEXT = ("server closed the connection", "connection already closed",
                        "terminating connection", "could not connect", "connection refused",
                        "ssl connection has been closed", "no connection to the server")


def connection_lost(error: Exception) -> bool:
    """The database server went away (restart, pg_terminate_backend, network)."""
    if isinstance(error, pw.InterfaceError) or _sqlstate(error) in CONNECTION_LOST_STATES:
        return True
    return any(text in _error_text(error) for text in CONNECTION_LOST_TEXT)


def _error_text(error: Exception) -> str:
    """The driver's message, whether peewee wrapped the driver's exception or not."""
    parts = [str(error), str(getattr(error, "orig", "") or "")]
    parts += [str(argument) for argument in error.args]
    return " ".join(parts).lower()


def reconnect() -> None:
    """Drop the broken connection; peewee opens a new one on the next statement."""
    broken = database.obj.connection() if not database.obj.is_closed() else None
    database.obj.dispose()  # forget it, even mid-transaction: the server already has
    if broken is not None:
        with contextlib.suppress(Exception):
            broken.close()


def _sqlstate(error: Exception) -> str | None:
    original = getattr(error, "orig", None) or (error.args[0] if error.args else None)
    return getattr(original, "pgcode", None) or getattr(original, "sqlstate", None)


def _store_error(error: Exception) -> StoreUnavailable:
    text = _error_text(error)
    if "locked" in text or "busy" in text:
        return StoreUnavailable(N_("The database is locked by another program; nothing was "
                                   "posted. Try again in a moment."))
    if "disk" in text or "full" in text:
        return StoreUnavailable(N_("The disk is full; nothing was posted. Call support."))
    return StoreUnavailable()


def _log(kind, card, session, outcome, started) -> None:
    masked = mask_card_number(card.number) if card is not None else "-"
    log.info("op=%s card=%s operator=%s terminal=%s outcome=%s ms=%.1f", kind, masked,
             session.actor.operator_id or "system", session.actor.terminal_id or "-", outcome,
             (time.perf_counter() - started) * 1000)


def mask_card_number(number: str) -> str:
    """6 + 4, as receipts and logs show it: 622848******1234."""
    if len(number) <= 10:
        return number[:2] + "*" * max(len(number) - 4, 0) + number[-2:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
