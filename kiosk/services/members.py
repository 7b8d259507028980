"""Member lookup for the counter and the member centre: any field or combination,
paged, on indexes (phone, ID number, name prefix, card number)."""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from kiosk.errors import InvalidInput, N_
from kiosk.services import permissions
from kiosk.services.session import Session
from kiosk.store import models
from kiosk.store.db import database

MAX_PAGE = 100


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    name: str
    phone: str
    level: str
    region: str


@dataclass(frozen=True)
class MemberQuery:
    phone: str = ""
    name_prefix: str = ""
    card_number: str = ""
    old_card_number: str = ""
    id_number: str = ""
    level: str = ""
    source: str = ""
    region: str = ""


def search(session: Session, query: MemberQuery, *, page: int = 0,
           page_size: int = 20) -> list[MemberRow]:
    permissions.require(session, permissions.QUERY)
    if not 1 <= page_size <= MAX_PAGE or page < 0:
        raise InvalidInput(N_("Pages hold 1 to {most} rows."), most=MAX_PAGE)
    M = models.Member
    select = M.select(M.id, M.name, M.phone, M.level, M.region)
    # Parameters only: the text a person typed is never part of the SQL.
    for field, value in (("phone", query.phone), ("id_number", query.id_number),
                         ("level", query.level), ("source", query.source),
                         ("region", query.region)):
        if value:
            select = select.where(getattr(M, field) == value)
    if query.name_prefix:
        select = select.where(prefix_match(M.name, query.name_prefix))
    if query.old_card_number:
        select = select.where(M.old_card_numbers.contains(query.old_card_number))
    if query.card_number:
        select = select.join(models.Card, on=(models.Card.member == M.id)).where(
            models.Card.number == query.card_number)
    rows = select.order_by(M.id).limit(page_size).offset(page * page_size)
    return [MemberRow(row.id, row.name, row.phone, row.level, row.region) for row in rows]


def prefix_match(field: pw.Field, prefix: str) -> pw.Expression:
    """`field` starts with `prefix`, in a form each database answers from its index:
    SQLite's case-sensitive GLOB on the plain index, PostgreSQL's LIKE on the
    text_pattern_ops index (migration 2). Wildcards in the prefix are escaped."""
    if isinstance(database.obj, pw.SqliteDatabase):
        escaped = "".join(f"[{ch}]" if ch in "*?[" else ch for ch in prefix)
        return field % f"{escaped}*"  # peewee's LIKE is GLOB on SQLite
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return field % f"{escaped}%"
