"""The benchmark runs end to end (at tiny sizes) and its data set is a sound ledger.
Speed itself is never asserted here: `kiosk bench` reports ratios."""

from benchmarks import TINY, run
from tests.conftest import PG_URL, pg_reachable


def test_every_figure_is_reported():
    lines = []
    results = run(quick=True, pg_url=PG_URL if pg_reachable() else None, emit=lines.append,
                  sizes=TINY)
    for name in ("charge_ratio", "charge_p50_ms", "charge_p99_ms", "startup_ratio",
                 "swipe_to_card_p50_ms", "swipe_to_card_p99_ms", "search_ratio_phone",
                 "search_ratio_card", "search_ratio_name_prefix", "export_ratio",
                 "export_peak_mb", "verify_ratio"):
        assert name in results, name
    assert results["verify_violations"] == 0
    assert any(line.startswith("figure") for line in lines)
    if pg_reachable():
        assert results["pg_anomalies"] == 0


def test_the_busy_day_checks_the_ledger_after_the_load():
    from benchmarks import busy_day
    results = {}
    busy_day.sqlite_day(40, results.__setitem__)
    assert results["busy_day_charges"] == 40
    assert results["busy_day_verify_violations"] == 0
    assert results["busy_day_balance_mismatch_fen"] == 0
    if pg_reachable():
        busy_day.pg_day(PG_URL, 2.0, results.__setitem__)
        assert results["pg_sustained_charges"] > 0 and results["pg_sustained_anomalies"] == 0
