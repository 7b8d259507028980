#!/usr/bin/env python3
"""Where a charge's time goes on PostgreSQL: every statement of N charges of one
terminal counted and timed at the driver (round trip + server), and the CPU each side
spent: this process (Python, the driver) and its PostgreSQL backend (parse, plan,
execute, WAL). CPU is what bounds the 2-core bench machine with 8 or 32 terminals
charging, and, unlike wall time, it hardly moves with the machine's load.

    .venv/bin/python scripts/profile_pg_charge.py postgresql://postgres@127.0.0.1:5432/test [N] [--cprofile]

Runs in a throw-away schema of the server given (dropped after). The backend's CPU is
read from /proc, so the server must run on this machine (and /proc/PID of a postgres
process be readable: root, or the postgres user). --cprofile adds the Python functions
that take the most time of N charges; --sql="ALTER TABLE ..." runs a statement on the
new store first (to try an index or a table setting before writing a migration)."""

from __future__ import annotations

import collections
import cProfile
import os
import pstats
import re
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
from kiosk.store import db, sql  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_seconds(pid: int) -> float | None:
    """user + system CPU of a local process (fields 14 and 15 of /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _label(text: str) -> str:
    """A statement as the profile names it: prepared ones by their text, a row's columns
    left out."""
    names = {name: text for text, name in sql._names.items()}
    parts = []
    for part in text.split("; "):
        if part.startswith("EXECUTE "):
            part = names.get(part.split()[1].split("(")[0], part)
        if part.startswith("SELECT "):
            part = "SELECT ... FROM " + _outer_from(part)
        part = re.sub(r"^(INSERT INTO \S+) \(.*", r"\1", part)
        parts.append(" ".join(part.split(" WHERE")[0].split())[:60])
    return "; ".join(parts)


def _outer_from(text: str) -> str:
    """What follows a SELECT's own FROM (not a subquery's)."""
    depth = 0
    for index, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth == 0 and text.startswith(" FROM ", index):
            return text[index + 6:]
    return text


def _statement_stats_available() -> bool:
    """pg_stat_statements (on a server of one's own: it must be preloaded) counts what the
    server spent planning and executing each statement, the foreign key checks too."""
    found = db.database.execute_sql(
        "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'").fetchone()
    if found:
        db.database.execute_sql("SELECT public.pg_stat_statements_reset()")
    return bool(found)


def _print_statement_stats(count: int) -> None:
    rows = db.database.execute_sql(
        "SELECT calls, total_plan_time, total_exec_time, toplevel, query "
        "FROM public.pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
        "WHERE datname = current_database()) AND query NOT LIKE '%%pg_stat_statements%%' "
        "ORDER BY total_plan_time + total_exec_time DESC").fetchall()
    plan = sum(row[1] for row in rows) / count * 1000
    run = sum(row[2] for row in rows if row[3]) / count * 1000
    print(f"\nserver per charge (pg_stat_statements): planning {plan:.0f} us, executing "
          f"{run:.0f} us (nested statements included in their caller's)")
    print(" calls  plan us  exec us  (per call)")
    for calls, plan_ms, exec_ms, toplevel, query in rows[:40]:
        print(f"{calls / count:6.2f} {plan_ms / calls * 1000:8.1f} {exec_ms / calls * 1000:8.1f}"
              f" {'' if toplevel else '(nested) '}{' '.join(query.split())[:90]}")


def main(url: str, count: int, with_cprofile: bool, setup: list[str]) -> None:
    with pg_schema(url, "prof") as schema_url, tempfile.TemporaryDirectory() as folder:
        settings = bench_settings(Path(folder), schema_url)
        runtime = open_runtime(settings, initialise=True)
        data = dataset.create_base(runtime)
        dataset.grow_members(data, 50)
        for statement in setup:  # an experiment: an index dropped, a table's fillfactor
            db.database.execute_sql(statement)
        numbers = figures.fund_cards(cashier_session(runtime, data), 10)
        session = contention._session(settings, contention.tills(data, 1)[0])
        counts, times = collections.Counter(), collections.Counter()
        real_execute = peewee.PostgresqlDatabase.execute_sql

        driver_cpu = [0.0]

        def counted(kind: str, action, *args, **kwargs):
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return action(*args, **kwargs)
            finally:
                counts[kind] += 1
                times[kind] += time.perf_counter() - started
                driver_cpu[0] += time.process_time() - cpu

        def execute_sql(self, sql, params=None, *args, **kwargs):
            return counted(_label(sql), real_execute, self, sql, params, *args, **kwargs)

        store = type(db.database.obj)
        real_begin, real_commit = store.begin, store.commit
        peewee.PostgresqlDatabase.execute_sql = execute_sql
        store.begin = lambda self, *a, **k: counted("BEGIN", real_begin, self, *a, **k)
        store.commit = lambda self, *a, **k: counted(
            "".join(f"{_label(text)}; " for text, _ in
                    self.kept_for_commit()) + "COMMIT",
            real_commit, self, *a, **k)
        for index in range(50):  # warm-up: caches, connection
            charging.charge(session, card_number=numbers[index % 10], amount=100, pin=None,
                            key=f"warm-{index}")
        backend = db.database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        statements = _statement_stats_available()
        counts.clear()
        times.clear()
        driver_cpu[0] = 0.0
        profiler = cProfile.Profile() if with_cprofile else None
        server_before = backend_cpu_seconds(backend)
        cpu_before, started = os.times(), time.perf_counter()
        if profiler:
            profiler.enable()
        for index in range(count):
            charging.charge(session, card_number=numbers[index % 10], amount=100, pin=None,
                            key=f"prof-{index}")
        if profiler:
            profiler.disable()
        total = time.perf_counter() - started
        client = os.times()
        client_user, client_system = client.user - cpu_before.user, client.system - cpu_before.system
        server_after = backend_cpu_seconds(backend)
        inside = sum(times.values())
        per = 1000 / count
        print(f"load average (1 min): {os.getloadavg()[0]:.2f}")
        print(f"{count} charges: {total * per:.2f} ms each (wall); "
              f"{sum(counts.values()) / count:.1f} round trips "
              f"({sum(n for k, n in counts.items() if k not in ('BEGIN', 'COMMIT')) / count:.1f}"
              f" statements, BEGIN, COMMIT), {inside * per:.2f} ms waiting on them")
        print(f"CPU per charge: Python {(client_user + client_system) * per:.2f} ms "
              f"({client_user * per:.2f} user, {client_system * per:.2f} system; "
              f"{driver_cpu[0] * per:.2f} of it in the driver: sending, receiving, "
              f"converting rows)"
              + (f", PostgreSQL backend {(server_after - server_before) * per:.2f} ms"
                 if server_before is not None and server_after is not None
                 else " (the backend's CPU is not readable here)"))
        for kind, n in counts.most_common():
            print(f"{n / count:5.2f} {times[kind] * per:7.3f} ms  {kind}")
        if statements:
            _print_statement_stats(count)
        if profiler:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(80)
        db.close()


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(arguments[0], int(arguments[1]) if len(arguments) > 1 else 300,
         "--cprofile" in sys.argv,
         [a.removeprefix("--sql=") for a in sys.argv[1:] if a.startswith("--sql=")])
