"""Each figure measures our code and a raw-driver baseline doing the same work, in the
same process and run, so the ratio means something on a shared, noisy machine."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from benchmarks.dataset import DAY, BenchData, card_number, phone
from kiosk.services import charge as charging
from kiosk.services.export import export_day
from kiosk.services.members import MemberQuery, search
from kiosk.services.session import Session
from kiosk.services.verify import verify
from kiosk.store import models


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


# -- charges ------------------------------------------------------------------------

def fund_cards(session: Session, count: int, amount: int = 1_000_000) -> list[str]:
    """Give `count` cards `amount` fen each through the real recharge service."""
    from kiosk.services.recharge import recharge
    numbers = [card_number(i) for i in range(count)]
    for number in numbers:
        recharge(session, card_number=number, amount=amount, tender="cash",
                 key=f"bench-fund-{number}")
    return numbers


def charge_latencies(session: Session, numbers: list[str], count: int, tag: str) -> list[float]:
    """Our charge service, PIN check excluded (bench cards have no PIN: argon2 is slow on
    purpose and is measured separately as pin_check_ms)."""
    latencies = []
    for index in range(count):
        number = numbers[index % len(numbers)]
        latencies.append(timed(lambda: charging.charge(
            session, card_number=number, amount=100, pin=None, key=f"bench-{tag}-{index}")))
    return latencies


def pin_check_ms(session: Session) -> float:
    stored = session.hasher.hash("123456")
    return statistics.median(timed(lambda: session.hasher.verify(stored, "123456"))
                             for _ in range(5)) * 1000


# -- search -------------------------------------------------------------------------

SEARCHES = {
    "phone": (lambda i: MemberQuery(phone=phone(i)),
              "SELECT id, name, phone, level, region FROM member WHERE phone = ? "
              "ORDER BY id LIMIT 20", phone),
    "card": (lambda i: MemberQuery(card_number=card_number(i)),
             "SELECT m.id, m.name, m.phone, m.level, m.region FROM member m JOIN card c "
             "ON c.member_id = m.id WHERE c.number = ? ORDER BY m.id LIMIT 20", card_number),
}


def search_times(session: Session, data: BenchData, path: Path, lookups: int
                 ) -> dict[str, tuple[float, float]]:
    """kind -> (our seconds, raw seconds) for `lookups` lookups each. Each side runs its
    lookups twice and counts the second run, so neither pays for reading the other's
    pages from disk first (the first side to run used to)."""
    rng = data.rng
    keys = [rng.randrange(data.members) for _ in range(lookups)]
    prefixes = [models.Member.get_by_id(1 + k % data.members).name[:2] for k in keys[:50]]
    name_sql = ("SELECT id, name, phone, level, region FROM member WHERE name GLOB ? "
                "ORDER BY id LIMIT 20")
    searches = {kind: ([query(k) for k in keys], sql, [(key(k),) for k in keys])
                for kind, (query, sql, key) in SEARCHES.items()}
    searches["name_prefix"] = ([MemberQuery(name_prefix=p) for p in prefixes], name_sql,
                               [(p + "*",) for p in prefixes])
    raw = sqlite3.connect(path)
    results = {}
    for kind, (queries, sql, params) in searches.items():
        ours = warm_time(lambda: [search(session, query) for query in queries])
        theirs = warm_time(lambda: [raw.execute(sql, values).fetchall() for values in params])
        results[kind] = (ours, theirs)
    raw.close()
    return results


def warm_time(action: Callable[[], object]) -> float:
    action()
    return timed(action)


# -- export and verify --------------------------------------------------------------

def export_rate(session: Session, data: BenchData, folder: Path) -> tuple[float, float]:
    """(our rows per second, raw rows per second). The raw baseline does the same durable
    work with sqlite3 alone: the same joined rows, a CSV and a JSON Lines file, SHA-256 of
    both, fsync; it skips what only our export does (audit events, manifest, renames)."""
    rows = export_day(session, data.outlet.code, DAY, folder).rows  # also warms the cache
    ours = rows / timed(lambda: export_day(session, data.outlet.code, DAY, folder))
    db_path = Path(models.Outlet._meta.database.obj.database)
    raw_rows = 0

    def raw_export() -> None:
        nonlocal raw_rows
        connection = sqlite3.connect(db_path)
        cursor = connection.execute(
            "SELECT e.id, e.amount, o.id, o.kind, o.created_at, o.reverses_id, t.code, "
            "p.login_id, c.number, a.code, a.unit FROM journal_entry e "
            "JOIN operation o ON o.id = e.operation_id JOIN account a ON a.id = e.account_id "
            "LEFT JOIN terminal t ON t.id = o.terminal_id "
            "LEFT JOIN operator p ON p.id = o.operator_id LEFT JOIN card c ON c.id = o.card_id "
            "WHERE o.outlet_id = ? AND e.business_date = ? ORDER BY e.id",
            (data.outlet.id, DAY.isoformat()))
        digests = [hashlib.sha256(), hashlib.sha256()]
        with open(folder / "raw.csv", "w", newline="") as csv_file, \
                open(folder / "raw.jsonl", "w") as json_file:
            writer = csv.writer(csv_file, lineterminator="\n")
            for row in cursor:
                record = dict(zip(RAW_COLUMNS, row))
                writer.writerow(row)
                line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
                json_file.write(line)
                digests[1].update(line.encode())
                raw_rows += 1
            for handle in (csv_file, json_file):
                handle.flush()
                os.fsync(handle.fileno())
        connection.close()

    raw_export()
    raw_rows = 0
    theirs = timed(raw_export)
    return ours, raw_rows / theirs


RAW_COLUMNS = ("id", "amount_fen", "operation", "kind", "time", "reverses", "terminal",
               "operator", "card", "account", "unit")


def export_peak_mb(session: Session, data: BenchData, folder: Path) -> float:
    tracemalloc.start()
    export_day(session, data.outlet.code, DAY, folder)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1_000_000


def verify_times(path: Path, sealer) -> tuple[float, float, int]:
    """(our seconds, raw seconds, the violations our verify found)."""
    started = time.perf_counter()
    violations = len(verify(sealer).violations)
    ours = time.perf_counter() - started
    raw = sqlite3.connect(path)
    queries = [
        "SELECT e.operation_id, a.unit, SUM(e.amount) FROM journal_entry e JOIN account a "
        "ON a.id = e.account_id GROUP BY e.operation_id, a.unit HAVING SUM(e.amount) != 0",
        "SELECT a.id FROM account a LEFT JOIN journal_entry e ON e.account_id = a.id "
        "GROUP BY a.id HAVING a.balance != COALESCE(SUM(e.amount), 0)",
        "SELECT id FROM account WHERE balance < 0 AND allow_negative = 0",
    ]
    theirs = timed(lambda: [raw.execute(sql).fetchall() for sql in queries])
    raw.close()
    return ours, theirs, violations


# -- the UI -------------------------------------------------------------------------

def swipe_to_card_ms(runtime, numbers: list[str], count: int) -> list[float]:
    import asyncio

    from kiosk.app import build_app
    from kiosk.hw.devices import Devices
    from kiosk.hw.tracks import swipe_text

    async def run() -> list[float]:
        app = build_app(runtime, Devices())
        times = []
        delivered = [0.0]  # when the detector handed the swipe to the screen
        deliver = app._deliver_swipe

        def timed_delivery(decision) -> None:
            delivered[0] = time.perf_counter()
            deliver(decision)
        app._deliver_swipe = timed_delivery
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*"bench1", "enter", *"Bench1234", "enter")
            await _until(app, "StartScreen")
            for index in range(count):
                app.simulate_swipe(swipe_text(numbers[index % len(numbers)]))
                await _until(app, "CardScreen")
                while app.screen.focused is None:  # mounted: balances shown, amount focused
                    await asyncio.sleep(0)
                times.append((time.perf_counter() - delivered[0]) * 1000)
                await pilot.pause(0.05)
                app.pop_screen()
                await pilot.pause(0.05)
        return times

    return asyncio.run(run())


async def _until(app, screen: str, timeout: float = 10.0) -> None:
    import asyncio
    deadline = time.perf_counter() + timeout
    while type(app.screen).__name__ != screen:
        if time.perf_counter() > deadline:
            message = app.screen.query("#message").first().render() if app.screen.query(
                "#message") else ""
            raise RuntimeError(f"bench: {screen} never showed; on "
                               f"{type(app.screen).__name__}: {message}")
        await asyncio.sleep(0)


def startup_seconds(kind: str, home: Path, runs: int) -> float:
    """Median wall time of a fresh process until its first screen is ready, headless."""
    import subprocess
    import sys
    env = dict(os.environ, KIOSK_HOME=str(home), KIOSK_OUTLET="99000001",
               KIOSK_TERMINAL="B01")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "benchmarks.startup", kind], env=env,
                       check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)
