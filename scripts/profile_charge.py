"""Where a charge's time goes: each step timed over many charges on a growing store.

    .venv/bin/python scripts/profile_charge.py [CHARGES] [--cprofile]

Timers around the steps (not a profiler, which inflates Python calls and hides the
commit) print microseconds per charge; --cprofile adds cProfile's top functions over
the last 500 charges. The store is a temporary bench store (docs/performance.md)."""

from __future__ import annotations

import cProfile
import collections
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.busy_day import _funded_store
from benchmarks.stores import bench_settings
from kiosk.services import audit, cards, operations, receipts
from kiosk.services import charge as charging
from kiosk.store import sql
from kiosk.store.db import database

STEPS = [  # module, function, label
    (charging, "perform", "perform (all below but the card lookup)"),
    (cards, "get_card", "card with its product"),
    (charging, "_check_card_for_charge", "restrictions and outlet"),
    (charging, "card_accounts", "card accounts"),
    (receipts, "queue", "receipt, all of it"),
    (receipts, "render", "receipt layout and bytes"),
    (operations.Posting, "apply", "balances and journal rows"),
    (audit, "append", "audit event"),
    (sql, "insert", "row inserts"),
    (operations, "_log", "log line"),
]


def timing(spent: collections.Counter, owner, name: str, label: str) -> None:
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started
    setattr(owner, name, timed)


def main(charges: int, with_cprofile: bool) -> None:
    session, numbers = _funded_store(bench_settings(Path(tempfile.mkdtemp())), 200, charges)
    spent: collections.Counter = collections.Counter()
    for owner, name, label in STEPS:  # patched where the charge path looks them up
        timing(spent, owner, name, label)
    timing(spent, database.obj, "commit", "COMMIT (fsync)")
    rng = random.Random(1)
    started = time.perf_counter()
    for index in range(charges):
        charging.charge(session, card_number=rng.choice(numbers), amount=100, pin=None,
                        key=f"profile-{index}")
    total = time.perf_counter() - started
    print(f"{charges} charges, {total / charges * 1e3:.3f} ms each (timers included)")
    for label, seconds in spent.most_common():
        print(f"  {label:42} {seconds / charges * 1e6:8.1f} us")
    if with_cprofile:
        profile = cProfile.Profile()
        profile.enable()
        for index in range(500):
            charging.charge(session, card_number=rng.choice(numbers), amount=100, pin=None,
                            key=f"profile-c-{index}")
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if not argument.startswith("--")]
    main(int(arguments[0]) if arguments else 2000, "--cprofile" in sys.argv)
