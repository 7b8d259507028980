"""The audit log's rows: chains (one per terminal, or per outlet off a terminal), their
heads, and the append-only events."""

from __future__ import annotations

from collections.abc import Iterator

from kiosk.store import models, sql

_CREATE_CHAIN = sql.Statement(
    'INSERT INTO "audit_chain" ("name", "outlet_id", "seq", "hash", "seal") '
    'VALUES (?, ?, 0, ?, ?) ON CONFLICT ("name") DO NOTHING')
_CHAIN_ID = sql.Statement('SELECT "id" FROM "audit_chain" WHERE "name" = ?')


def chain_id(name: str, outlet_id: int | None, genesis_hash: str, genesis_seal: str) -> int:
    """The chain's id, created (empty, sealed) on first use."""
    row = _CHAIN_ID.first(name)
    if row is None:
        _CREATE_CHAIN.execute(name, outlet_id, genesis_hash, genesis_seal)
        row = _CHAIN_ID.first(name)
    return row[0]


_HEAD = sql.Statement('SELECT "seq", "hash" FROM "audit_chain" WHERE "id" = ?', lock=True)
_MOVE_HEAD = sql.Statement(
    'UPDATE "audit_chain" SET "seq" = ?, "hash" = ?, "seal" = ? WHERE "id" = ?')


def lock_head(chain: int) -> tuple[int, str]:
    """The chain's last (seq, hash), locked until the transaction ends."""
    return _HEAD.first(chain)


def move_head(chain: int, seq: int, hash_: str, seal: str) -> None:
    _MOVE_HEAD.execute(seq, hash_, seal, chain)


def new_event(**values) -> models.AuditEvent:
    """An event not written yet: its hash is made from its fields first."""
    return models.AuditEvent(**values)


def add_event(event: models.AuditEvent, seal: str) -> None:
    """`event` added to its chain and the head moved to it (one round trip)."""
    sql.together(*event_writes(event, seal))


def event_writes(event: models.AuditEvent, seal: str) -> list[tuple[sql.Statement, tuple]]:
    """The statements that add `event` to its chain and move the chain's head to it,
    to run `sql.together` with other writes of the transaction (one round trip)."""
    return [sql.row_insert(event), (_MOVE_HEAD, (event.seq, event.hash, seal, event.chain_id))]


def chains(outlet_id: int | None = None) -> list[models.AuditChain]:
    query = models.AuditChain.select().order_by(models.AuditChain.name)
    if outlet_id is not None:
        query = query.where(models.AuditChain.outlet == outlet_id)
    return list(query)


def events_of(chain: int) -> Iterator[models.AuditEvent]:
    return (models.AuditEvent.select().where(models.AuditEvent.chain == chain)
            .order_by(models.AuditEvent.seq).iterator())


def event_hash_at(chain: int, seq: int) -> str | None:
    event = (models.AuditEvent.select(models.AuditEvent.hash)
             .where(models.AuditEvent.chain == chain, models.AuditEvent.seq == seq).first())
    return event.hash if event else None


def unchained_events() -> Iterator[models.AuditEvent]:
    """Events written before chains were keyed (schema versions 1-6), in order."""
    return (models.AuditEvent.select().where(models.AuditEvent.chain.is_null())
            .order_by(models.AuditEvent.seq).iterator())


def adopt(event_id: int, chain: int, prev_hash: str, hash_: str, business_date) -> None:
    models.AuditEvent.update(chain=chain, prev_hash=prev_hash, hash=hash_,
                             business_date=business_date).where(
        models.AuditEvent.id == event_id).execute()


def legacy_head() -> tuple[int, str] | None:
    head = models.AuditHead.get_or_none(models.AuditHead.id == 1)
    return (head.seq, head.hash) if head else None


def events_with_action(action: str) -> Iterator[models.AuditEvent]:
    return (models.AuditEvent.select().where(models.AuditEvent.action == action)
            .order_by(models.AuditEvent.id).iterator())


def operation_events() -> Iterator[tuple[int, str]]:
    """(operation id, details JSON) of every event that records an operation, by
    operation."""
    AE = models.AuditEvent
    return (AE.select(AE.operation, AE.details).where(AE.operation.is_null(False))
            .order_by(AE.operation).tuples().iterator())
