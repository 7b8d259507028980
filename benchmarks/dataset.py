"""A deterministic bench data set: members with cards, and a business day of recharges.

Rows go in with bulk inserts (the services would take hours for a million rows), but
they are the rows the services would write: balanced entries, cached balances equal to
their sums, an unbroken audit chain with entry digests, so `kiosk verify` passes on them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import peewee as pw

from kiosk.hw.tracks import luhn_complete
from kiosk.services import audit
from kiosk.services.operations import entries_digest, header_digest, request_fingerprint
from kiosk.services.secrets import Sealer
from kiosk.store import audit as audit_store
from kiosk.store import models, sql
from kiosk.store.db import database

# The generator's own statement: the product changes balances only through
# ledger.post, inside an operation.
ADD_TO_BALANCE = sql.Statement('UPDATE "account" SET "balance" = "balance" + ? WHERE "id" = ?')
SEED = 20261122
BATCH = 5000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
DAY = dt.date(2026, 11, 20)
DAY_START = dt.datetime(2026, 11, 20, 0, 0)  # 08:00 in Shanghai: inside the business date


def card_number(index: int) -> str:
    return luhn_complete(f"6200{index:011d}")


def phone(index: int) -> str:
    return f"139{index:08d}"


@dataclass
class BenchData:
    outlet: models.Outlet
    terminal: models.Terminal
    product: models.CardProduct
    cashier: models.Operator
    sealer: Sealer
    members: int = 0
    history_ops: int = 0
    balance_deltas: dict[int, int] = field(default_factory=dict)  # account id -> not yet written
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))

    @property
    def journal_rows(self) -> int:
        return self.history_ops * 2

    @property
    def chain(self) -> str:
        return f"{self.outlet.code}/{self.terminal.code}"


def bulk_insert(model, rows: list[dict]) -> None:
    """executemany on the driver: peewee's insert_many spends its time building SQL."""
    if not rows:
        return
    columns = list(rows[0])
    text = sql.insert_text(model, [model._meta.fields[name] for name in columns])
    values = [tuple(_plain(row[name]) for name in columns) for row in rows]
    database.connection().cursor().executemany(text, values)


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return str(value)  # what peewee itself stores
    return value


def create_base(runtime) -> BenchData:
    with database.atomic():
        outlet = models.Outlet.create(code="99000001", name="基准门店", time_zone="Asia/Shanghai",
                                      day_boundary="04:00")
        terminal = models.Terminal.create(outlet=outlet, code="B01")
        # Outside the prepaid-card rules (a chain may set a product so): the bench funds
        # its cards with more than a prepaid card may hold, to charge them all day.
        product = models.CardProduct.create(code="BSV", name="储值卡", kind="stored_value",
                                            points_per_yuan=1, prepaid=False)
        models.OutletProduct.create(outlet=outlet, product=product)
        cashier = models.Operator.create(
            outlet=outlet, login_id="bench1", name="基准",
            password_hash=runtime.hasher.hash("Bench1234"),
            role=models.Role.get(models.Role.name == "admin"))
    return BenchData(outlet, terminal, product, cashier, runtime.sealer)


def grow_members(data: BenchData, total: int) -> None:
    """Members (and one active card each, with its accounts) up to `total`."""
    while data.members < total:
        start = data.members
        end = min(total, start + BATCH)
        with database.atomic():
            bulk_insert(models.Member, [_member(data, i) for i in range(start, end)])
            first_member = models.Member.select(models.Member.id).order_by(
                models.Member.id.desc()).limit(1).scalar() - (end - start) + 1
            bulk_insert(models.Card, [
                {"number": card_number(i), "product": data.product.id, "status": "active",
                 "outlet": data.outlet.id, "member": first_member + (i - start),
                 "anonymous": False, "company": False, "tier": "", "pin_hash": "",
                 "pin_failures": 0, "pin_locked": False, "pin_checks": 0, "daily_limit": 0,
                 "allowed_outlets": "", "allowed_categories": "",
                 "forbidden_categories": "", "created_at": DAY_START}
                for i in range(start, end)])
            first_card = models.Card.select(models.Card.id).order_by(
                models.Card.id.desc()).limit(1).scalar() - (end - start) + 1
            bulk_insert(models.Account, [
                {"code": f"card:{card_number(i)}:{kind}", "kind": kind,
                 "unit": "point" if kind == "points" else "fen",
                 "card": first_card + (i - start), "outlet": data.outlet.id, "balance": 0,
                 "allow_negative": False}
                for i in range(start, end) for kind in ("principal", "bonus", "points")])
        data.members = end


