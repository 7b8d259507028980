"""What a running kiosk remembers of the store (services/caches.py) follows the changes
made through the services: in the same process at once, and from another process
where it decides money or the business date."""

import datetime as dt
import os
import subprocess
import sys
from dataclasses import replace

from kiosk.services import admin, audit, caches, directory
from kiosk.services.business_date import current_business_date
from kiosk.services.charge import charge
from kiosk.services.demo import DEMO_PIN, OUTLET_CODE
from kiosk.store import models
from tests.conftest import SV_CARD, login_as

# 17:30 UTC is 01:30 the next morning in Shanghai: before the demo's 04:00 day boundary
# it is still the evening's business date, after a move of the boundary to 00:00 it is
# the new day's.
LATE = dt.datetime(2026, 12, 7, 17, 30)
EVENING, NEXT_DAY = dt.date(2026, 12, 7), dt.date(2026, 12, 8)
OUTLET = admin.OutletDetails(OUTLET_CODE, "康宁大药房 南京东路店", day_boundary="00:00")


def late_at_night(runtime):
    return replace(runtime, clock=lambda: LATE)


def test_the_caches_belong_to_the_open_store(runtime):
    assert runtime.caches is caches.of_open_store()


def test_a_day_boundary_changed_by_the_administrator_moves_the_counters_business_date(
        seeded):
    runtime = late_at_night(seeded)
    cashier, administrator = login_as(runtime, "cashier1"), login_as(runtime, "admin1", "T02")
    assert current_business_date(cashier) == EVENING
    assert directory.actor_info(cashier.actor).day_boundary == "04:00"
    admin.save_outlet(administrator, OUTLET)
    assert directory.actor_info(cashier.actor).day_boundary == "00:00"
    assert current_business_date(cashier) == NEXT_DAY
    sale = charge(cashier, card_number=SV_CARD, amount=100, pin=DEMO_PIN, key="cache-1")
    assert sale.business_date == NEXT_DAY.isoformat()


def test_a_login_id_changed_by_the_administrator_is_what_the_audit_records_next(seeded):
    cashier, administrator = login_as(seeded, "cashier1"), login_as(seeded, "admin1", "T02")
    audit.append(cashier, "test.before")
    admin.change_login_id(administrator, OUTLET_CODE, "cashier1", "cashier9")
    audit.append(cashier, "test.after")
    recorded = {event.action: event.operator_login for event in models.AuditEvent.select()
                .where(models.AuditEvent.action.startswith("test."))}
    assert recorded == {"test.before": "cashier1", "test.after": "cashier9"}


def test_a_role_granted_a_right_counts_at_once(seeded):
    from kiosk.services import permissions
    cashier, administrator = login_as(seeded, "cashier1"), login_as(seeded, "admin1", "T02")
    assert not permissions.has_permission(cashier.actor.operator_id, permissions.RECHARGE)
    admin.grant(administrator, "cashier", permissions.RECHARGE)
    assert permissions.has_permission(cashier.actor.operator_id, permissions.RECHARGE)


def _in_another_process(runtime, *arguments: str) -> None:
    """A `kiosk` command on the same store, as a second terminal or a script would run
    it: a process of its own."""
    settings = runtime.settings
    environment = {**os.environ, "KIOSK_OPERATOR": "admin1",
                   "KIOSK_OPERATOR_PASSWORD": "Admin1234", "KIOSK_LANG": "en"}
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--home", str(settings.home), "--db", settings.db_url,
         *arguments], env=environ_without_kiosk_settings(environment), capture_output=True,
        text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def environ_without_kiosk_settings(environment: dict) -> dict:
    return {name: value for name, value in environment.items()
            if not name.startswith("KIOSK_") or name in (
                "KIOSK_OPERATOR", "KIOSK_OPERATOR_PASSWORD", "KIOSK_LANG")}


def test_a_day_boundary_changed_in_another_process_moves_this_ones_business_date(seeded):
    runtime = late_at_night(seeded)
    cashier = login_as(runtime, "cashier1")
    assert current_business_date(cashier) == EVENING
    directory.actor_info(cashier.actor)  # remembered here
    _in_another_process(runtime, "admin", "outlet", OUTLET.code, OUTLET.name,
                        "--day-boundary", "00:00")
    assert current_business_date(cashier) == NEXT_DAY
    sale = charge(cashier, card_number=SV_CARD, amount=100, pin=DEMO_PIN, key="cache-2")
    assert sale.business_date == NEXT_DAY.isoformat()


# A second terminal's process, logged in as the administrator, calling one service.
ANOTHER_TERMINAL = """
import sys
from pathlib import Path
from kiosk.services import admin
from kiosk.services.bootstrap import open_runtime
from tests.conftest import login_as, make_settings
administrator = login_as(open_runtime(make_settings(Path(sys.argv[1]), sys.argv[2])),
                         "admin1", "T02")
admin.change_login_id(administrator, sys.argv[3], sys.argv[4], sys.argv[5])
"""


def test_a_login_id_changed_in_another_process_counts_at_the_operators_next_login(seeded):
    from kiosk.services import operators
    from kiosk.services.bootstrap import terminal_actor
    from kiosk.services.session import Session
    login_as(seeded, "cashier1")
    settings = seeded.settings
    done = subprocess.run([sys.executable, "-c", ANOTHER_TERMINAL, str(settings.home),
                           settings.db_url, OUTLET_CODE, "cashier1", "cashier9"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    terminal = Session(seeded, terminal_actor(OUTLET_CODE, "T01"))
    result = operators.login(terminal, outlet_code=OUTLET_CODE, login_id="cashier9",
                             password="Cashier123", terminal_code="T01")
    assert directory.actor_info(result.actor).operator_login == "cashier9"
