#!/usr/bin/env python3
"""Where a charge's time goes on PostgreSQL: every statement of N charges of one
terminal counted and timed at the driver (round trip + server), the rest is Python.

    .venv/bin/python scripts/profile_pg_charge.py postgresql://postgres@127.0.0.1:5432/test [N]

Runs in a throw-away schema of the server given (dropped after)."""

from __future__ import annotations

import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import peewee  # noqa: E402

from benchmarks import contention, dataset, figures  # noqa: E402
from benchmarks.stores import bench_settings, cashier_session, pg_schema  # noqa: E402
from kiosk.services import charge as charging  # noqa: E402
from kiosk.services.bootstrap import open_runtime  # noqa: E402
from kiosk.store import db  # noqa: E402


def main(url: str, count: int) -> None:
    with pg_schema(url, "prof") as schema_url, tempfile.TemporaryDirectory() as folder:
        settings = bench_settings(Path(folder), schema_url)
        runtime = open_runtime(settings, initialise=True)
        data = dataset.create_base(runtime)
        dataset.grow_members(data, 50)
        numbers = figures.fund_cards(cashier_session(runtime, data), 10)
        session = contention._session(settings, contention.tills(data, 1)[0])
        counts, times = collections.Counter(), collections.Counter()
        real = peewee.PostgresqlDatabase.execute_sql

        def execute_sql(self, sql, params=None, *args, **kwargs):
            started = time.perf_counter()
            try:
                return real(self, sql, params, *args, **kwargs)
            finally:
                kind = sql.split(" WHERE")[0][:70]
                counts[kind] += 1
                times[kind] += time.perf_counter() - started

        peewee.PostgresqlDatabase.execute_sql = execute_sql
        for index in range(30):  # warm-up: caches, connection
            charging.charge(session, card_number=numbers[index % 10], amount=100, pin=None,
                            key=f"warm-{index}")
        counts.clear()
        times.clear()
        started = time.perf_counter()
        for index in range(count):
            charging.charge(session, card_number=numbers[index % 10], amount=100, pin=None,
                            key=f"prof-{index}")
        total = time.perf_counter() - started
        inside = sum(times.values())
        print(f"{count} charges: {total / count * 1000:.2f} ms each; "
              f"{sum(counts.values()) / count:.1f} statements, "
              f"{inside / count * 1000:.2f} ms in them, {(total - inside) / count * 1000:.2f} ms "
              f"outside (Python, BEGIN/COMMIT)")
        for kind, n in counts.most_common():
            print(f"{n / count:5.2f} {times[kind] / count * 1000:7.3f} ms  {kind}")
        db.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
