"""Failover that loses nothing (issue 18): the store server with a synchronous standby,
terminals charging, the primary killed, the standby promoted; the terminals reconnect
through a multi-host URL (target_session_attrs=read-write) and go on. Then a new
synchronous standby is attached to the promoted one while they charge
(scripts/attach-standby.sh): they never stop, and it ends up with every charge.

Judged by what the new primary holds: every charge a terminal was told was done is
there exactly once; a charge whose commit the terminal never heard about was looked up
by its key once the store answered (what the counter screen then shows), and the
answer matches the store; balances equal the charges committed; kiosk verify is clean.
The clusters are made by the test itself (tests/pg_clusters.py), never the shared one.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter

import pytest

from tests.conftest import make_settings, need
from tests import pg_clusters

pytestmark = [pytest.mark.pg, pytest.mark.failover]

TERMINALS = 4
BEFORE_KILL = 15   # charges each terminal makes before the primary dies
AFTER_PROMOTION = 15  # and after the standby took over
AFTER_ATTACH = 10  # and once a new synchronous standby is attached to it
NEW_STANDBY = "standby2"


def _terminal(settings, till, number, tag, index, counts, stop, results) -> None:
    """A counter charging ¥1 again and again, as the card screen does: a charge that
    fails with the store unreachable (StoreUnavailable, or a driver error, which the
    app's error boundary turns into one) is looked up by its key (charge.posted) until
    the store answers, and the answer is what the screen would say."""
    from benchmarks.contention import _session
    from kiosk.errors import KioskError, StoreUnavailable
    from kiosk.services import charge as charging
    from kiosk.store.failures import DATABASE_ERRORS
    session = _session(settings, till)
    log = []
    attempt = 0
    while not stop.is_set():
        attempt += 1
        key = f"{tag}-{attempt}"
        try:
            result = charging.charge(session, card_number=number, amount=100, pin=None,
                                     key=key)
            log.append((key, "done", result.reconnected, result.replayed))
        except (StoreUnavailable, *DATABASE_ERRORS):  # as the app's error boundary maps it
            deadline = time.monotonic() + 120
            while True:
                try:
                    found = charging.posted(session, key)
                except StoreUnavailable:
                    if time.monotonic() > deadline:
                        log.append((key, "unknown", True, False))
                        break
                    time.sleep(0.3)
                    continue
                log.append((key, "in-flight committed" if found else "in-flight not committed",
                            True, bool(found)))
                break
        except KioskError as error:
            log.append((key, f"refused {type(error).__name__}", False, False))
        counts[index] += 1
    results.put((tag, number, log))


def test_failover_to_the_synchronous_standby_loses_and_doubles_nothing(tmp_path):
    need(pg_clusters.why_not() is None, f"cannot make PostgreSQL clusters here: "
                                        f"{pg_clusters.why_not()}")
    from benchmarks import contention, dataset, figures
    from benchmarks.stores import cashier_session
    from kiosk.services import cards
    from kiosk.services.bootstrap import open_runtime
    from kiosk.services.verify import verify
    from kiosk.store import db, models

    with pg_clusters.primary_and_standby() as pair:
        settings = make_settings(tmp_path / "home", pair.multi_host_url)
        runtime = open_runtime(settings, initialise=True)
        data = dataset.create_base(runtime)
        dataset.grow_members(data, TERMINALS)
        numbers = figures.fund_cards(cashier_session(runtime, data), TERMINALS, 100_000)
        tills = contention.tills(data, TERMINALS)
        db.close()

        context = multiprocessing.get_context("spawn")
        counts = context.Array("i", TERMINALS)
        stop, results = context.Event(), context.Queue()
        workers = [context.Process(target=_terminal, args=(
            settings, till, number, f"fo-{n}", n, counts, stop, results), daemon=True)
            for n, (till, number) in enumerate(zip(tills, numbers))]
        for worker in workers:
            worker.start()
        try:
            _wait(lambda: min(counts[:]) >= BEFORE_KILL, "the terminals never got going",
                  workers)
            pair.kill_primary()
            time.sleep(0.5)  # the terminals find it gone mid-charge
            pair.promote_standby()
            after = list(counts[:])
            _wait(lambda: all(c >= a + AFTER_PROMOTION for c, a in zip(counts[:], after)),
                  "the terminals did not go on after the failover", workers)
            # The promoted standby runs alone: a new synchronous standby is attached
            # (docs/scaling.md) while the terminals go on charging.
            attaching = list(counts[:])
            new_standby = pair.attach_standby(NEW_STANDBY)
            attached = list(counts[:])
            assert all(b > a for a, b in zip(attaching, attached)), (attaching, attached)
            assert pair.sync_state(pair.standby_port, NEW_STANDBY) == "sync"
            _wait(lambda: all(c >= a + AFTER_ATTACH for c, a in zip(counts[:], attached)),
                  "the terminals did not go on with the new standby", workers)
        finally:
            stop.set()
        logs = [results.get(timeout=180) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)

        # The promoted standby is now the store: reached through the same URL.
        runtime = open_runtime(settings)
        try:
            stored = Counter(key for (key,) in models.Operation.select(
                models.Operation.idempotency_key).where(
                models.Operation.kind == "charge",
                models.Operation.idempotency_key.startswith("fo-")).tuples())
            told_done = shown_committed = 0
            for tag, number, log in logs:
                committed = 0
                for key, status, reconnected, _ in log:
                    if status == "done" or status == "in-flight committed":
                        assert stored[key] == 1, (key, status, stored[key])
                        committed += 1
                        told_done += status == "done"
                        shown_committed += status == "in-flight committed"
                    elif status == "in-flight not committed":
                        assert stored[key] == 0, (key, status)
                    else:
                        assert status.startswith("refused"), (key, status)
                        assert stored[key] == 0, (key, status)
                # Nothing in the store that no terminal was told about.
                keys = {entry[0] for entry in log}
                assert all(key in keys for key in stored if key.startswith(f"{tag}-"))
                assert cards.view(cards.get_card(number)).principal == \
                    100_000 - 100 * committed, number
            assert all(count == 1 for count in stored.values())
            assert told_done >= TERMINALS * (BEFORE_KILL + AFTER_PROMOTION)
            report = verify(runtime.sealer)
            assert report.ok, report.violations
            # The new standby holds every charge: each commit since it became the
            # synchronous standby waited for it, and it copied what came before.
            _wait(lambda: pair.query(new_standby, "SELECT pg_last_wal_replay_lsn() >= '"
                                     + pair.query(pair.standby_port,
                                                  "SELECT pg_current_wal_lsn()") + "'")
                  == "t", "the new standby did not catch up", [])
            assert pair.query(new_standby, "SELECT count(*) FROM operation WHERE kind = "
                              "'charge' AND idempotency_key LIKE 'fo-%'") == \
                str(sum(stored.values()))
        finally:
            db.close()


def _wait(condition, failure: str, workers, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(failure)
        if not all(worker.is_alive() for worker in workers):
            pytest.fail(f"{failure}: a terminal process died (its traceback is above)")
        time.sleep(0.1)
