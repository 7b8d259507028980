"""Insurers' files (their cards, their loads and adjustments) and what running them
creates: members found by ID number, cards of the insurer's products.

Locks: every line of a file runs with the file's row locked (FOR NO KEY UPDATE on
PostgreSQL; SQLite locks the whole store at BEGIN IMMEDIATE), and so do a void and
every status move: a line is never run twice at once, a member is never created twice
by two lines of one file, and a file is never voided while one of its lines posts."""

from __future__ import annotations

from collections.abc import Iterable

import peewee as pw

from kiosk.store import models, sql

F, L = models.InsurerFile, models.InsurerFileLine
CHUNK = 500  # numbers per IN (...) query


def by_sha256(digest: str) -> models.InsurerFile | None:
    """The file already imported with these bytes (and not voided)."""
    return F.select().where(F.sha256 == digest, F.status != "void").order_by(F.id).first()


def create(file: dict, lines: list[dict]) -> int:
    """The file and its lines; returns the file's id."""
    file_id = F.insert(**file).execute()
    for start in range(0, len(lines), CHUNK):
        L.insert_many([{**line, "file": file_id} for line in lines[start:start + CHUNK]]
                      ).execute()
    return file_id


def get(file_id: int) -> models.InsurerFile | None:
    return F.get_or_none(F.id == file_id)


_LOCKED = sql.Statement('SELECT * FROM "insurer_file" WHERE "id" = ?', lock=True)


def locked(file_id: int) -> models.InsurerFile | None:
    """The file as it is now, locked until the transaction ends."""
    found = _LOCKED.models(models.InsurerFile, file_id)
    return found[0] if found else None


def lines_of(file_id: int) -> list[models.InsurerFileLine]:
    return list(L.select().where(L.file == file_id).order_by(L.line_no))


_LINE = sql.Statement('SELECT "card_id", "operation_id" FROM "insurer_file_line" '
                      'WHERE "id" = ?')


def line_done(line_id: int) -> tuple[int | None, int | None]:
    """(card, operation) of a line as committed now: what its run created so far."""
    return _LINE.first(line_id)


_RECORD = sql.Statement('UPDATE "insurer_file_line" SET "card_id" = ?, "operation_id" = ? '
                        'WHERE "id" = ?')


def record_line(line_id: int, card_id: int, operation_id: int | None) -> None:
    _RECORD.execute(card_id, operation_id, line_id)


# A line is done when its operation posted or, for a card held by the insurer (no
# opening balance), when its card was registered: the query and the row say the same.
def _done() -> pw.Expression:
    return L.operation.is_null(False) | (L.card.is_null(False) & (L.amount == 0))


def is_done(line: models.InsurerFileLine) -> bool:
    return line.operation_id is not None or (line.card_id is not None and line.amount == 0)


def anything_done(file_id: int) -> bool:
    """Whether a run of the file posted or registered anything already."""
    return L.select().where(L.file == file_id, _done()).exists()


def summaries(limit: int, file_id: int | None = None
              ) -> list[tuple[models.InsurerFile, int, str, str]]:
    """The latest files (or file `file_id`) with their lines done, importer's and
    reviewer's login ids."""
    query = F.select().order_by(F.id.desc()).limit(limit)
    files = list(query if file_id is None else query.where(F.id == file_id))
    done = dict(L.select(L.file, pw.fn.COUNT(L.id)).where(
        L.file.in_([f.id for f in files]), _done()).group_by(L.file).tuples())
    logins = dict(models.Operator.select(models.Operator.id, models.Operator.login_id).where(
        models.Operator.id.in_({f.created_by_id for f in files} |
                               {f.reviewed_by_id for f in files})).tuples())
    return [(f, done.get(f.id, 0), logins.get(f.created_by_id, ""),
             logins.get(f.reviewed_by_id, "")) for f in files]


def cards_by_number(numbers: Iterable[str]) -> dict[str, models.Card]:
    """The cards with these numbers, with their products."""
    numbers, found = list(numbers), {}
    for start in range(0, len(numbers), CHUNK):
        query = (models.Card.select(models.Card, models.CardProduct).join(models.CardProduct)
                 .where(models.Card.number.in_(numbers[start:start + CHUNK])))
        found.update({card.number: card for card in query})
    return found


def products_by_code(codes: Iterable[str]) -> dict[str, models.CardProduct]:
    codes = list(set(codes))
    return {product.code: product for product in models.CardProduct.select().where(
        models.CardProduct.code.in_(codes))} if codes else {}


def product(code: str) -> models.CardProduct | None:
    return models.CardProduct.get_or_none(models.CardProduct.code == code)


def member_by_id_number(id_number: str) -> int | None:
    member = (models.Member.select(models.Member.id)
              .where(models.Member.id_number == id_number).order_by(models.Member.id).first())
    return member.id if member else None


def insert_member(**fields) -> int:
    return models.Member.insert(**fields).execute()


def insert_card(**fields) -> models.Card:
    card = models.Card(**fields)
    sql.insert(card)
    return card
