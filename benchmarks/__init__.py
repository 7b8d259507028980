"""`kiosk bench [--quick] [--db URL]`: how close the kiosk is to what the machine can do.

Every figure is a ratio against a raw-driver baseline measured in the same run (or a
latency), on a deterministic data set the benchmark generates into a temporary
database. Output: one `name: value` line per figure, then a summary table.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks import dataset, figures
from benchmarks.raw_charge import raw_charge_rate
from benchmarks.stores import bench_settings, cashier_session, pg_schema
from kiosk.config import Settings
from kiosk.services.bootstrap import open_runtime
from kiosk.store import db


@dataclass(frozen=True)
class Sizes:
    member_stages: tuple[int, ...]
    history_stages: tuple[int, ...]   # operations; 2 journal rows each
    charges: int
    lookups: int
    swipes: int
    startup_runs: int
    pg_charges: int
    pg_seconds: float = 5.0  # the timed window of each terminal stage, and pgbench's run
    pg_warmup: int = 5       # charges each terminal makes before the window opens


QUICK = Sizes((10_000, 100_000), (5_000, 50_000), 200, 300, 20, 3, 40, 5.0, 5)
FULL = Sizes((10_000, 100_000, 1_000_000), (5_000, 50_000, 500_000), 1000, 2000, 50, 5, 150,
             15.0, 20)

GOALS = {  # figure -> (comparison, goal)
    "charge_ratio": (">=", 0.7), "startup_ratio": ("<=", 1.3), "search_ratio_phone": ("<=", 2),
    "search_ratio_card": ("<=", 2), "search_ratio_name_prefix": ("<=", 2),
    "export_ratio": (">=", 0.8), "pg_anomalies": ("<=", 0),
    "pg_terminals_ratio": (">=", 0.25), "pg_scaling": (">=", 0.9),
}


TINY = Sizes((300,), (200,), 5, 5, 2, 1, 3, 1.0, 1)  # for the test that the bench runs at all


def run(*, quick: bool, pg_url: str | None, emit: Callable[[str], None],
        sizes: Sizes | None = None) -> dict[str, float]:
    sizes = sizes or (QUICK if quick else FULL)
    results: dict[str, float] = {}

    def report(name: str, value: float) -> None:
        results[name] = value
        emit(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")

    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as folder:
        settings = bench_settings(Path(folder))
        _sqlite_figures(settings, sizes, report)
        if pg_url:
            _pg_figures(settings, pg_url, sizes, report)
        else:
            emit("pg_contention: skipped (give --db postgresql://... to measure it)")
    for line in summary(results):
        emit(line)
    return results


def _sqlite_figures(settings: Settings, sizes: Sizes, report) -> None:
    runtime = open_runtime(settings, initialise=True)
    data = dataset.create_base(runtime)
    session = cashier_session(runtime, data)
    db_path = settings.home / "kiosk.db"
    funded: list[str] = []
    for members, operations in zip(sizes.member_stages, sizes.history_stages):
        started = time.perf_counter()
        dataset.grow_members(data, members)
        dataset.grow_history(data, operations)
        report(f"dataset_{members}_seconds", time.perf_counter() - started)
        funded = funded or figures.fund_cards(session, 50)
        latencies = figures.charge_latencies(session, funded, 100, f"growth{members}")
        report(f"charge_p50_ms_at_{members}", statistics.median(latencies) * 1000)
        ours, _ = figures.search_times(session, data, db_path, 200)["phone"]
        report(f"search_phone_ms_at_{members}", ours / 200 * 1000)

    latencies = figures.charge_latencies(session, funded, sizes.charges, "main")
    ours_rate = len(latencies) / sum(latencies)
    raw_rate = raw_charge_rate(db_path, data, funded, sizes.charges)
    report("charge_per_s", ours_rate)
    report("charge_raw_per_s", raw_rate)
    report("charge_ratio", ours_rate / raw_rate)
    report("charge_p50_ms", figures.percentile(latencies, 0.5) * 1000)
    report("charge_p99_ms", figures.percentile(latencies, 0.99) * 1000)
    report("pin_check_ms", figures.pin_check_ms(session))

    for kind, (ours, raw) in figures.search_times(session, data, db_path, sizes.lookups).items():
        report(f"search_ratio_{kind}", ours / raw)

    export_folder = settings.home / "export"
    ours, raw = figures.export_rate(session, data, export_folder)
    report("export_rows", data.journal_rows)
    report("export_rows_per_s", ours)
    report("export_ratio", ours / raw)
    report("export_peak_mb", figures.export_peak_mb(session, data, export_folder))

    ours, raw, violations = figures.verify_times(db_path, runtime.sealer)
    report("verify_violations", violations)  # the data set must be sound
    report("verify_seconds", ours)
    report("verify_ratio", ours / raw)

    swipes = figures.swipe_to_card_ms(runtime, funded, sizes.swipes)
    report("swipe_to_card_p50_ms", figures.percentile(swipes, 0.5))
    report("swipe_to_card_p99_ms", figures.percentile(swipes, 0.99))
    db.close()

    kiosk = figures.startup_seconds("kiosk", settings.home, sizes.startup_runs)
    bare = figures.startup_seconds("bare", settings.home, sizes.startup_runs)
    report("startup_seconds", kiosk)
    report("startup_ratio", kiosk / bare)


def _pg_figures(settings: Settings, pg_url: str, sizes: Sizes, report) -> None:
    from benchmarks import contention
    with pg_schema(pg_url) as url:
        pg_settings = replace(settings, db_url=url)
        runtime = open_runtime(pg_settings, initialise=True)
        data = dataset.create_base(runtime)
        dataset.grow_members(data, 100)
        funded = figures.fund_cards(cashier_session(runtime, data),
                                    max(contention.TERMINAL_COUNTS))
        for name, value in contention.measure(pg_settings, data, funded, sizes.pg_charges,
                                              sizes.pg_seconds, sizes.pg_warmup,
                                              pg_url).items():
            report(name, value)


def summary(results: dict[str, float]) -> list[str]:
    lines = ["", f"{'figure':30} {'value':>12}  {'goal':>8}  result"]
    for name, value in results.items():
        goal = GOALS.get(name)
        if goal is None:
            continue
        comparison, target = goal
        met = value >= target if comparison == ">=" else value <= target
        lines.append(f"{name:30} {value:12.3f}  {comparison}{target:<7}  "
                     f"{'met' if met else 'NOT MET'}")
    return lines
