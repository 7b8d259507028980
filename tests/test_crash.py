"""Kill -9 a process in the middle of charging, over and over: after every kill the
ledger verifies, every charge the process reported is in the journal exactly once, and
retrying the interrupted charge with its key posts at most once. SQLite and PostgreSQL."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.services import charge as charging
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import SV_CARD

pytestmark = pytest.mark.slow
KILLS = 50
ROOT = Path(__file__).resolve().parent.parent


def child_env(settings) -> dict:
    return dict(os.environ, KIOSK_HOME=str(settings.home), KIOSK_DB=settings.db_url,
                KIOSK_HASH_TIME_COST="1", KIOSK_HASH_MEMORY_KIB="64", PYTHONPATH=str(ROOT))


def run_and_kill(env, prefix: str, start: int, rng: random.Random) -> list[str]:
    """Start a charging child, let it run a random moment, SIGKILL it; return the keys
    it reported as committed."""
    child = subprocess.Popen([sys.executable, "-m", "tests.crash_child", prefix, str(start)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True, cwd=ROOT)
    assert child.stdout.readline().strip() == "ready"
    os.set_blocking(child.stdout.fileno(), False)
    time.sleep(rng.uniform(0.0, 0.15))
    child.send_signal(signal.SIGKILL)
    child.wait()
    os.set_blocking(child.stdout.fileno(), True)
    return [line.strip() for line in child.stdout.read().splitlines() if line.strip()]


def test_sigkill_never_loses_or_doubles_a_charge(cashier):
    rng = random.Random(7)
    env = child_env(cashier.runtime.settings)
    balance_before = models.Account.get(models.Account.code == f"card:{SV_CARD}:principal").balance
    reported_total = 0
    start = 0
    for kill in range(KILLS):
        reported = run_and_kill(env, f"crash{kill}", start, rng)
        report = verify(cashier.runtime.sealer)
        assert report.ok, report.violations
        for key in reported:
            assert models.Operation.select().where(
                models.Operation.idempotency_key == key).count() == 1, key
        interrupted = f"crash{kill}-{start + len(reported)}"
        charging.charge(cashier, card_number=SV_CARD, amount=1, pin="123456", key=interrupted)
        charging.charge(cashier, card_number=SV_CARD, amount=1, pin="123456", key=interrupted)
        assert models.Operation.select().where(
            models.Operation.idempotency_key == interrupted).count() == 1
        reported_total += len(reported) + 1
        start += len(reported) + 1
    charges = models.Operation.select().where(models.Operation.kind == "charge").count()
    balance = models.Account.get(models.Account.code == f"card:{SV_CARD}:principal").balance
    assert balance == balance_before - charges  # every posted charge, exactly once
    assert charges >= reported_total
