"""Batch recharge lists (批量充值): a list imported from a file, its lines, and what the
list screens count; a list's status moves through reviewed_lists.move_status."""

from __future__ import annotations

from collections.abc import Iterable

import peewee as pw

from kiosk.store import models, reviewed_lists

Batch, Line = models.BatchList, models.BatchLine
CHUNK = 500  # numbers or rows per statement: far below either database's parameter limit


def add(lines: list[dict], **values) -> models.BatchList:
    """A new draft list with its lines (dicts of line_no, card_number and amount)."""
    batch = Batch.create(**values)
    for start in range(0, len(lines), CHUNK):
        Line.insert_many([{"batch": batch.id, **line}
                          for line in lines[start:start + CHUNK]]).execute()
    return batch


def of_outlet(batch_id: int, outlet_id: int) -> models.BatchList | None:
    return Batch.get_or_none(Batch.id == batch_id, Batch.outlet == outlet_id)


def locked(batch_id: int, outlet_id: int) -> models.BatchList | None:
    """The outlet's list, locked until the transaction ends."""
    return reviewed_lists.locked(Batch, batch_id, outlet_id)


def lines_of(batch_id: int) -> list[models.BatchLine]:
    return list(Line.select().where(Line.batch == batch_id).order_by(Line.line_no))


def record_line(line_id: int, operation_id: int) -> None:
    """The recharge that posted the line."""
    Line.update(operation=operation_id).where(Line.id == line_id).execute()


def live_lists_totalling(outlet_id: int, total: int) -> list[models.BatchList]:
    """The outlet's lists of this total that are not voided or withdrawn, oldest first."""
    return list(Batch.select().where(Batch.outlet == outlet_id, Batch.total == total,
                                     Batch.status.not_in(("void", "withdrawn")))
                .order_by(Batch.id))


def latest(outlet_id: int, limit: int) -> list[models.BatchList]:
    return list(Batch.select().where(Batch.outlet == outlet_id)
                .order_by(Batch.id.desc()).limit(limit))


def line_counts(batch_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per list, (lines, lines posted)."""
    return {batch: (lines, posted) for batch, lines, posted in
            Line.select(Line.batch, pw.fn.COUNT(Line.id), pw.fn.COUNT(Line.operation))
            .where(Line.batch.in_(list(batch_ids))).group_by(Line.batch).tuples()}


def cards_for_recharge(numbers: list[str]) -> tuple[dict[str, models.Card], dict[str, int]]:
    """The cards of `numbers` (with their products) and their principal balances, by
    number: what a list's lines are checked against before it is imported."""
    found, principal = {}, {}
    Card, Product, Account = models.Card, models.CardProduct, models.Account
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start:start + CHUNK]
        query = (Card.select(Card.number, Card.status, Card.anonymous, Product.kind,
                             Product.prepaid)
                 .join(Product).where(Card.number.in_(chunk)))
        found.update({card.number: card for card in query})
        principal.update(Account.select(Card.number, Account.balance).join(Card)
                         .where(Card.number.in_(chunk), Account.kind == "principal").tuples())
    return found, principal
