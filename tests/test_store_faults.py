"""The database misbehaving under a charge: locked, full, connection killed. A clear
message, nothing posted twice or half, and the next try works."""

import sqlite3

import peewee
import psycopg2
import pytest

from kiosk.errors import StoreUnavailable
from kiosk.services import charge as charging, operations
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import PG_URL, SV_CARD


def principal():
    return models.Account.get(models.Account.code == f"card:{SV_CARD}:principal").balance


def charges(key=None):
    query = models.Operation.select().where(models.Operation.kind == "charge")
    if key:
        query = query.where(models.Operation.idempotency_key == key)
    return query.count()


@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite's own file lock
def test_sqlite_locked_beyond_the_busy_timeout(cashier, backend):
    path = cashier.runtime.settings.db_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None, timeout=1)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    models.Account._meta.database.obj.connection().execute("PRAGMA busy_timeout = 300")
    try:
        with pytest.raises(StoreUnavailable, match="locked by another program"):
            charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert charges() == 0 and principal() == 20000
    charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k")
    assert charges("k") == 1 and principal() == 19900


def test_disk_full_during_a_charge(cashier, monkeypatch):
    def full_disk(self):
        raise peewee.OperationalError(sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(operations.Posting, "apply", full_disk)
    with pytest.raises(StoreUnavailable, match="disk is full"):
        charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k")
    monkeypatch.undo()
    assert charges() == 0 and principal() == 20000 and verify(cashier.runtime.sealer).ok


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgres_connection_killed_mid_charge(cashier, backend, monkeypatch):
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    killed = []
    real_apply = operations.Posting.apply

    def kill_then_apply(self):
        if not killed:
            pid = models.Account._meta.database.obj.execute_sql(
                "SELECT pg_backend_pid()").fetchone()[0]
            admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
            killed.append(pid)
        real_apply(self)

    monkeypatch.setattr(operations.Posting, "apply", kill_then_apply)
    result = charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k")
    admin.close()
    assert killed and not result.replayed
    assert charges("k") == 1 and principal() == 19900 and verify(cashier.runtime.sealer).ok


@pytest.mark.parametrize("backend", ["postgresql"])
def test_postgres_connection_killed_between_charges(cashier, backend):
    charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="a")
    pid = models.Account._meta.database.obj.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
    admin.close()
    result = charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="b")
    assert not result.replayed and principal() == 19800


@pytest.mark.slow
def test_postgres_server_restarted_mid_charge(tmp_path, monkeypatch):
    """The server goes down and comes back while a charge is in flight: the terminal
    reconnects by itself and the charge is posted exactly once. The server is the test's
    own (tests/pg_clusters.py): restarting the shared one cut every other test's
    connections when the suite ran in parallel."""
    from kiosk.services import demo
    from kiosk.services.bootstrap import open_runtime
    from kiosk.services.session import Session
    from kiosk.store import db
    from tests import pg_clusters
    from tests.conftest import login_as, make_settings, need
    need(pg_clusters.why_not() is None,
         f"cannot make a PostgreSQL server here: {pg_clusters.why_not()}")
    with pg_clusters.lone_server() as server:
        runtime = open_runtime(make_settings(tmp_path / "home",
                                             server.url(server.primary_port)),
                               initialise=True)
        try:
            demo.seed(lambda actor: Session(runtime, actor))
            _charge_across_a_restart(login_as(runtime, "cashier1"), server, monkeypatch)
        finally:
            db.close()


def _charge_across_a_restart(cashier, server, monkeypatch) -> None:
    restarted = []
    real_apply = operations.Posting.apply

    def restart_then_apply(self):
        if not restarted:
            restarted.append(True)
            server.restart_primary()
        real_apply(self)

    monkeypatch.setattr(operations.Posting, "apply", restart_then_apply)
    result = charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="r1")
    assert restarted and not result.replayed
    monkeypatch.setattr(operations.Posting, "apply", real_apply)
    again = charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="r1")
    assert again.replayed  # the screen's retry of the same sale: shown, not posted twice
    assert charges("r1") == 1 and principal() == 19900 and verify(cashier.runtime.sealer).ok
