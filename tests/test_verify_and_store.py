"""verify catches tampering; migrations are repeatable; the pepper is guarded."""

import os
import stat

import pytest

from kiosk.services import charge as charging, demo
from kiosk.services.bootstrap import open_runtime
from kiosk.services.secrets import PepperError
from kiosk.services.verify import verify
from kiosk.store import db, models, schema
from tests.conftest import SV_CARD, make_settings


@pytest.fixture
def charged(cashier):
    charging.charge(cashier, card_number=SV_CARD, amount=1230, pin="123456", key="k")
    assert verify(cashier.runtime.sealer).ok
    return cashier


def test_catches_a_tampered_balance(charged):
    models.Account.update(balance=models.Account.balance + 1).where(
        models.Account.code == f"card:{SV_CARD}:principal").execute()
    report = verify(charged.runtime.sealer)
    assert not report.ok and "cached balance" in report.violations[0]


def test_catches_an_edited_journal_row(charged):
    entry = models.JournalEntry.select().order_by(models.JournalEntry.id.desc()).first()
    models.JournalEntry.update(amount=entry.amount + 100).where(
        models.JournalEntry.id == entry.id).execute()
    text = "\n".join(verify(charged.runtime.sealer).violations)
    assert "does not balance" in text and "differ from what was audited" in text


def test_catches_a_tampered_audit_event(charged):
    event = models.AuditEvent.select().order_by(models.AuditEvent.seq.desc()).first()
    models.AuditEvent.update(details='{"amount": 1}').where(
        models.AuditEvent.id == event.id).execute()
    assert any("does not match its hash" in v for v in verify(charged.runtime.sealer).violations)


def test_catches_a_deleted_audit_event(charged):
    models.AuditEvent.delete().where(models.AuditEvent.seq == 3).execute()
    assert any("expected event 3" in v for v in verify(charged.runtime.sealer).violations)


def test_catches_a_reversal_larger_than_its_original(charged):
    refund = models.Operation.create(
        kind="refund", idempotency_key="forged", request_hash="x", outlet=1,
        reverses=models.Operation.get(models.Operation.kind == "charge"), amount=99999,
        business_date=models.Operation.get(models.Operation.kind == "charge").business_date)
    assert refund.id
    assert any("more than its" in v for v in verify(charged.runtime.sealer).violations)


def test_migrations_run_twice_harmlessly(runtime):
    before, after = schema.migrate()
    assert before == after == schema.LATEST_VERSION


def test_files_are_owner_only(seeded):
    paths = [seeded.settings.pepper_path, seeded.settings.log_path]
    if db.sqlite_path(seeded.settings.db_url):
        paths.append(db.sqlite_path(seeded.settings.db_url))
    for path in paths:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_missing_or_changed_pepper_is_a_clear_error(tmp_path):
    settings = make_settings(tmp_path)
    open_runtime(settings, initialise=True)
    db.close()
    settings.pepper_path.rename(tmp_path / "moved.key")
    with pytest.raises(PepperError, match="missing"):
        open_runtime(settings)
    db.close()
    settings.pepper_path.write_text("ab" * 32)
    with pytest.raises(PepperError, match="does not belong"):
        open_runtime(settings, initialise=True)  # init never silently re-keys
    db.close()


def test_no_secret_in_the_database_or_logs(seeded, cashier):
    """Database, logs, receipts, exports and samples: no password, PIN or pepper."""

    from kiosk.hw.printer import SimPrinter
    from kiosk.services import export, issuing, receipts
    from kiosk.services.issuing import IssueRequest
    from tests.conftest import login_as
    charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k")
    clerk = login_as(seeded, "clerk1", "T02")
    new_pin = "246810"
    number = issuing.next_blank(clerk, "SV")
    issuing.record_written(clerk, number)
    issuing.issue(clerk, IssueRequest(number, None, new_pin, fee=1000, deposit=0), key="i")
    home = seeded.settings.home
    for session in (cashier, clerk):
        receipts.print_pending(session, SimPrinter(home / "receipts"))
    export.export_day(login_as(seeded, "finance1"), demo.OUTLET_CODE, seeded.clock().date(),
                      home / "export")
    db.close()
    secrets = [op.password for op in demo.OPERATORS] + [demo.DEMO_PIN, new_pin,
                                                         seeded.settings.pepper_path.read_text().strip()]
    files = list(home.rglob("*"))
    if db.sqlite_path(seeded.settings.db_url):
        files += list(db.sqlite_path(seeded.settings.db_url).parent.glob("kiosk.db*"))
    for path in files:
        if path.name == "pepper.key" or not path.is_file():
            continue
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"{secret!r} found in {path.name}"


def test_verify_reads_one_snapshot_while_a_terminal_posts(seeded):
    """A day check runs verify while another terminal posts (a report printed, a
    recharge): every check must see the same moment, or an event committed between two
    of them looks like a broken chain head ("does not match its last event")."""
    import threading

    from tests.conftest import login_as
    stop, failures = threading.Event(), []

    def recharging() -> None:
        from kiosk.services import recharge
        clerk = login_as(seeded, "clerk1", "T02")
        n = 0
        while not stop.is_set() and n < 400:
            recharge.recharge(clerk, card_number=SV_CARD, amount=100, tender="cash",
                              key=f"busy-{n}")
            n += 1
        db.close()

    worker = threading.Thread(target=recharging)
    worker.start()
    try:
        for _ in range(40):
            report = verify(seeded.sealer)
            if not report.ok:
                failures.append(report.violations)
    finally:
        stop.set()
        worker.join()
    assert failures == []
