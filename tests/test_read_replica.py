"""Reports off the primary (issue 18): `--read-db URL` (or KIOSK_READ_DB) sends the
export and the ledgers to a read replica; the store's own URL is not opened for them.
Shown here by giving a --db that cannot be opened at all: the reports still run, from
the read URL, and the same commands without --read-db fail on the --db."""

import datetime as dt

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.store import db


@pytest.fixture
def home(tmp_path, store_url, monkeypatch):
    monkeypatch.setenv("KIOSK_HASH_TIME_COST", "1")
    monkeypatch.setenv("KIOSK_HASH_MEMORY_KIB", "64")
    home = tmp_path / "h"
    for command in (["init"], ["seed-demo"]):
        result = CliRunner().invoke(main, ["--db", store_url, "--home", str(home), *command])
        db.close()
        assert result.exit_code == 0, result.output
    return home


def _run(home, *args, env=None):
    result = CliRunner().invoke(main, ["--home", str(home), *args], env=env)
    db.close()
    return result


def test_reports_read_from_the_replica_url(home, store_url, tmp_path):
    nowhere = f"sqlite:///{tmp_path / 'no-such-primary.db'}"
    from kiosk.services.business_date import business_date
    # The demo outlet's business date now (Asia/Shanghai, from 04:00), not the UTC date.
    today = business_date(dt.datetime.utcnow(), "Asia/Shanghai", "04:00").isoformat()
    export = _run(home, "--db", nowhere, "--read-db", store_url, "export", "--date", today,
                  "--out", str(tmp_path / "out"))
    assert export.exit_code == 0, export.output
    assert "rows" in export.output
    ledger = _run(home, "--db", nowhere, "ledger", "general", "--date", today,
                  env={"KIOSK_READ_DB": store_url})
    assert ledger.exit_code == 0, ledger.output
    assert len(ledger.output.strip().splitlines()) >= 2  # the table's header and rows
    without = _run(home, "--db", nowhere, "export", "--date", today, "--out",
                   str(tmp_path / "out2"))
    assert without.exit_code != 0  # the --db itself: there is no database there


@pytest.fixture
def replica_url(backend, tmp_path):
    """A second store standing in for the primary's read replica: seeded alike, then
    left behind (nothing the primary does later reaches it), so a read shows which of
    the two it came from."""
    from tests.conftest import drop_pg_schema, fresh_pg_url
    if backend == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'replica.db'}", None
    else:
        url, schema = fresh_pg_url()
    _seeded_store(tmp_path / "replica-home", url)
    yield url
    if schema:
        drop_pg_schema(schema)


def _seeded_store(home, url):
    from kiosk.services import demo
    from kiosk.services.bootstrap import open_runtime
    from kiosk.services.session import Session
    from tests.conftest import make_settings
    runtime = open_runtime(make_settings(home, url), initialise=True)
    demo.seed(lambda actor: Session(runtime, actor))
    db.close()
    return runtime


def test_the_apps_journal_reads_the_replica_and_every_charge_the_store(
        tmp_path, store_url, replica_url):
    import threading
    from dataclasses import replace

    from kiosk.services import journal, ledgers
    from kiosk.services.bootstrap import open_runtime
    from kiosk.services.charge import charge
    from kiosk.services.demo import DEMO_PIN, OUTLET_CODE
    from kiosk.store import models
    from tests.conftest import SV_CARD, login_as
    runtime = _seeded_store(tmp_path / "home", store_url)
    runtime = open_runtime(replace(runtime.settings, read_db_url=replica_url))
    try:
        cashier = login_as(runtime, "cashier1")
        sold = charge(cashier, card_number=SV_CARD, amount=1234, pin=DEMO_PIN, key="sale")
        day = dt.date.fromisoformat(sold.business_date)
        # The login, the PIN's try and the charge went to the store; the replica (left
        # behind here) has none of them, and the journal screens, the journal search and
        # the ledgers read it.
        assert models.Operation.get_by_id(sold.operation_id).amount == 1234
        assert journal.today(cashier) == []
        searched = journal.by_card_or_member(login_as(runtime, "super1", "T02"),
                                             card_number=SV_CARD)
        assert sold.operation_id not in [row.operation_id for row in searched]
        finance = login_as(runtime, "finance1", "T02")
        assert ledgers.general_ledger(finance, OUTLET_CODE, day).get("charge") is None
        # A journal number is found in the store: a refund or a reprint starts from it.
        assert journal.find(cashier, sold.operation_id).amount == 1234
        # Reading the replica is this thread's alone: another reads the store meanwhile.
        seen = {}

        def look() -> None:
            seen["found"] = models.Operation.select().where(
                models.Operation.id == sold.operation_id).exists()
        with db.reading():
            assert not models.Operation.select().where(
                models.Operation.id == sold.operation_id).exists()
            worker = threading.Thread(target=look)
            worker.start()
            worker.join()
        assert seen["found"]
        # Without a replica the same screens read the store.
        db.use_replica(None)
        assert [row.operation_id for row in journal.today(cashier)] == [sold.operation_id]
        assert ledgers.general_ledger(finance, OUTLET_CODE, day)["charge"]["principal"] < 0
    finally:
        db.use_replica(None)
        db.close()
