"""The benchmark runs end to end (at tiny sizes), every figure it reports is a number in
a range that makes sense for what it measures, the goal table judges the figures it
names, and its data set is a sound ledger. Speed itself is never asserted here: `kiosk
bench` reports ratios."""

from __future__ import annotations

import math
import re

import pytest

from benchmarks import GOALS, TINY, run, summary
from tests.conftest import PG_URL, need, pg_reachable

# One worker runs the tiny bench once for the tests that read its figures.
pytestmark = pytest.mark.xdist_group("bench")

# What a figure's name says it is -> the range its value must lie in (inclusive). A
# figure no pattern knows fails the test: give it a range here when you add it.
SANE = [
    (r"(verify_violations|pg_anomalies|pg_sustained_anomalies)", (0, 0)),  # a sound ledger
    (r"pg_terminals_errors_\d+", (0, 1_000_000)),
    (r"export_rows|pg_sustained_charges", (1, 100_000_000)),
    (r".*ratio.*|pg_scaling", (1e-6, 10_000)),                  # ours against a baseline
    (r".*_ms(_at_\d+)?", (1e-6, 60_000)),                        # a latency: under a minute
    (r".*_seconds", (1e-6, 3_600)),
    (r".*(_per_s(_\d+)?|_tps)", (1e-3, 10_000_000)),
    (r".*_mb", (1e-6, 16_384)),
]


def sane_range(name: str) -> tuple[float, float]:
    ranges = [bounds for pattern, bounds in SANE if re.fullmatch(pattern, name)]
    assert ranges, f"{name}: no sane range known for this figure (add one to SANE)"
    return ranges[0]


def tiny_run(pg_url: str | None) -> tuple[dict[str, float], list[str]]:
    lines: list[str] = []
    return run(quick=True, pg_url=pg_url, emit=lines.append, sizes=TINY), lines


@pytest.fixture(scope="module")
def sqlite_run():
    return tiny_run(None)


def assert_sane(results: dict[str, float]) -> None:
    for name, value in results.items():
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (name, value)
        assert math.isfinite(value), (name, value)
        low, high = sane_range(name)
        assert low <= value <= high, f"{name} = {value}, outside {low}..{high}"


def assert_goal_table(results: dict[str, float], lines: list[str]) -> None:
    table = {line.split()[0]: line.split() for line in lines[lines.index("") + 2:]}
    assert set(table) == set(GOALS) & set(results)
    for name, (figure, value, goal, *verdict) in table.items():
        comparison, target = GOALS[name]
        assert float(value) == pytest.approx(results[name], abs=0.0005)
        assert goal == f"{comparison}{target}"
        met = results[name] >= target if comparison == ">=" else results[name] <= target
        assert " ".join(verdict) == ("met" if met else "NOT MET")


def test_every_figure_is_a_number_in_a_sane_range(sqlite_run):
    results, _ = sqlite_run
    for name in ("charge_ratio", "charge_p50_ms", "charge_p99_ms", "startup_ratio",
                 "swipe_to_card_p50_ms", "swipe_to_card_p99_ms", "search_ratio_phone",
                 "search_ratio_card", "search_ratio_name_prefix", "export_ratio",
                 "export_peak_mb", "verify_ratio", "verify_violations"):
        assert name in results, name
    assert_sane(results)
    assert results["charge_p50_ms"] <= results["charge_p99_ms"]
    assert results["swipe_to_card_p50_ms"] <= results["swipe_to_card_p99_ms"]


def test_the_goal_table_matches_the_figures(sqlite_run):
    results, lines = sqlite_run
    assert all(name in results or name.startswith("pg_") for name in GOALS), \
        "a goal names a figure the bench does not report"
    assert_goal_table(results, lines)
    assert summary({"charge_ratio": 0.5, "export_ratio": 0.9})[2:] == [
        f"{'charge_ratio':30} {0.5:12.3f}  >={0.7:<7}  NOT MET",
        f"{'export_ratio':30} {0.9:12.3f}  >={0.8:<7}  met"]


# PostgreSQL's figures take a minute of terminals racing at tiny sizes: in CI (slow).
@pytest.mark.slow
def test_the_postgresql_figures_are_sane_and_judged():
    need(pg_reachable(), f"PostgreSQL is not reachable at KIOSK_TEST_PG_URL={PG_URL!r}")
    results, lines = tiny_run(PG_URL)
    assert {"pg_anomalies", "pg_terminals_ratio", "pg_scaling"} <= set(results)
    assert_sane(results)
    assert_goal_table(results, lines)


def test_the_busy_day_checks_the_ledger_after_the_load():
    from benchmarks import busy_day
    results = {}
    busy_day.sqlite_day(40, results.__setitem__)
    assert results["busy_day_charges"] == 40
    assert results["busy_day_verify_violations"] == 0
    assert results["busy_day_balance_mismatch_fen"] == 0


@pytest.mark.slow
def test_a_busy_postgresql_day_keeps_the_ledger_sound():
    from benchmarks import busy_day
    need(pg_reachable(), f"PostgreSQL is not reachable at KIOSK_TEST_PG_URL={PG_URL!r}")
    results = {}
    busy_day.pg_day(PG_URL, 2.0, results.__setitem__)
    assert results["pg_sustained_charges"] > 0 and results["pg_sustained_anomalies"] == 0
    assert_sane(results)
