"""PostgreSQL with many terminals: each process is a terminal of its own (its own
terminal row, audit chain, receipt numbers and till accounts), as at a real counter.

- pg_terminals_per_s_{8,32}: 8 and 32 terminal processes, each charging a card of its
  own, counted over a fixed window after every process has started, connected and made
  its warm-up charges (process start excluded); p99 latency at 32;
- pgbench_tps: pgbench's TPC-B-like run with 8 clients on the same server in the same
  run, the yardstick for pg_terminals_ratio = 8-terminal charges/s / pgbench tps;
- pg_one_card_charges_per_s: 8 terminals charging one card (serial by design: the card
  is the lock);
- pg_anomalies (must be 0): verify violations, overdrafts, or balances that do not
  match the charges the processes saw succeed.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import Settings

PROCESSES = 8
TERMINAL_COUNTS = (8, 32)


@dataclass(frozen=True)
class Till:
    """Who a bench process is: a terminal of the bench outlet and its cashier."""

    outlet_id: int
    terminal_id: int
    operator_id: int | None


def tills(data, count: int) -> list[Till]:
    """`count` terminals of the bench outlet (T001, T002, ...), made on first use."""
    from kiosk.store import models
    found = []
    for index in range(1, count + 1):
        terminal, _ = models.Terminal.get_or_create(outlet=data.outlet, code=f"T{index:03d}")
        found.append(Till(data.outlet.id, terminal.id, data.cashier.id))
    return found


def _session(settings: Settings, till: Till):
    from kiosk.services.bootstrap import open_runtime
    from kiosk.services.session import Actor, Session
    from benchmarks.stores import with_shift
    return with_shift(Session(open_runtime(settings), Actor(outlet_id=till.outlet_id,
                                                            terminal_id=till.terminal_id,
                                                            operator_id=till.operator_id)))


def _worker(settings: Settings, till: Till, numbers: list[str], charges: int, tag: str,
            results, seconds: float | None = None) -> None:
    """`charges` charges of ¥1 over `numbers` in turn; with `seconds`, as many as fit
    (cards chosen at random) until the time is up."""
    import random

    from kiosk.errors import KioskError
    from kiosk.services import charge as charging
    session = _session(settings, till)
    rng = random.Random(tag)
    deadline = time.monotonic() + seconds if seconds else None
    done = index = 0
    while (index < charges) if deadline is None else (time.monotonic() < deadline):
        number = numbers[index % len(numbers)] if deadline is None else rng.choice(numbers)
        try:
            charging.charge(session, card_number=number, amount=100, pin=None,
                            key=f"{tag}-{index}")
            done += 1
        except KioskError:
            pass
        index += 1
    results.put(done)


def _round(settings: Settings, work: list[tuple[Till, list[str]]], charges: int,
           seconds: float | None = None) -> tuple[float, int]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    run = uuid.uuid4().hex[:8]
    workers = [context.Process(target=_worker, args=(settings, till, numbers, charges,
                                                     f"pg-{run}-{n}", results, seconds))
               for n, (till, numbers) in enumerate(work)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    done = sum(results.get(timeout=600) for _ in workers)
    for worker in workers:
        worker.join()
    return done / (time.perf_counter() - started), done


# -- terminals on distinct cards, timed after warm-up ---------------------------------

def _timed_terminal(settings: Settings, till: Till, number: str, warmup: int, tag: str,
                    ready, go, start_at, seconds: float, results) -> None:
    """Warm up (connect, caches, `warmup` charges), say ready, wait for the common start,
    then charge ¥1 on `number` until the window closes. Reports (charges inside the
    window, their latencies, charges that succeeded in all, errors)."""
    from kiosk.errors import KioskError
    from kiosk.services import charge as charging
    session = _session(settings, till)
    succeeded = errors = index = 0

    def one() -> bool:
        nonlocal index, succeeded, errors
        index += 1
        try:
            charging.charge(session, card_number=number, amount=100, pin=None,
                            key=f"{tag}-{index}")
        except KioskError:
            errors += 1
            return False
        succeeded += 1
        return True

    for _ in range(warmup):
        one()
    ready.put(1)
    go.wait()
    begin = start_at.value
    end = begin + seconds
    while time.monotonic() < begin:
        time.sleep(0.0005)
    latencies = []
    while True:
        started = time.monotonic()
        ok = one()
        finished = time.monotonic()
        if finished > end:
            break
        if ok:
            latencies.append(finished - started)
    results.put((len(latencies), latencies, succeeded, errors))


def terminals_rate(settings: Settings, work: list[tuple[Till, str]], seconds: float,
                   warmup: int) -> dict:
    """len(work) terminal processes, each charging its own card; charges per second over
    a common window of `seconds` after every process is warm."""
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    start_at = context.Value("d", 0.0)
    run = uuid.uuid4().hex[:8]
    workers = [context.Process(target=_timed_terminal, args=(
        settings, till, number, warmup, f"pgt-{run}-{n}", ready, go, start_at, seconds,
        results)) for n, (till, number) in enumerate(work)]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.get(timeout=600)
    start_at.value = time.monotonic() + 0.05
    go.set()
    counted, latencies, succeeded, errors = 0, [], 0, 0
    for _ in workers:
        n, times, ok, failed = results.get(timeout=600 + seconds)
        counted += n
        latencies += times
        succeeded += ok
        errors += failed
    for worker in workers:
        worker.join()
    return {"per_s": counted / seconds, "latencies": latencies, "succeeded": succeeded,
            "errors": errors}


# -- pgbench --------------------------------------------------------------------------

def pgbench_binary() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    return str(candidates[-1]) if candidates else None


def pgbench_tps(url: str, clients: int, seconds: float) -> float:
    """pgbench's built-in TPC-B-like script, `clients` clients, on the database of `url`
    (a URL on a schema of its own: pgbench's tables go there and are dropped with it).
    Scale = clients, so that clients do not all queue on one branch row."""
    binary = pgbench_binary()
    if binary is None:
        raise RuntimeError("pgbench is not installed (postgresql-client)")
    env = dict(os.environ)
    subprocess.run([binary, "-i", "-q", "-s", str(clients), url], env=env, check=True,
                   capture_output=True)
    finished = subprocess.run(
        [binary, "-c", str(clients), "-j", str(min(clients, os.cpu_count() or 1)),
         "-T", str(max(1, round(seconds))), "-n", url],
        env=env, check=True, capture_output=True, text=True)
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)",
                      finished.stdout) or re.search(r"tps = ([0-9.]+)", finished.stdout)
    if match is None:
        raise RuntimeError(f"pgbench printed no tps: {finished.stdout[-500:]}")
    return float(match.group(1))


# -- the figures ----------------------------------------------------------------------

def _sealer(settings: Settings):
    from kiosk.services.secrets import Sealer, read_pepper
    return Sealer(read_pepper(settings.pepper_path))


def measure(settings: Settings, data, numbers: list[str], charges: int, seconds: float,
            warmup: int, pg_url: str) -> dict[str, float]:
    """`numbers`: at least 32 funded cards in the PostgreSQL store of `settings`."""
    from benchmarks.stores import pg_schema
    from kiosk.services import cards
    from kiosk.services.verify import verify

    def total(card_numbers):
        return sum(cards.view(cards.get_card(n)).principal for n in card_numbers)

    figures: dict[str, float] = {}
    counts = TERMINAL_COUNTS
    all_tills = tills(data, max(counts))
    used = numbers[:max(counts)]
    before = total(used)
    succeeded = 0
    rates = {}
    with pg_schema(pg_url, "pgbench") as bench_url:
        figures["pgbench_tps"] = pgbench_tps(bench_url, PROCESSES, seconds)
    for count in counts:
        result = terminals_rate(settings, list(zip(all_tills[:count], used[:count])),
                                seconds, warmup)
        rates[count] = result["per_s"]
        succeeded += result["succeeded"]
        figures[f"pg_terminals_per_s_{count}"] = result["per_s"]
        figures[f"pg_terminals_errors_{count}"] = result["errors"]
        if count == max(counts) and result["latencies"]:
            from benchmarks.figures import percentile
            figures[f"pg_charge_p50_ms_at_{count}"] = percentile(result["latencies"], 0.5) * 1000
            figures[f"pg_charge_p99_ms_at_{count}"] = percentile(result["latencies"], 0.99) * 1000
    figures["pg_terminals_ratio"] = rates[PROCESSES] / figures["pgbench_tps"]
    figures["pg_scaling"] = rates[max(counts)] / rates[PROCESSES] if rates[PROCESSES] else 0.0

    one_card_before = total(used[:1])
    one_rate, one_done = _round(settings, [(till, used[:1]) for till in all_tills[:PROCESSES]],
                                charges)
    figures["pg_one_card_charges_per_s"] = one_rate
    anomalies = len(verify(_sealer(settings)).violations)
    anomalies += int(total(used) != before - 100 * (succeeded + one_done))
    anomalies += int(total(used[:1]) != one_card_before - 100 * one_done)
    anomalies += int(any(cards.view(cards.get_card(n)).principal < 0 for n in used))
    figures["pg_anomalies"] = anomalies
    return figures


def sustained(settings: Settings, data, numbers: list[str], seconds: float
              ) -> dict[str, float]:
    """8 terminals charging random cards of `numbers` for `seconds`; anomalies must be 0."""
    from kiosk.services import cards
    from kiosk.services.verify import verify

    def total():
        return sum(cards.view(cards.get_card(n)).principal for n in numbers)

    before = total()
    rate, done = _round(settings, [(till, numbers) for till in tills(data, PROCESSES)], 0,
                        seconds)
    anomalies = len(verify(_sealer(settings)).violations) + int(total() != before - 100 * done)
    anomalies += int(any(cards.view(cards.get_card(n)).principal < 0 for n in numbers))
    return {"pg_sustained_seconds": seconds, "pg_sustained_charges": done,
            "pg_sustained_charges_per_s": rate, "pg_sustained_anomalies": anomalies}