def _member(data: BenchData, index: int) -> dict:
    rng = data.rng
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN + " ").strip()
    return {"name": name, "phone": phone(index), "id_number": "", "level": rng.choice(
        ["普通", "银卡", "金卡"]), "source": "门店", "region": "黄浦", "outlet": data.outlet.id,
        "old_card_numbers": "", "tags": "", "created_at": DAY_START}


def grow_history(data: BenchData, total_ops: int) -> None:
    """Recharges on the business day (2 journal rows each) up to `total_ops` operations."""
    cash = models.Account.get_or_create(
        code=f"terminal:{data.terminal.id}:outlet_cash",
        defaults={"kind": "outlet_cash", "outlet": data.outlet.id, "terminal": data.terminal.id,
                  "allow_negative": True})[0]
    while data.history_ops < total_ops:
        start, end = data.history_ops, min(total_ops, data.history_ops + BATCH)
        with database.atomic():
            _history_batch(data, cash, start, end)
        data.history_ops = end
    _write_balances(data)


def _history_batch(data: BenchData, cash: models.Account, start: int, end: int) -> None:
    rng = data.rng
    picks = [rng.randrange(data.members) for _ in range(start, end)]
    numbers = [card_number(i) for i in picks]
    principal_ids = dict(models.Account.select(models.Account.code, models.Account.id)
                         .where(models.Account.code.in_([f"card:{n}:principal" for n in numbers]))
                         .tuples())
    card_ids = dict(models.Card.select(models.Card.number, models.Card.id)
                    .where(models.Card.number.in_(numbers)).tuples())
    operations, entries, events = [], [], []
    chain = audit_store.chain_id(data.chain, data.outlet.id, audit.GENESIS_HASH,
                                 audit.head_seal(data.sealer, data.chain, 0, audit.GENESIS_HASH))
    seq, prev = audit_store.lock_head(chain)
    first_op = (models.Operation.select(models.Operation.id).order_by(
        models.Operation.id.desc()).limit(1).scalar() or 0) + 1
    for offset, number in enumerate(numbers):
        op_id = first_op + offset
        amount = rng.randrange(1, 500) * 100
        account = principal_ids[f"card:{number}:principal"]
        at = DAY_START + dt.timedelta(microseconds=(start + offset) * 10_000)
        operation = {"id": op_id, "kind": "recharge", "idempotency_key": f"bench-{op_id}",
                     "request_hash": request_fingerprint({"bench": op_id}),
                     "outlet": data.outlet.id, "terminal": data.terminal.id,
                     "operator": data.cashier.id, "card": card_ids[number], "amount": amount,
                     "tender": "cash", "business_date": DAY, "created_at": at, "memo": "",
                     "result": "{}", "reversed_amount": 0}
        operations.append(operation)
        pairs = [(cash.id, -amount), (account, amount)]
        entries += [{"operation": op_id, "account": a, "amount": v, "business_date": DAY,
                     "outlet": data.outlet.id}
                    for a, v in pairs]
        for a, v in pairs:
            data.balance_deltas[a] = data.balance_deltas.get(a, 0) + v
        seq += 1
        event = {"chain": chain, "seq": seq, "at": at, "action": "recharge",
                 "outlet_code": data.outlet.code, "terminal_code": data.terminal.code,
                 "operator_login": data.cashier.login_id, "subject": f"card:{number}",
                 "operation": op_id, "business_date": DAY,
                 "details": audit.canonical_json({
                     "amount": amount, "entries": entries_digest(pairs), "reverses": None,
                     "reviewer": None, "header": header_digest(models.Operation(**operation))}),
                 "prev_hash": prev}
        event["hash"] = prev = audit.event_hash(data.sealer, prev, audit.chain_fields(
            chain=data.chain, seq=seq, at=at.isoformat(timespec="microseconds"),
            action="recharge", outlet=data.outlet.code, terminal=data.terminal.code,
            operator=data.cashier.login_id, subject=event["subject"], operation=op_id,
            details=event["details"], business_date=DAY.isoformat()))
        events.append(event)
    bulk_insert(models.Operation, operations)
    if not isinstance(database.obj, pw.SqliteDatabase):  # ids were given: move the sequence on
        database.execute_sql("SELECT setval(pg_get_serial_sequence('operation', 'id'), "
                             "(SELECT MAX(id) FROM operation))")
    bulk_insert(models.JournalEntry, entries)
    bulk_insert(models.AuditEvent, events)
    audit_store.move_head(chain, seq, prev, audit.head_seal(data.sealer, data.chain, seq, prev))


def _write_balances(data: BenchData) -> None:
    """Add the generated movements to the cached balances (cards the benchmark funded
    through the services keep what they already hold)."""
    with database.atomic():
        database.connection().cursor().executemany(
            ADD_TO_BALANCE.sql(),
            [(delta, account_id) for account_id, delta in data.balance_deltas.items()])
    data.balance_deltas.clear()
