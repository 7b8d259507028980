"""Members: the statement the member search runs, by the fields asked, and what
registration, issue and migration read and change."""

from __future__ import annotations

import peewee as pw

from kiosk.store import models, sql
from kiosk.store.db import current_database

# Lookups are what the counter waits on, so their SQL is made once per combination of
# fields asked (and database), not per lookup. Parameters only: the text a person typed
# is never part of the SQL.
_CONDITIONS = {
    "phone": 'm."phone" = ?',
    "id_number": 'm."id_number" = ?',
    "level": 'm."level" = ?',
    "source": 'm."source" = ?',
    "region": 'm."region" = ?',
    # SQLite's case-sensitive GLOB uses the plain index, PostgreSQL's LIKE the
    # text_pattern_ops index (migration 2).
    "name_prefix": ('m."name" GLOB ?', 'm."name" LIKE ?'),
    "old_card_number": "m.\"old_card_numbers\" LIKE ? ESCAPE '\\'",
    "card_number": 'c."number" = ?',
    # Store mode (门店模式): registered at the outlet, or holding one of its cards.
    "outlet": ('(m."outlet_id" = ? OR EXISTS (SELECT 1 FROM "card" oc WHERE '
               'oc."member_id" = m."id" AND oc."outlet_id" = ?))'),
}
_PATTERNS = ("name_prefix", "old_card_number")  # matched by pattern, not equality
_searches: dict[tuple, sql.Statement] = {}


def search(asked: dict, limit: int, offset: int
           ) -> list[tuple[int, str, str, str, str]]:
    """(id, name, phone, level, region) of the members matching every field asked
    (`outlet`: an outlet's id, store mode)."""
    sqlite = isinstance(current_database(), pw.SqliteDatabase)
    params = []
    for name, value in asked.items():
        value = _search_value(name, value, sqlite) if name in _PATTERNS else value
        params += [value] * _CONDITIONS[name].count("?") if name == "outlet" else [value]
    return _search_statement(tuple(asked), sqlite).execute(*params, limit, offset).fetchall()


def _search_statement(given: tuple[str, ...], sqlite: bool) -> sql.Statement:
    statement = _searches.get((given, sqlite))
    if statement is None:
        conditions = [_CONDITIONS[name] for name in given]
        conditions = [c[0 if sqlite else 1] if isinstance(c, tuple) else c
                      for c in conditions]
        join = ' JOIN "card" c ON c."member_id" = m."id"' if "card_number" in given else ""
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        statement = _searches[(given, sqlite)] = sql.Statement(
            f'SELECT m."id", m."name", m."phone", m."level", m."region" FROM "member" m{join}'
            f'{where} ORDER BY m."id" LIMIT ? OFFSET ?')
    return statement


def _search_value(name: str, value: str, sqlite: bool) -> str:
    """The pattern for a field matched by pattern, its wildcards escaped."""
    if name == "name_prefix":
        if sqlite:
            return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in value) + "*"
        return _like_escaped(value) + "%"
    return f"%{_like_escaped(value)}%"


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- members as registration, issue and migration read and change them -------------------
Member = models.Member


def by_id(member_id: int | None) -> models.Member | None:
    return Member.get_or_none(Member.id == member_id) if member_id is not None else None


def sharing_phone(phone: str, besides: int | None = None) -> int:
    """How many members have this phone (but member `besides`)."""
    query = Member.select().where(Member.phone == phone)
    if besides is not None:
        query = query.where(Member.id != besides)
    return query.count()


def add(**values) -> models.Member:
    return Member.create(**values)


def change(member_id: int, **values) -> None:
    Member.update(values).where(Member.id == member_id).execute()


def record_change(**values) -> None:
    """A field's old and new value, kept as the member's history."""
    models.MemberChange.create(**values)


def cards_of(member_id: int) -> list[models.Card]:
    return list(models.Card.select().where(models.Card.member == member_id)
                .order_by(models.Card.id))


def latest_changes(member_id: int, limit: int) -> list[models.MemberChange]:
    return list(models.MemberChange.select().where(models.MemberChange.member == member_id)
                .order_by(models.MemberChange.id.desc()).limit(limit))


def card_ids_by_phone(phone: str) -> list[int]:
    """The cards of every member with this phone."""
    return [card.id for card in models.Card.select(models.Card.id).join(Member)
            .where(Member.phone == phone)]
