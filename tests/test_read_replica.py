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
    today = dt.date.today().isoformat()
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
