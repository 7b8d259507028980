"""The nightly export as cron and systemd run it: a lock, an exit code, valid units."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "nightly-export.sh"
KIOSK = str(Path(sys.executable).parent / "kiosk")


@pytest.fixture
def demo_home(tmp_path):
    env = dict(os.environ, KIOSK_HOME=str(tmp_path / "home"), KIOSK_HASH_TIME_COST="1",
               KIOSK_HASH_MEMORY_KIB="64", KIOSK=KIOSK,
               KIOSK_EXPORT_DIR=str(tmp_path / "export"),
               KIOSK_EXPORT_LOCK=str(tmp_path / "export.lock"))
    for command in (["init"], ["seed-demo"]):
        subprocess.run([KIOSK, *command], env=env, check=True, capture_output=True)
    return env


@pytest.fixture
def demo_day(demo_home) -> str:
    """The business date the demo posted on: today's at the outlet (it changes at the
    outlet's day boundary, so it is read back, never written into the test)."""
    import sqlite3
    store = sqlite3.connect(Path(demo_home["KIOSK_HOME"]) / "kiosk.db")
    day = store.execute("SELECT MAX(business_date) FROM operation").fetchone()[0]
    store.close()
    return str(day)[:10]


def test_exports_and_verifies(demo_home, demo_day, tmp_path):
    result = subprocess.run([str(SCRIPT), demo_day], env=demo_home, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "export" / f"31010001_{demo_day}.manifest.json").exists()


def test_a_second_run_waits_for_none(demo_home, demo_day, tmp_path):
    import time
    holder = subprocess.Popen(["flock", str(tmp_path / "export.lock"), "sleep", "5"])
    try:
        time.sleep(0.5)
        result = subprocess.run([str(SCRIPT), demo_day], env=demo_home,
                                capture_output=True, text=True)
    finally:
        holder.kill()
    assert result.returncode == 75 and "another export" in result.stderr


def test_a_tampered_export_fails_with_exit_1(demo_home, demo_day, tmp_path):
    subprocess.run([str(SCRIPT), demo_day], env=demo_home, check=True, capture_output=True)
    csv = tmp_path / "export" / f"31010001_{demo_day}.csv"
    tampered = csv.read_text().replace("opening_balance", "opening_balancf", 1)
    assert tampered != csv.read_text()  # the day's export holds the demo's postings
    csv.write_text(tampered)
    result = subprocess.run([KIOSK, "verify-export", str(tmp_path / "export")], env=demo_home,
                            capture_output=True, text=True)
    assert result.returncode == 1 and "SHA-256 differs" in result.stdout


def test_systemd_units_verify(tmp_path):
    need(shutil.which("systemd-analyze") is not None,
         "systemd-analyze is not installed (apt-get install systemd)")
    units = []
    for name in ("kiosk-export.service", "kiosk-export.timer"):
        text = (ROOT / "scripts" / "systemd" / name).read_text()
        target = tmp_path / name
        target.write_text(text.replace("/opt/kiosk", str(ROOT)))
        units.append(str(target))
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True,
                            text=True)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "kiosk-export" in line]
    assert not problems, problems
