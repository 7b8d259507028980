"""The benchmark runs end to end (at tiny sizes) and its data set is a sound ledger.
Speed itself is never asserted here: `kiosk bench` reports ratios."""

from kiosk.bench import TINY, run
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
