"""`kiosk bench --busy-day`: a day's load, then the ledger checked.

SQLite: one till posts N charges (100,000 by default) over 500 funded cards through the
real charge service; then `verify` must find nothing and the cards' balances must have
fallen by exactly what was charged. PostgreSQL (with --db): 8 terminals (processes)
charge random cards for a sustained period; the same checks, and no overdraft."""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from kiosk.bench import contention, dataset, figures
from kiosk.config import Settings
from kiosk.services import cards
from kiosk.services.bootstrap import open_runtime
from kiosk.services.verify import verify
from kiosk.store import db

CARDS = 500
AMOUNTS = (100, 1230, 4590, 880, 15000)  # fen; deterministic, seeded


def _balance(numbers: list[str]) -> int:
    return sum(cards.view(cards.get_card(n)).principal + cards.view(cards.get_card(n)).bonus
               for n in numbers)


def sqlite_day(charges: int, report) -> None:
    from kiosk.bench import _session
    from kiosk.services import charge as charging
    with tempfile.TemporaryDirectory(prefix="kiosk-busy-") as folder:
        home = Path(folder)
        settings = Settings(home=home, db_url=f"sqlite:///{home / 'kiosk.db'}",
                            outlet_code="99000001", terminal_code="B01", language="en")
        runtime = open_runtime(settings, initialise=True)
        data = dataset.create_base(runtime.hasher)
        dataset.grow_members(data, CARDS)
        session = _session(runtime, data)
        numbers = figures.fund_cards(session, CARDS)
        before = _balance(numbers)
        rng = random.Random(20261122)
        charged = 0
        started = time.perf_counter()
        for index in range(charges):
            amount = rng.choice(AMOUNTS)
            charging.charge(session, card_number=rng.choice(numbers), amount=amount, pin=None,
                            key=f"busy-{index}")
            charged += amount
        seconds = time.perf_counter() - started
        report("busy_day_charges", charges)
        report("busy_day_charges_per_s", charges / seconds)
        report("busy_day_verify_violations", len(verify(max_violations=20).violations))
        report("busy_day_balance_mismatch_fen", before - _balance(numbers) - charged)
        db.close()


def pg_day(pg_url: str, seconds: float, report) -> None:
    import uuid

    import psycopg2
    schema = f"busy_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(pg_url)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in pg_url else "?"
    url = f"{pg_url}{separator}options=-csearch_path%3D{schema}"
    try:
        with tempfile.TemporaryDirectory(prefix="kiosk-busy-pg-") as folder:
            settings = Settings(home=Path(folder), db_url=url, outlet_code="99000001",
                                terminal_code="B01", language="en")
            runtime = open_runtime(settings, initialise=True)
            data = dataset.create_base(runtime.hasher)
            dataset.grow_members(data, 64)
            from kiosk.bench import _session
            numbers = figures.fund_cards(_session(runtime, data), 64)
            result = contention.sustained(replace(settings), numbers, seconds)
            for name, value in result.items():
                report(name, value)
    finally:
        db.close()
        admin.cursor().execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.close()
