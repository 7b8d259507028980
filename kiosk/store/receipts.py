"""Receipts as the money path writes them: numbered per terminal, queued in the
operation's own transaction."""

from __future__ import annotations

from kiosk.store import models, sql
from kiosk.store import peewee_internals as internals

_COUNT_RECEIPT = sql.Statement(
    'UPDATE "terminal" SET "next_receipt_no" = "next_receipt_no" + 1 WHERE "id" = ?')
_FIELDS = sql.row_fields(models.Receipt)
_NUMBER_TAKEN = '(SELECT "next_receipt_no" - 1 FROM "terminal" WHERE "id" = ?)'
_INSERT_NUMBERED = sql.Statement(
    'INSERT INTO "receipt" (' + ", ".join(f'"{field.column_name}"' for field in _FIELDS)
    + ") VALUES (" + ", ".join(_NUMBER_TAKEN if field.name == "receipt_no" else "?"
                               for field in _FIELDS)
    + ') RETURNING "id", "receipt_no"')


def insert_numbered(receipt: models.Receipt) -> tuple[int, int]:
    """`receipt` inserted under its terminal's next number, taken in the same round trip
    (inside the operation's transaction: no gaps; the terminal's own row, so no other
    till waits on it). RETURNING, which PostgreSQL and SQLite (3.35 and later) both
    read. Returns the receipt's id and number."""
    params = tuple(receipt.terminal_id if field.name == "receipt_no"
                   else field.db_value(internals.stored_value(receipt, field.name))
                   for field in _FIELDS)
    receipt_id, number = sql.together((_COUNT_RECEIPT, (receipt.terminal_id,)),
                                      (_INSERT_NUMBERED, params)).fetchone()
    return receipt_id, number


# -- the print queue ---------------------------------------------------------------------
Receipt = models.Receipt


def new_receipt(**values) -> models.Receipt:
    """A receipt not written yet (`insert_numbered` writes it)."""
    return Receipt(**values)


def queued(terminal_id: int) -> list[models.Receipt]:
    """The terminal's receipts waiting for its printer, oldest first."""
    return list(Receipt.select().where(Receipt.terminal == terminal_id,
                                       Receipt.status == "queued").order_by(Receipt.id))


def by_id(receipt_id: int) -> models.Receipt | None:
    return Receipt.get_or_none(Receipt.id == receipt_id)


def outlet_of(receipt: models.Receipt) -> int:
    """The outlet whose terminal queued the receipt."""
    return models.Terminal.get_by_id(receipt.terminal_id).outlet_id


def cancel_queued(receipt_id: int) -> None:
    Receipt.update(status="cancelled").where(Receipt.id == receipt_id,
                                             Receipt.status == "queued").execute()


def count_copy(receipt_id: int) -> None:
    Receipt.update(copies_printed=Receipt.copies_printed + 1).where(
        Receipt.id == receipt_id).execute()


def mark_printed(receipt_id: int, when) -> None:
    Receipt.update(status="printed", printed_at=when, last_error="",
                   copies_printed=Receipt.copies_printed + 1).where(
        Receipt.id == receipt_id).execute()


def mark_failed(receipt_id: int, error_text: str) -> None:
    Receipt.update(last_error=error_text).where(Receipt.id == receipt_id).execute()
