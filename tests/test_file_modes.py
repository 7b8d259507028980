"""Least privilege on files: a demo day run the way a terminal runs it (the CLI sets the
umask at start, the services work in that process) leaves every file and folder it
wrote under the data directory and the export folder owner-only, whatever the umask of
the shell that started it."""

import glob
import logging
import os
import stat

from click.testing import CliRunner

from kiosk.services.business_date import calendar_business_date
from kiosk.cli import main
from kiosk.config import DeviceConfig, load_settings
from kiosk.hw.printer import SimPrinter, make_printer
from kiosk.report_table import MONEY, Column, Table
from kiosk.logs import OwnerOnlyRotatingFile
from kiosk.services import charge, receipts, recharge, reports
from kiosk.services.bootstrap import open_runtime
from kiosk.store import db
from tests.conftest import SV_CARD, login_as

CHEAP = {"KIOSK_HASH_TIME_COST": "1", "KIOSK_HASH_MEMORY_KIB": "64", "KIOSK_LANG": "en",
         "KIOSK_DB": None, "KIOSK_PEPPER_FILE": None}


def kiosk(home, *args):
    result = CliRunner(env=CHEAP).invoke(main, ["--home", str(home), *args])
    assert result.exit_code in (0, 1), result.output  # reconcile: 1 = differences found
    return result


def loose(paths) -> list[str]:
    return [f"{oct(stat.S_IMODE(path.lstat().st_mode))} {path}" for path in paths
            if stat.S_IMODE(path.lstat().st_mode) & 0o077]


def test_every_file_and_folder_a_demo_day_writes_is_owner_only(tmp_path, monkeypatch):
    for name, value in CHEAP.items():
        monkeypatch.delenv(name, raising=False) if value is None else monkeypatch.setenv(name, value)
    os.umask(0o022)  # the usual login shell's: files 0644, folders 0755
    home, out = tmp_path / "home", tmp_path / "export"
    kiosk(home, "init")  # the CLI entry sets the umask, for this whole process
    kiosk(home, "seed-demo")

    runtime = open_runtime(load_settings(home=home))
    cashier, clerk = login_as(runtime, "cashier1"), login_as(runtime, "clerk1", "T02")
    charge.charge(cashier, card_number=SV_CARD, amount=1230, pin="123456", key="day-1")
    receipts.print_pending(cashier, SimPrinter(runtime.settings.receipts_dir))
    recharge.recharge(clerk, card_number=SV_CARD, amount=5000, tender="cash", key="day-2")
    file_printer = make_printer(DeviceConfig("file", {"path": str(home / "printer.out")}),
                                runtime.settings.receipts_dir)
    assert receipts.print_pending(clerk, file_printer).printed == 1
    reports.save_table(clerk, "ledger-daily", Table(
        "daily balance ledger", (Column("business type"), Column("principal", MONEY)),
        [("充值", 5000)]))
    day = calendar_business_date(cashier).isoformat()
    db.close()

    kiosk(home, "export", "--date", day, "--out", str(out))
    kiosk(home, "ledger", "daily", "--from", day, "--to", day, "--csv", str(home / "ledger.csv"))
    statement = glob.glob(str(home / "samples" / "statement-taikang-*.csv"))[0]
    kiosk(home, "reconcile", "--channel", "taikang", "--statement", statement,
          "--out", str(home / "reconciliation.xlsx"))
    db.close()
    log_file = next(handler for handler in logging.getLogger("kiosk").handlers
                    if isinstance(handler, OwnerOnlyRotatingFile)
                    and handler.baseFilename == str(home / "kiosk.log"))
    log_file.doRollover()
    logging.getLogger("kiosk.test").info("after the rotation")

    written = [home, out, *home.rglob("*"), *out.rglob("*")]
    names = {path.relative_to(tmp_path).as_posix() for path in written}
    assert {"home/kiosk.log", "home/kiosk.log.1", "home/printer.out", "home/ledger.csv",
            "home/reconciliation.xlsx", "home/reports/ledger-daily.xlsx", "home/samples",
            "home/receipts"} <= names
    assert [name for name in names if name.startswith("home/receipts/")]
    assert [name for name in names if name.startswith("export/")]
    assert loose(written) == []


def test_the_rotated_log_is_owner_only_whatever_the_umask(tmp_path):
    os.umask(0o022)
    handler = OwnerOnlyRotatingFile(tmp_path / "kiosk.log", maxBytes=100, backupCount=2)
    record = logging.LogRecord("kiosk", logging.INFO, __file__, 1, "x" * 80, None, None)
    for _ in range(4):
        handler.emit(record)
    handler.close()
    files = sorted(tmp_path.iterdir())
    assert [path.name for path in files] == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]
    assert loose(files) == []


def test_one_log_file_per_process_the_current_homes(tmp_path):
    """A process that opens another home logs there and closes the old file: it never
    keeps writing to (and holding open) every home it has seen."""
    from kiosk.logs import setup_logging
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    setup_logging(first)
    open_before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        setup_logging(second)
        setup_logging(first)
    assert len(os.listdir("/proc/self/fd")) == open_before
    logging.getLogger("kiosk.test").warning("only here")
    assert "only here" in first.read_text() and "only here" not in second.read_text()
