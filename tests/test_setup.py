"""The first run on an empty store, and administration on a real store (no demo)."""

import pytest

from kiosk.services import admin, setup
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import CHAIN_ADMIN, log_in


def first_run(code="10000001", login="admin", password="Admin1234"):
    return setup.FirstRun(admin.OutletDetails(code, "总店"), "T01", login, "管理员", password)


def test_the_first_run_makes_the_head_office_its_terminal_and_an_administrator(runtime):
    assert setup.needs_setup()
    actor = setup.set_up(runtime, first_run())
    outlet = models.Outlet.get_by_id(actor.outlet_id)
    assert outlet.head_office and outlet.code == "10000001"
    administrator = models.Operator.get_by_id(actor.operator_id)
    assert administrator.role.name == "admin" and not administrator.must_change_password
    session = log_in(runtime, "10000001", "admin", "Admin1234")
    assert session.actor.shift_id is None  # an administrator handles no till
    assert {e.action for e in models.AuditEvent.select()} >= {"setup", "operator.create"}
    assert verify(runtime.sealer).ok


def test_the_first_run_is_refused_on_a_store_that_has_one(chain, runtime):
    with pytest.raises(setup.AlreadySetUp):
        setup.set_up(runtime, first_run("10000002", "admin2"))
    assert models.Outlet.select().count() == 1


@pytest.mark.parametrize("bad, message", [
    (first_run(code="123"), "8 digits"), (first_run(login="a"), "login id"),
    (first_run(password="short"), "8-12 letters and digits")])
def test_a_bad_first_run_says_what_is_wrong_and_makes_nothing(runtime, bad, message):
    with pytest.raises(Exception, match=message):
        setup.set_up(runtime, bad)
    assert setup.needs_setup() and not models.Operator.select().exists()


def test_after_the_first_run_the_administrator_sets_up_an_outlet(chain, runtime):
    admin.save_outlet(chain, admin.OutletDetails("10000002", "南京东路店"))
    admin.add_terminal(chain, "10000002", "T01")
    admin.add_operator(chain, "10000002", "cashier1", "王芳", "cashier", "Start1234")
    cashier = log_in(runtime, "10000002", "cashier1", "Start1234")
    assert cashier.actor.shift_id is not None
    events = models.AuditEvent.select().where(models.AuditEvent.action == "operator.create")
    assert {e.operator_login for e in events} >= {CHAIN_ADMIN[0]}  # who did it, recorded


async def test_an_empty_store_starts_at_the_first_run_then_the_administrator_logs_in(tmp_path):
    from tests.app_helpers import empty_runtime, make_app, wait_for_message, wait_for_screen
    app = make_app(empty_runtime(tmp_path, outlet_code=""))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "FirstRunScreen")
        await pilot.press(*"10000001", "enter", *"总店", "enter", "enter", *"admin", "enter",
                          *"Li", "enter", *"Admin1234", "enter", *"Admin9999", "enter")
        await wait_for_message(pilot, "two passwords differ")
        await pilot.press(*"Admin1234", "enter", *"Admin1234", "enter")
        await wait_for_screen(pilot, "LoginScreen")
        await pilot.press(*"admin", "enter", *"Admin1234", "enter")
        await wait_for_screen(pilot, "StartScreen")
    assert models.Operator.get(models.Operator.login_id == "admin").role.name == "admin"
