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
    from tests.app_helpers import (empty_runtime, make_app, press_keys, wait_for_message,
                                   wait_for_screen)
    app = make_app(empty_runtime(tmp_path, outlet_code=""))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "FirstRunScreen")
        await press_keys(pilot, *"1000", "enter", *"总店", "enter", "enter", *"ad", "enter",
                          *"Li", "enter", *"Admin1234", "enter", *"Admin1234", "enter")
        await wait_for_message(pilot, "An outlet code has 8 digits")
        assert app.focused.id == "outlet"  # the field at fault, its content selected
        await press_keys(pilot, *"10000001")
        app.screen.submit()
        await wait_for_message(pilot, "A login id has 3 to 30")
        assert app.focused.id == "login_id"
        await press_keys(pilot, *"admin", "enter", "enter", *"Admin1234", "enter",
                          *"Admin9999", "enter")
        await wait_for_message(pilot, "two passwords differ")
        await press_keys(pilot, *"Admin1234", "enter", *"Admin1234", "enter")
        await wait_for_screen(pilot, "LoginScreen")
        await press_keys(pilot, *"admin", "enter", *"Admin1234", "enter")
        await wait_for_screen(pilot, "StartScreen")
    assert models.Operator.get(models.Operator.login_id == "admin").role.name == "admin"


def test_operators_change_role_and_are_deactivated_at_once(chain, runtime):
    from kiosk.errors import PermissionDenied
    from kiosk.services import operations, operators
    admin.add_operator(chain, "10000001", "clerk1", "李娜", "clerk", "Start1234")
    clerk = log_in(runtime, "10000001", "clerk1", "Start1234")
    operators.change_password(clerk, old_password="Start1234", new_password="Clerk1234")
    admin.change_role(chain, "10000001", "clerk1", "cashier")
    assert models.Operator.get(models.Operator.login_id == "clerk1").role.name == "cashier"
    admin.set_operator_active(chain, "10000001", "clerk1", False)
    with pytest.raises(PermissionDenied, match="locked or deactivated"):
        operations.perform(clerk, kind="charge", key="x", request={}, run=lambda p: {})
    with pytest.raises(operators.LoginFailed):
        log_in(runtime, "10000001", "clerk1", "Clerk1234")


def test_a_one_time_password_posts_nothing_until_it_is_changed(chain, runtime):
    from kiosk.errors import PermissionDenied
    from kiosk.services import operations
    admin.add_operator(chain, "10000001", "cashier1", "王芳", "cashier", "Start1234")
    cashier = log_in(runtime, "10000001", "cashier1", "Start1234")
    with pytest.raises(PermissionDenied, match="one-time password"):
        operations.perform(cashier, kind="charge", key="x", request={}, run=lambda p: {})


def test_the_chains_rules_are_set_by_an_administrator(chain, runtime):
    from kiosk.services import operators, policies
    policies.set_policy(chain, "login_tries", 5)
    policies.set_policy(chain, "password_min_length", 10)
    with pytest.raises(Exception, match="0 to 3650"):
        policies.set_policy(chain, "password_max_age_days", -1)
    with pytest.raises(operators.PasswordRejected, match="10-12"):
        admin.add_operator(chain, "10000001", "cashier1", "王芳", "cashier", "Start1234")
    admin.add_operator(chain, "10000001", "cashier1", "王芳", "cashier", "Start12345")
    for _ in range(4):
        with pytest.raises(operators.LoginFailed):
            log_in(runtime, "10000001", "cashier1", "Wrong12345")
    assert not models.Operator.get(models.Operator.login_id == "cashier1").locked
    with pytest.raises(operators.LoginFailed, match="After 5 wrong passwords"):  # the rule
        log_in(runtime, "10000001", "cashier1", "Wrong12345")
    assert models.Operator.get(models.Operator.login_id == "cashier1").locked
    assert {e.action for e in models.AuditEvent.select()} >= {"policy.set"}


def test_tender_types_are_maintained_and_used(chain, runtime):
    from kiosk.services import tenders
    admin.save_tender(chain, "cheque", "支票", "outlet_cheque")
    assert tenders.till_account_kind("cheque") == "outlet_cheque"
    admin.save_tender(chain, "cheque", "支票", active=False)
    with pytest.raises(Exception, match="Unknown tender"):
        tenders.till_account_kind("cheque")
    with pytest.raises(Exception, match="till account"):
        admin.save_tender(chain, "voucher", "代金券", "cash")


def test_terminals_are_renamed_and_taken_out_of_use(chain, runtime):
    admin.add_terminal(chain, "10000001", "T02", "收银台2")
    admin.set_terminal(chain, "10000001", "T02", name="会员中心", active=False)
    terminal = models.Terminal.get(models.Terminal.code == "T02")
    assert (terminal.name, terminal.active) == ("会员中心", False)
