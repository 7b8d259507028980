"""Append-only audit events in a hash chain.

Each event's hash covers the previous hash and the event's canonical content, so
editing, deleting or reordering any event breaks the chain from there on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

from kiosk.services import directory
from kiosk.services.session import Session
from kiosk.store import models, sql
from kiosk.store.db import database

GENESIS_HASH = "0" * 64


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def event_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + canonical_json(fields)).encode("utf-8")).hexdigest()


def chain_fields(*, seq: int, at: str, action: str, outlet: str, terminal: str,
                 operator: str, subject: str, operation: int | None, details: str) -> dict:
    """What an event's hash covers: the one definition, used to write the chain, to
    verify it (`kiosk verify`, `kiosk verify-export`) and by the bench's generator.
    `at` is the ISO time with microseconds; `details` the canonical JSON text."""
    return {"seq": seq, "at": at, "action": action, "outlet": outlet, "terminal": terminal,
            "operator": operator, "subject": subject, "operation": operation,
            "details": details}


def hashed_fields(event: models.AuditEvent) -> dict:
    return chain_fields(seq=event.seq, at=event.at.isoformat(timespec="microseconds"),
                        action=event.action, outlet=event.outlet_code,
                        terminal=event.terminal_code, operator=event.operator_login,
                        subject=event.subject, operation=event.operation_id,
                        details=event.details)


_HEAD = sql.Statement('SELECT "seq", "hash" FROM "audit_head" WHERE "id" = 1', lock=True)
_MOVE_HEAD = sql.Statement('UPDATE "audit_head" SET "seq" = ?, "hash" = ? WHERE "id" = 1')


def append(session: Session, action: str, *, subject: str = "",
           operation: models.Operation | None = None, details: dict | None = None
           ) -> models.AuditEvent:
    """Add one event; call inside the operation's transaction, as late as possible,
    because it takes the chain head's lock until the commit."""
    names = _actor_names(session)
    # Inside an operation: part of its transaction. Alone: a transaction of its own.
    with (contextlib.nullcontext() if database.in_transaction() else database.atomic()):
        head_seq, head_hash = _HEAD.first()
        event = models.AuditEvent(
            seq=head_seq + 1, at=session.now(), action=action, subject=subject,
            operation=operation, details=canonical_json(details or {}), prev_hash=head_hash,
            **names)
        event.hash = event_hash(head_hash, hashed_fields(event))
        sql.insert(event)
        _MOVE_HEAD.execute(event.seq, event.hash)
    return event


def _actor_names(session: Session) -> dict:
    info = directory.actor_info(session.actor)
    return {"outlet_code": info.outlet_code, "terminal_code": info.terminal_code,
            "operator_login": info.operator_login}


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def check_chain(batch_size: int = 5000) -> Iterator[ChainBreak]:
    """Walk the chain in order; yield every place it does not hold."""
    expected_prev, expected_seq = GENESIS_HASH, 1
    for event in models.AuditEvent.select().order_by(models.AuditEvent.seq).iterator():
        if event.seq != expected_seq:
            yield ChainBreak(event.seq, f"expected event {expected_seq}, found {event.seq}")
        if event.prev_hash != expected_prev:
            yield ChainBreak(event.seq, "does not link to the event before it")
        if event_hash(event.prev_hash, hashed_fields(event)) != event.hash:
            yield ChainBreak(event.seq, "content does not match its hash")
        expected_prev, expected_seq = event.hash, event.seq + 1
    head = models.AuditHead.get_or_none(models.AuditHead.id == 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != expected_prev):
        yield ChainBreak(head.seq, "the chain head does not match the last event")


def chain_head() -> tuple[int, str]:
    head = models.AuditHead.get_by_id(1)
    return head.seq, head.hash
