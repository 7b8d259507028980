"""Receipts as the money path writes them: numbered per terminal, queued in the
operation's own transaction."""

from __future__ import annotations

from kiosk.store import models, sql

_TAKE_RECEIPT_NO = sql.Statement(
    'UPDATE "terminal" SET "next_receipt_no" = "next_receipt_no" + 1 WHERE "id" = ? '
    'RETURNING "next_receipt_no" - 1')


def take_number(terminal_id: int) -> int:
    """The terminal's next receipt number, inside the operation's transaction (no gaps;
    the terminal's own row, so no other till waits on it). One round trip: RETURNING,
    which PostgreSQL and SQLite (3.35 and later) both read."""
    return _TAKE_RECEIPT_NO.execute(terminal_id).fetchall()[0][0]


def insert(receipt: models.Receipt) -> int:
    return sql.insert(receipt)
