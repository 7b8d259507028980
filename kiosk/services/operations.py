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

from kiosk.errors import KioskError, N_, StoreUnavailable
from kiosk.services import accounts, audit, kinds, permissions
from kiosk.services.business_date import open_business_date
from kiosk.services.session import Session
from kiosk.store import failures, ledger, models
from kiosk.store import operations as operation_store
from kiosk.store import settings as settings_store
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
        """The journal rows and the balances they change, in one round trip: every
        account locked in id order (two terminals never wait on each other in a
        circle), each balance changed only within its floor and ceiling."""
        self._check_balanced()
        net: dict[int, int] = defaultdict(int)
        accounts = {}
        for account, amount in self.entries:
            net[account.id] += amount
            accounts[account.id] = account
        changes = [_balance_change(accounts[account_id], delta, self.operation.kind)
                   for account_id, delta in net.items() if delta]
        posted = ledger.post(self.operation, self.entries, changes)
        if posted.refused:
            change = min((change for change in changes if change.account_id in posted.refused),
                         key=lambda change: change.account_id)
            raise _refusal(accounts[change.account_id], change)
        if posted.date_closed:  # never while the outlet is held open; the last word anyway
            raise ClosedDate(date=self.operation.business_date.isoformat())
        for change in changes:
            accounts[change.account_id].balance += change.delta

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


def _balance_change(account: models.Account, delta: int, operation_kind: str
                    ) -> ledger.BalanceChange:
    """The guard against overdraft: a card account's balance changes only if it stays
    at zero or above, checked by the database in the same statement (no
    read-then-write race). A prepaid card's principal has a ceiling too, its limit
    (services/prepaid.py), checked the same way: two terminals can never together pass
    it."""
    floor = 0 if delta < 0 and not account.allow_negative else None
    ceiling = None
    if delta > 0 and account.kind == "principal" and account.card_id is not None:
        from kiosk.services import prepaid
        ceiling = prepaid.ceiling_for(account.card_id, operation_kind)
    return ledger.BalanceChange(account.id, delta, floor, ceiling)


def _refusal(account: models.Account, change: ledger.BalanceChange) -> KioskError:
    if change.ceiling is not None:
        from kiosk.services import prepaid
        return prepaid.over_limit(account.card_id, ledger.balance_of(account.id),
                                  change.delta, change.ceiling)
    return InsufficientFunds()


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
            # Its own transaction (not a part of a caller's): its last writes go with the
            # commit.
            alone = not database.in_transaction()
            with _forgetting_on_failure(), database.atomic():
                outcome = _perform_once(
                    session, kinds.kind(kind), key, fingerprint, run,
                    dict(card=card, amount=amount, tender=tender, reverses=reverses,
                         reviewer=reviewer_id, memo=memo, channel_order_no=channel_order_no),
                    alone)
            if reconnected:
                outcome = replace(outcome, reconnected=True)
            _log(kind, card, session, ("replayed" if outcome.replayed else "ok")
                 + (" after reconnecting" if reconnected else ""), started)
            return outcome
        except failures.CONSTRAINT_BROKEN:
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
                  header, alone: bool) -> Outcome:
    actor = session.actor
    # A shift's own close posts into it as it closes it.
    shift_id = actor.shift_id if kind.name != "shift_close" else None
    chain = audit.chain_of(session)
    opening = operation_store.open_operation(
        actor.outlet_id, key, operator_id=actor.operator_id, permission=kind.permission,
        shift_id=shift_id, audit_chain=chain)
    appended = audit.appended_so_far(chain)
    if opening.stored is not None:
        if opening.stored.request_hash != fingerprint:
            raise IdempotencyConflict()
        return _replayed(opening.stored)
    if actor.operator_id is not None:
        permissions.ensure_standing(opening.standing, kind.permission)
    if not opening.shift_open:
        # Nothing posts into a closed shift (its report is final): the operator logs in
        # again and a new shift opens.
        raise ShiftClosed(number=shift_id)
    if actor.operator_id is not None and actor.shift_id is None and _by_till_tender(header):
        raise NoCashShift()
    operation = operation_store.new_operation(
        kind=kind.name, idempotency_key=key, request_hash=fingerprint,
        outlet=actor.outlet_id, terminal=actor.terminal_id,
        operator=actor.operator_id, shift=actor.shift_id, created_at=session.now(),
        business_date=open_business_date(session, opening.calendar),
        **header)
    operation_store.insert(operation)
    posting = Posting(operation)
    data = run(posting)
    posting.apply()
    operation.result = audit.canonical_json(data)
    event = audit.next_event(
        session, kind.name, subject=_subject(operation), operation=operation,
        details={"amount": operation.amount, "entries": posting.digest(),
                 "reverses": operation.reverses_id, "reviewer": operation.reviewer_id,
                 "header": header_digest(operation)},
        head=opening.audit_head if audit.appended_so_far(chain) == appended else None)
    operation_store.finish(operation, audit.writes(session, event), with_commit=alone)
    return Outcome(operation.id, data, business_date=operation.business_date.isoformat())


def _by_till_tender(header: dict) -> bool:
    """Whether the operation takes or gives back money by one of the till's tenders
    (cash, bank card ...), which a cash shift counts (a cheque, a card, nothing: no)."""
    tender = header.get("tender")
    return bool(tender and header.get("amount")) and settings_store.tender(tender) is not None


class NoCashShift(KioskError):
    default_message = N_("Your role opens no cash shift (finance, administration): money "
                         "is taken and given back at the till by a cashier or clerk, whose "
                         "shift report counts it.")


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
