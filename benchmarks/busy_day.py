"""`kiosk bench --busy-day`: a day's load, then the ledger checked.

SQLite: one till posts N charges (100,000 by default) over 500 funded cards through the
real charge service; then `verify` must find nothing and the cards' balances must have
fallen by exactly what was charged. PostgreSQL (with --db): 8 terminals (processes)
charge random cards for a sustained period; the same checks, and no overdraft."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from benchmarks import contention, dataset, figures
from benchmarks.stores import bench_settings, cashier_session, pg_schema
from kiosk.config import Settings
from kiosk.services import cards
from kiosk.services.bootstrap import open_runtime
from kiosk.services.session import Session
from kiosk.services.verify import verify
from kiosk.store import db

CARDS = 500
AMOUNTS = (100, 1230, 4590, 880, 15000)  # fen; deterministic, seeded


def _balance(numbers: list[str]) -> int:
    """Principal and bonus of the cards, in fen."""
    return sum(sum(cards.balances(cards.get_card(n)).get(kind, 0) for kind in
                   ("principal", "bonus")) for n in numbers)


def _funded_store(settings: Settings, cards: int, charges: int = 0
                  ) -> tuple[Session, list[str]]:
    session, numbers, _ = _funded_data(settings, cards, charges)
    return session, numbers


def _funded_data(settings: Settings, cards: int, charges: int = 0):
    """A new bench store in `settings` with `cards` cards funded for `charges` charges
    spread over them at random: twice the largest amount times the mean count, so no
    card runs dry by chance (a declined sale would end the run, not test the ledger)."""
    runtime = open_runtime(settings, initialise=True)
    data = dataset.create_base(runtime)
    dataset.grow_members(data, cards)
    session = cashier_session(runtime, data)
    amount = max(1_000_000, 2 * max(AMOUNTS) * -(-charges // cards))
    return session, figures.fund_cards(session, cards, amount), data


def sqlite_day(charges: int, report) -> None:
    from kiosk.services import charge as charging
    with tempfile.TemporaryDirectory(prefix="kiosk-busy-") as folder:
        session, numbers = _funded_store(bench_settings(Path(folder)), CARDS, charges)
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
        report("busy_day_verify_violations", len(verify(session.runtime.sealer, max_violations=20).violations))
        report("busy_day_balance_mismatch_fen", before - _balance(numbers) - charged)
        db.close()


def pg_day(pg_url: str, seconds: float, report) -> None:
    with pg_schema(pg_url, "busy") as url, \
            tempfile.TemporaryDirectory(prefix="kiosk-busy-pg-") as folder:
        settings = bench_settings(Path(folder), url)
        _, numbers, data = _funded_data(settings, 64)
        for name, value in contention.sustained(settings, data, numbers, seconds).items():
            report(name, value)
