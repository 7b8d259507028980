"""Append-only audit events in keyed hash chains, one chain per terminal.

Each event's hash is an HMAC (keyed by a secret derived from the pepper, kept outside
the database) over the previous hash and the event's canonical content, so editing,
deleting or reordering an event breaks its chain, and nobody holding only the
database file can compute a chain anew. Each chain's head carries a keyed seal too,
so the last events cannot be cut off by moving the head back. A terminal appends
only to its own chain: terminals never wait on each other's audit. The chains are
anchored together at every daily close (the heads go into the close's own event)
and in every export manifest.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from kiosk.errors import KioskError, N_
from kiosk.services import caches, directory
from kiosk.services.business_date import business_date, current_business_date
from kiosk.services.secrets import Sealer
from kiosk.services.session import Session
from kiosk.store import audit as audit_store
from kiosk.store import models, outlets, settings
from kiosk.store.db import database, store_key

GENESIS_HASH = "0" * 64
FORMAT_KEY = "audit_format"
KEYED_FORMAT = "2"
LEGACY_CHAIN = "store"  # the one chain of schema versions 1-6, keyed at `kiosk init`


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def chain_fields(*, chain: str, seq: int, at: str, action: str, outlet: str, terminal: str,
                 operator: str, subject: str, operation: int | None, details: str,
                 business_date: str | None) -> dict:
    """What an event's hash covers: the one definition, used to write the chains, to
    verify them (`kiosk verify`, `kiosk verify-export`) and by the bench's generator.
    `at` is the ISO time with microseconds; `details` the canonical JSON text."""
    return {"chain": chain, "seq": seq, "at": at, "action": action, "outlet": outlet,
            "terminal": terminal, "operator": operator, "subject": subject,
            "operation": operation, "details": details, "business_date": business_date}


def event_hash(sealer: Sealer, prev_hash: str, fields: dict) -> str:
    return sealer.seal("audit", prev_hash + canonical_json(fields))


def head_seal(sealer: Sealer, chain: str, seq: int, hash_: str) -> str:
    return sealer.seal("audit", f"head|{chain}|{seq}|{hash_}")


def hashed_fields(event: models.AuditEvent, chain: str) -> dict:
    return chain_fields(
        chain=chain, seq=event.seq, at=event.at.isoformat(timespec="microseconds"),
        action=event.action, outlet=event.outlet_code, terminal=event.terminal_code,
        operator=event.operator_login, subject=event.subject, operation=event.operation_id,
        details=event.details,
        business_date=event.business_date.isoformat() if event.business_date else None)


# Chain ids never change once made (caches.StoreCaches.audit_chains); one made inside a
# transaction that rolls back would be remembered wrongly, so operations call
# forget_chains() when one fails.
def forget_chains() -> None:
    caches.of_open_store().audit_chains.forget()


def chain_name(session: Session) -> str:
    info = directory.actor_info(session.actor)
    return f"{info.outlet_code}/{info.terminal_code}" if info.terminal_code \
        else info.outlet_code


def _chain_id(session: Session, name: str) -> int:
    return caches.of_open_store().audit_chains.get(name, lambda: audit_store.chain_id(
        name, session.actor.outlet_id, GENESIS_HASH,
        head_seal(session.runtime.sealer, name, 0, GENESIS_HASH)))


def append(session: Session, action: str, *, subject: str = "",
           operation: models.Operation | None = None, details: dict | None = None
           ) -> models.AuditEvent:
    """Add one event to the actor's chain: inside an operation's transaction (which locked
    the chain's head when it opened) or inside `transaction(session)`; alone, in a
    transaction of its own."""
    # Inside an operation: part of its transaction. Alone: a transaction of its own.
    with (contextlib.nullcontext() if database.in_transaction() else database.atomic()):
        event = next_event(session, action, subject=subject, operation=operation,
                           details=details)
        audit_store.add_event(event, _seal(session, event))
        _appended[(store_key(), event.chain_id)] += 1
    return event


def chain_of(session: Session) -> int:
    """The actor's chain (made on first use): an operation locks its head first thing."""
    return _chain_id(session, chain_name(session))


@contextlib.contextmanager
def transaction(session: Session):
    """A transaction of its own that appends to the actor's audit chain: the chain's head
    is locked first, as an operation locks it when it opens (services/operations.py),
    before any row the transaction locks or changes. Locked after them, two transactions
    taking the same locks in the opposite order would deadlock (a card's wrong PIN
    against a charge on the same card at the same terminal)."""
    with database.atomic():
        audit_store.lock_head(chain_of(session))
        yield


# Events this process appended, by chain. An operation reads its chain's head when it
# opens and appends its own event last: if anything was appended to the chain since (a
# prepaid sale records its own event inside a recharge), it reads the head again.
_appended: collections.Counter = collections.Counter()


def appended_so_far(chain: int) -> int:
    return _appended[(store_key(), chain)]


def next_event(session: Session, action: str, *, subject: str = "",
               operation: models.Operation | None = None, details: dict | None = None,
               head: tuple[int, str] | None = None) -> models.AuditEvent:
    """The actor's chain's next event, its head locked until the transaction ends (call
    inside one; `head`: its (seq, hash), if already read and locked in it); `writes`
    gives what adds it, to be run in the same transaction."""
    info = directory.actor_info(session.actor)
    name = chain_name(session)
    day = operation.business_date if operation is not None \
        else current_business_date(session)
    chain = _chain_id(session, name)
    head_seq, head_hash = head or audit_store.lock_head(chain)
    event = audit_store.new_event(
        chain=chain, seq=head_seq + 1, at=session.now(), action=action, subject=subject,
        operation=operation, details=canonical_json(details or {}), business_date=day,
        prev_hash=head_hash, outlet_code=info.outlet_code,
        terminal_code=info.terminal_code, operator_login=info.operator_login)
    event.hash = event_hash(session.runtime.sealer, head_hash, hashed_fields(event, name))
    return event


def writes(session: Session, event: models.AuditEvent) -> list:
    """The store's statements that add `event` (from next_event) and move its chain's
    head to it, sealed: an operation sends them with its own last writes."""
    return audit_store.event_writes(event, _seal(session, event))


def _seal(session: Session, event: models.AuditEvent) -> str:
    """The chain head's seal once it is at `event`."""
    return head_seal(session.runtime.sealer, chain_name(session), event.seq, event.hash)


def heads(outlet_id: int) -> dict[str, list]:
    """Every chain of the outlet as {name: [seq, hash]}: what a daily close anchors."""
    return {chain.name: [chain.seq, chain.hash] for chain in audit_store.chains(outlet_id)}


@dataclass(frozen=True)
class ChainBreak:
    chain: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"audit chain {self.chain} event {self.seq}: {self.reason}"


def check_chains(sealer: Sealer) -> Iterator[ChainBreak]:
    """Walk every chain in order; yield every place it does not hold."""
    for chain in audit_store.chains():
        yield from _check_chain(sealer, chain)
    for event in audit_store.unchained_events():
        yield ChainBreak("-", event.seq, "is in no chain (run kiosk init to key old events)")
        break
    yield from _check_anchors()


def _check_chain(sealer: Sealer, chain: models.AuditChain) -> Iterator[ChainBreak]:
    expected_prev, expected_seq = GENESIS_HASH, 1
    for event in audit_store.events_of(chain.id):
        if event.seq != expected_seq:
            yield ChainBreak(chain.name, event.seq, f"expected event {expected_seq} here")
        if event.prev_hash != expected_prev:
            yield ChainBreak(chain.name, event.seq, "does not link to the event before it")
        if event_hash(sealer, event.prev_hash, hashed_fields(event, chain.name)) != event.hash:
            yield ChainBreak(chain.name, event.seq, "content does not match its hash (keyed)")
        expected_prev, expected_seq = event.hash, event.seq + 1
    if chain.seq != expected_seq - 1 or chain.hash != expected_prev:
        yield ChainBreak(chain.name, chain.seq, "the chain head does not match its last event")
    elif not sealer.matches("audit", f"head|{chain.name}|{chain.seq}|{chain.hash}",
                            chain.seal):
        yield ChainBreak(chain.name, chain.seq, "the chain head's seal is wrong (events cut "
                                                "off the end?)")


def _check_anchors() -> Iterator[ChainBreak]:
    """Each daily close recorded every chain head of its outlet: those events must
    still be there, unchanged."""
    ids = {chain.name: chain.id for chain in audit_store.chains()}
    for close in audit_store.events_with_action("day.close"):
        for name, (seq, hash_) in json.loads(close.details).get("anchors", {}).items():
            if seq and audit_store.event_hash_at(ids.get(name, -1), seq) != hash_:
                yield ChainBreak(name, seq, f"differs from what the close of "
                                            f"{close.subject} anchored")


class ChainUnusable(KioskError):
    default_message = N_("The audit log is broken at event {seq} ({reason}); the store "
                         "cannot be upgraded until support has looked at it.")


def adopt_unkeyed_events(sealer: Sealer) -> int:
    """`kiosk init` on a store from before keyed chains: check the old single chain
    (plain SHA-256) and carry its events, in order, into one keyed chain. Refused if
    the old chain is broken: keying it would launder the tampering. Returns how many
    events were adopted."""
    if settings.fact(FORMAT_KEY) == KEYED_FORMAT:
        return 0
    with database.atomic():
        events = list(audit_store.unchained_events())
        _check_legacy(events)
        chain = audit_store.chain_id(LEGACY_CHAIN, None, GENESIS_HASH,
                                     head_seal(sealer, LEGACY_CHAIN, 0, GENESIS_HASH))
        prev, by_code = GENESIS_HASH, {o.code: o for o in outlets.every_outlet()}
        for event in events:
            outlet = by_code.get(event.outlet_code)
            event.business_date = outlet and business_date(event.at, outlet.time_zone,
                                                           outlet.day_boundary)
            new_hash = event_hash(sealer, prev, hashed_fields(event, LEGACY_CHAIN))
            audit_store.adopt(event.id, chain, prev, new_hash, event.business_date)
            prev = new_hash
        if events:
            audit_store.move_head(chain, events[-1].seq, prev,
                                  head_seal(sealer, LEGACY_CHAIN, events[-1].seq, prev))
        settings.set_fact(FORMAT_KEY, KEYED_FORMAT)
    return len(events)


def _check_legacy(events: list[models.AuditEvent]) -> None:
    prev = GENESIS_HASH
    for expected_seq, event in enumerate(events, 1):
        if event.seq != expected_seq or event.prev_hash != prev:
            raise ChainUnusable(seq=event.seq, reason="a gap or a break in the links")
        if _legacy_hash(event) != event.hash:
            raise ChainUnusable(seq=event.seq, reason="content does not match its hash")
        prev = event.hash
    head = audit_store.legacy_head()
    if events and head is not None and head != (events[-1].seq, prev):
        raise ChainUnusable(seq=head[0], reason="the head does not match the last event")


def _legacy_hash(event: models.AuditEvent) -> str:
    fields = {"seq": event.seq, "at": event.at.isoformat(timespec="microseconds"),
              "action": event.action, "outlet": event.outlet_code,
              "terminal": event.terminal_code, "operator": event.operator_login,
              "subject": event.subject, "operation": event.operation_id,
              "details": event.details}
    return hashlib.sha256((event.prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()

