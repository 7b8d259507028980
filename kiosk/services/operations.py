"""The one way an operation runs: idempotency, permission, locks, postings, audit.

    perform(session, kind=..., key=..., request=..., run=fn)

opens one transaction; returns the stored result if `key` was used before with the
same request (and refuses it with a different one); otherwise it holds the outlet
open (no close can commit meanwhile), checks the operator may act (read fresh: locked,
deactivated, on a one-time password, the kind's permission), creates the operation
header on the outlet's current business date and lets `run` decide and post.

`run` makes every decision about money itself, on rows it has locked first (the card,
the original it takes back from): a check made before `perform` is only a hint for
the screen. Then the postings are applied, the result stored and the audit event
appended, all committed together or not at all. Serialization failures (PostgreSQL
40001/40P01, CockroachDB's retries) re-run the whole operation under the same key, so
a retry can never post twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields

import peewee as pw

from kiosk.errors import KioskError, N_, StoreUnavailable
from kiosk.services import accounts, audit, kinds, permissions
from kiosk.services.business_date import current_business_date
from kiosk.services.session import Session
from kiosk.store import failures, ledger, models
from kiosk.store import operations as operation_store
from kiosk.store.db import database

log = logging.getLogger("kiosk.operations")

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
    business_date: str = ""
    # The connection to the store was lost during this call and the operation was
    # settled after reconnecting, by its key: `replayed` then says the first attempt had
    # committed (found, not posted again), otherwise it had not and was posted now, once.
    reconnected: bool = False


@dataclass(frozen=True, kw_only=True)
class OperationResult:
    """What every money service returns: the journal number, whether this was a replay
    of an earlier call under the same key, and the receipt queued; each service's
    result adds its own figures."""

    operation_id: int
    replayed: bool = False
    receipt_id: int | None = None
    reconnected: bool = False  # see Outcome: the screen says which way it went

    @classmethod
    def of(cls, outcome: Outcome, **more):
        """The result from what the operation stored (figures a result no longer names,
        stored by older versions, are left out)."""
        names = {item.name for item in dataclass_fields(cls)}
        figures = {name: value for name, value in outcome.data.items() if name in names}
        return cls(operation_id=outcome.operation_id, replayed=outcome.replayed,
                   reconnected=outcome.reconnected, **{**figures, **more})


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
            _change_balance(accounts[account_id], net[account_id], self.operation.kind)
        ledger.insert_entries(self.operation, self.entries)

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


def _change_balance(account: models.Account, delta: int, operation_kind: str = "") -> None:
    """The guard against overdraft: the balance changes only if it stays above its floor,
    checked by the database in the same statement (no read-then-write race). A prepaid
    card's principal has a ceiling too, its limit (services/prepaid.py), checked the
    same way: two terminals can never together pass it."""
    if delta == 0:
        return
    ceiling = None
    if delta > 0 and account.kind == "principal" and account.card_id is not None:
        from kiosk.services import prepaid
        ceiling = prepaid.ceiling_for(account.card_id, operation_kind)
    if not ledger.change_balance(account.id, delta, floor_at_zero=not account.allow_negative,
                                 ceiling=ceiling):
        if ceiling is not None:
            from kiosk.services import prepaid
            raise prepaid.over_limit(account.card_id, ledger.balance_of(account.id), delta,
                                     ceiling)
        raise InsufficientFunds()
    account.balance += delta


def perform(session: Session, *, kind: str, key: str, request: dict,
            run: Callable[[Posting], dict], card: models.Card | None = None,
            amount: int = 0, tender: str = "", reverses: models.Operation | None = None,
            reviewer_id: int | None = None, memo: str = "",
            channel_order_no: str | None = None) -> Outcome:
    if not key or len(key) > 80:
        raise KioskError(N_("Every operation needs an idempotency key of 1-80 characters."))
    fingerprint = request_fingerprint({"kind": kind, **request})
    started = time.perf_counter()
    reconnected = False
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with _forgetting_on_failure(), database.atomic():
                outcome = _perform_once(
                    session, kinds.kind(kind), key, fingerprint, run,
                    dict(card=card, amount=amount, tender=tender, reverses=reverses,
                         reviewer=reviewer_id, memo=memo, channel_order_no=channel_order_no))
            if reconnected:
                outcome = replace(outcome, reconnected=True)
            _log(kind, card, session, ("replayed" if outcome.replayed else "ok")
                 + (" after reconnecting" if reconnected else ""), started)
            return outcome
        except pw.IntegrityError:
            # Two terminals raced with one key: the loser replays the winner's result.
            if stored(key) is None:
                raise
        except failures.DATABASE_ERRORS as error:
            lost = failures.connection_lost(error)
            if (failures.must_retry(error) or lost) and attempt < MAX_ATTEMPTS:
                # The whole operation again, under the same key: if the lost connection
                # had committed it, the retry finds the key and replays the result.
                if lost:
                    reconnected = True
                    failures.reconnect()
                time.sleep(RECONNECT_WAITS[attempt - 1] if lost else 0.01 * attempt)
                continue
            _log(kind, card, session, f"store error: {failures.error_text(error)[:200]}",
                 started)
            raise failures.unavailable(error) from None
        except KioskError as error:
            _log(kind, card, session, f"refused: {error.message_id}", started)
            raise
    raise StoreUnavailable()


@contextlib.contextmanager
def _forgetting_on_failure():
    """A rolled-back transaction may have created rows the caches now remember."""
    try:
        yield
    except BaseException:
        accounts.forget_system_accounts()
        audit.forget_chains()
        raise


def _perform_once(session, kind: kinds.OperationKind, key, fingerprint, run,
                  header) -> Outcome:
    existing = stored(key)
    if existing is not None:
        if existing.request_hash != fingerprint:
            raise IdempotencyConflict()
        return _replayed(existing)
    operation_store.hold_outlet_open(session.actor.outlet_id)
    permissions.ensure_can_act(session, kind.permission)
    _ensure_shift_open(session, kind)
    operation = models.Operation(
        kind=kind.name, idempotency_key=key, request_hash=fingerprint,
        outlet=session.actor.outlet_id, terminal=session.actor.terminal_id,
        operator=session.actor.operator_id, shift=session.actor.shift_id,
        created_at=session.now(), business_date=current_business_date(session), **header)
    operation_store.insert(operation)
    posting = Posting(operation)
    data = run(posting)
    posting.apply()
    operation.result = audit.canonical_json(data)
    operation_store.store_result(operation)
    audit.append(session, kind.name, subject=_subject(operation), operation=operation,
                 details={"amount": operation.amount, "entries": posting.digest(),
                          "reverses": operation.reverses_id,
                          "reviewer": operation.reviewer_id,
                          "header": header_digest(operation)})
    # Never happens while the outlet is held open; kept as the last word on closes.
    if operation_store.is_closed(operation.outlet_id, operation.business_date):
        raise ClosedDate(date=operation.business_date.isoformat())
    return Outcome(operation.id, data, business_date=operation.business_date.isoformat())


def _ensure_shift_open(session, kind: kinds.OperationKind) -> None:
    """Nothing posts into a closed shift (its report is final): the operator logs in
    again and a new shift opens."""
    shift_id = session.actor.shift_id
    if shift_id is not None and kind.name != "shift_close" and \
            not operation_store.hold_shift_open(shift_id):
        raise ShiftClosed(number=shift_id)


class ShiftClosed(KioskError):
    default_message = N_("Your shift #{number} is closed: log out (F10) and log in again "
                         "to open a new one.")


def _replayed(existing: operation_store.Stored) -> Outcome:
    data = json.loads(existing.result)
    return Outcome(existing.operation_id, data, replayed=True,
                   business_date=data.get("business_date", ""))


HEADER_FIELDS = ("kind", "idempotency_key", "request_hash", "outlet", "terminal", "operator",
                 "shift", "reviewer", "card", "amount", "tender", "reverses",
                 "business_date", "channel_order_no", "memo", "result")


def header_digest(operation: models.Operation) -> str:
    """What the audit event records of the operation's own row, so an edited amount,
    result or original is caught (`kiosk verify`)."""
    values = {name: getattr(operation, f"{name}_id", None)
              if name in _FOREIGN_KEYS else getattr(operation, name) for name in HEADER_FIELDS}
    values["business_date"] = str(values["business_date"])[:10]
    values["created_at"] = operation.created_at.isoformat(timespec="microseconds")
    return hashlib.sha256(audit.canonical_json(values).encode("utf-8")).hexdigest()


_FOREIGN_KEYS = {"outlet", "terminal", "operator", "shift", "reviewer", "card", "reverses"}


def stored(key: str) -> operation_store.Stored | None:
    """The operation committed under `key`, if there is one."""
    return operation_store.by_key(key)


def committed(key: str, kind: str) -> Outcome | None:
    """What was committed under `key` (a replay of its stored result), or None if
    nothing was: how a terminal learns, once the store answers again, whether an
    operation whose commit it never heard back about went through. Callers check the
    operator's right first (see charge.posted)."""
    with failures.as_unavailable():
        existing = stored(key)
    if existing is None or existing.kind != kind:
        return None
    return _replayed(existing)


def _subject(operation: models.Operation) -> str:
    return f"card:{operation.card.number}" if operation.card_id else ""


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
