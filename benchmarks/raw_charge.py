"""The charge_ratio baseline: a charge as a careful hand-written sqlite3 program does it.

It works in the bench store itself (same file, schema, indexes and history as our
charges meet) and writes the same rows our charge writes: the operation, four balance
updates (the card's principal guarded against overdraft, the till's sales, the points
pool and the card's points), four journal rows, the receipt number and a receipt row of
the same size, and the audit event chained by the same hash. It checks what ours checks
before posting (the key unused, the card active, the outlet opened for the product, the
open business date). The rows are valid, so `kiosk verify` still passes afterwards.

What it leaves out is what makes ours a product rather than a loop: models, the
receipt's layout, permissions, retries and logging.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from pathlib import Path

from benchmarks.dataset import BenchData
from kiosk.services.audit import canonical_json, chain_fields, event_hash, head_seal
from kiosk.services.operations import entries_digest, header_digest, request_fingerprint
from kiosk.store import models
from kiosk.store.models import utc_now


class RawCharges:
    def __init__(self, path: Path, data: BenchData) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=5)
        for pragma in ("journal_mode=wal", "synchronous=full", "foreign_keys=1"):
            self.connection.execute(f"PRAGMA {pragma}")
        self.outlet_id, self.terminal_id = data.outlet.id, data.terminal.id
        self.operator_id = data.cashier.id
        self.sealer, self.chain_name = data.sealer, data.chain
        self.sales_id = self._account_id(f"terminal:{self.terminal_id}:outlet_sales")
        self.points_pool_id = self._account_id(f"terminal:{self.terminal_id}:points_issued")
        self.names = self.connection.execute(
            "SELECT o.code, t.code, p.login_id FROM outlet o, terminal t, operator p "
            "WHERE o.id = ? AND t.id = ? AND p.id = ?",
            (self.outlet_id, self.terminal_id, self.operator_id)).fetchone()
        # A receipt our charge printed: the baseline stores one of the same size.
        self.receipt = self.connection.execute(
            "SELECT body, text, document FROM receipt ORDER BY id DESC LIMIT 1").fetchone()

    def _account_id(self, code: str) -> int:
        return self.connection.execute("SELECT id FROM account WHERE code = ?",
                                       (code,)).fetchone()[0]

    def charge(self, number: str, amount: int, key: str) -> None:
        db = self.connection
        card_id, product_id, status, points_per_yuan = db.execute(
            "SELECT c.id, c.product_id, c.status, p.points_per_yuan FROM card c "
            "JOIN card_product p ON p.id = c.product_id WHERE c.number = ?",
            (number,)).fetchone()
        if db.execute("SELECT 1 FROM operation WHERE idempotency_key = ?", (key,)).fetchone():
            return
        assert status == "active"
        assert db.execute("SELECT 1 FROM outlet_product WHERE outlet_id = ? AND product_id = ?",
                          (self.outlet_id, product_id)).fetchone()
        closed = db.execute("SELECT MAX(business_date) FROM day_close WHERE outlet_id = ?",
                            (self.outlet_id,)).fetchone()[0]
        now = utc_now()
        day = now.date()
        assert closed is None or str(closed) < day.isoformat()
        points = amount * points_per_yuan // 100
        db.execute("BEGIN IMMEDIATE")
        accounts = dict(db.execute("SELECT kind, id FROM account WHERE card_id = ?",
                                   (card_id,)).fetchall())
        entries = [(accounts["principal"], -amount), (self.sales_id, amount)]
        if points:
            entries += [(self.points_pool_id, -points), (accounts["points"], points)]
        operation_id, header = self._operation(key, card_id, amount, day, now, number)
        moved = db.execute("UPDATE account SET balance = balance + ? WHERE id = ? "
                           "AND balance >= ?", (-amount, accounts["principal"], amount))
        assert moved.rowcount == 1
        for account_id, delta in entries[1:]:
            db.execute("UPDATE account SET balance = balance + ? WHERE id = ?",
                       (delta, account_id))
        db.executemany("INSERT INTO journal_entry (operation_id, account_id, amount, "
                       "business_date, outlet_id) VALUES (?, ?, ?, ?, ?)",
                       [(operation_id, account, delta, day.isoformat(), self.outlet_id)
                        for account, delta in entries])
        self._receipt(operation_id, now)
        self._audit(operation_id, number, amount, entries, now, header, day)
        db.execute("COMMIT")

    def _operation(self, key, card_id, amount, day, now, number) -> int:
        request = {"kind": "charge", "card": number, "amount": amount, "order": None,
                   "lines": []}
        result = json.dumps({"card_number": number, "amount": amount})
        header = models.Operation(
            kind="charge", idempotency_key=key, request_hash=request_fingerprint(request),
            outlet=self.outlet_id, terminal=self.terminal_id, operator=self.operator_id,
            card=card_id, amount=amount, tender="card", business_date=day, created_at=now,
            memo="", result=result)
        return self.connection.execute(
            "INSERT INTO operation (kind, idempotency_key, request_hash, outlet_id, "
            "terminal_id, operator_id, card_id, amount, tender, business_date, created_at, "
            "memo, result, reversed_amount) "
            "VALUES ('charge', ?, ?, ?, ?, ?, ?, ?, 'card', ?, ?, '', ?, 0)",
            (key, request_fingerprint(request), self.outlet_id, self.terminal_id,
             self.operator_id, card_id, amount, day.isoformat(), _stored_time(now), result)
        ).lastrowid, header

    def _receipt(self, operation_id: int, now: dt.datetime) -> None:
        db = self.connection
        db.execute("UPDATE terminal SET next_receipt_no = next_receipt_no + 1 WHERE id = ?",
                   (self.terminal_id,))
        number = db.execute("SELECT next_receipt_no - 1 FROM terminal WHERE id = ?",
                            (self.terminal_id,)).fetchone()[0]
        db.execute("INSERT INTO receipt (terminal_id, receipt_no, operation_id, body, text, "
                   "document, status, copies_printed, last_error, created_at, outlet_id) "
                   "VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, '', ?, ?)",
                   (self.terminal_id, number, operation_id, *self.receipt, _stored_time(now),
                    self.outlet_id))

    def _audit(self, operation_id, number, amount, entries, now, header, day) -> None:
        db = self.connection
        chain, seq, previous = db.execute("SELECT id, seq, hash FROM audit_chain WHERE name = ?",
                                          (self.chain_name,)).fetchone()
        header.id = operation_id
        details = canonical_json({"amount": amount, "entries": entries_digest(entries),
                                  "reverses": None, "reviewer": None,
                                  "header": header_digest(header)})
        outlet, terminal, operator = self.names
        subject = f"card:{number}"
        digest = event_hash(self.sealer, previous, chain_fields(
            chain=self.chain_name, seq=seq + 1, at=now.isoformat(timespec="microseconds"),
            action="charge", outlet=outlet, terminal=terminal, operator=operator,
            subject=subject, operation=operation_id, details=details,
            business_date=day.isoformat()))
        db.execute("INSERT INTO audit_event (chain_id, seq, at, action, outlet_code, "
                   "terminal_code, operator_login, subject, operation_id, details, "
                   "business_date, prev_hash, hash) "
                   "VALUES (?, ?, ?, 'charge', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (chain, seq + 1, _stored_time(now), outlet, terminal, operator, subject,
                    operation_id, details, day.isoformat(), previous, digest))
        db.execute("UPDATE audit_chain SET seq = ?, hash = ?, seal = ? WHERE id = ?",
                   (seq + 1, digest, head_seal(self.sealer, self.chain_name, seq + 1, digest),
                    chain))

    def close(self) -> None:
        self.connection.close()


def _stored_time(moment: dt.datetime) -> str:
    return moment.isoformat(" ", timespec="microseconds")


def raw_charge_rate(path: Path, data: BenchData, numbers: list[str], count: int) -> float:
    """Charges per second of the hand-written baseline over `numbers`."""
    raw = RawCharges(path, data)
    started = time.perf_counter()
    for index in range(count):
        raw.charge(numbers[index % len(numbers)], 100, f"raw-{index}-{time.time_ns()}")
    elapsed = time.perf_counter() - started
    raw.close()
    return count / elapsed
