"""`kiosk init && kiosk seed-demo && kiosk verify` on SQLite and on PostgreSQL."""

import peewee
import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.services import operations
from kiosk.services.operations import perform
from kiosk.store import db, models


@pytest.fixture
def cli(tmp_path, store_url, monkeypatch):
    monkeypatch.setenv("KIOSK_HASH_TIME_COST", "1")
    monkeypatch.setenv("KIOSK_HASH_MEMORY_KIB", "64")
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(main, ["--db", store_url, "--home", str(tmp_path / "h"), *args])
        db.close()
        return result
    return run


def test_init_seed_verify(cli):
    first = cli("init")
    assert first.exit_code == 0, first.output
    assert cli("init").exit_code == 0  # twice is harmless
    assert cli("seed-demo").exit_code == 0
    assert cli("seed-demo", "--if-empty").exit_code == 0
    result = cli("verify")
    assert result.exit_code == 0 and "violations: 0" in result.output


def test_verify_exits_1_listing_violations(cli, store_url):
    cli("init"), cli("seed-demo")
    db.connect(store_url)
    models.Account.update(balance=123).where(models.Account.kind == "principal").execute()
    db.close()
    result = cli("verify")
    assert result.exit_code == 1 and "VIOLATION: account card:" in result.output


def test_commands_on_an_uninitialised_store_say_what_to_do(cli):
    result = cli("verify")
    assert result.exit_code == 2 and "kiosk init" in result.output


def test_serialization_failure_reruns_the_operation_once(system, monkeypatch):
    class SerializationFailure(Exception):
        pgcode = "40001"

    attempts = []

    def run(posting):
        attempts.append(1)
        if len(attempts) == 1:
            raise peewee.OperationalError(SerializationFailure("could not serialize"))
        return {"ok": True}

    monkeypatch.setattr(operations.time, "sleep", lambda seconds: None)
    outcome = perform(system, kind="opening_balance", key="retry-1", request={},
                      run=run)
    assert outcome.data == {"ok": True} and len(attempts) == 2
    assert models.Operation.select().where(models.Operation.idempotency_key == "retry-1").count() == 1


def test_ledger_commands(cli, tmp_path):
    cli("init"), cli("seed-demo")
    daily = cli("ledger", "daily", "--from", "2020-01-01", "--to", "2020-01-02")
    assert daily.exit_code == 0 and "本金" in daily.output
    general = cli("ledger", "general", "--date", "2099-01-01", "--csv", str(tmp_path / "g.csv"))
    assert general.exit_code == 0
    # A BOM first, so that Excel opens the Chinese in finance's CSV files as UTF-8; the
    # headers and business types in the kiosk's language.
    data = (tmp_path / "g.csv").read_bytes()
    assert data.startswith("\ufeff业务类型,本金,赠金".encode("utf-8"))
    assert "期初余额" in data.decode("utf-8-sig") and "opening_balance" not in data.decode()


def test_bench_takes_the_postgresql_url_after_the_command(tmp_path):
    """`kiosk bench --busy-day --db URL`, as the issue and README write it."""
    from tests.conftest import PG_URL, need, pg_reachable
    need(pg_reachable(), f"PostgreSQL is not reachable at KIOSK_TEST_PG_URL={PG_URL!r}")
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "bench", "--busy-day",
                                       "--charges", "3", "--seconds", "0.5", "--db", PG_URL])
    db.close()
    assert result.exit_code == 0, result.output
    assert "busy_day_verify_violations: 0" in result.output
    assert "pg_sustained_anomalies: 0" in result.output
