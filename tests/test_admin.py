"""Administration through `kiosk admin ...`: each change lands, is audited, and needs
the admin permission whatever asks."""

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.errors import InvalidInput, PermissionDenied
from kiosk.services import admin, operators
from kiosk.services.bootstrap import terminal_actor
from kiosk.services.session import Session
from kiosk.store import models
from tests.conftest import login_as

OUTLET = "31010001"


AS_ADMIN = {"KIOSK_OUTLET": OUTLET, "KIOSK_OPERATOR": "admin1",
            "KIOSK_OPERATOR_PASSWORD": "Admin1234"}


@pytest.fixture
def run(seeded):
    """`kiosk admin ...` as the demo's administrator (a script's way to log in)."""
    settings = seeded.settings

    def invoke(*args, input=None, env=AS_ADMIN):
        result = CliRunner(env={"KIOSK_LANG": "en", **env}).invoke(
            main, ["--home", str(settings.home), "--db", settings.db_url, "admin", *args],
            input=input)
        return result
    return invoke


def test_an_admin_command_runs_as_the_operator_who_logs_in_for_it(run):
    typed = run("terminal", OUTLET, "T07", env={"KIOSK_OUTLET": OUTLET},
                input="admin1\nAdmin1234\n")
    assert typed.exit_code == 0, typed.output
    assert "Admin1234" not in typed.output  # the password is not echoed
    event = models.AuditEvent.get(models.AuditEvent.action == "terminal.add")
    assert event.operator_login == "admin1"  # who did it, recorded
    wrong = run("terminal", OUTLET, "T08", env={**AS_ADMIN, "KIOSK_OPERATOR_PASSWORD": "x"})
    assert wrong.exit_code == 2 and "Wrong outlet, login id or password" in wrong.output
    cashier = run("terminal", OUTLET, "T08", env={
        **AS_ADMIN, "KIOSK_OPERATOR": "cashier1", "KIOSK_OPERATOR_PASSWORD": "Cashier123"})
    assert cashier.exit_code == 2 and "may not" in cashier.output
    assert not models.Terminal.select().where(models.Terminal.code == "T08").exists()


def test_outlet_terminal_and_product_activation(run):
    assert run("outlet", "31010002", "康宁大药房 人民广场店", "--area", "黄浦片区").exit_code == 0
    assert run("terminal", "31010002", "T01", "--name", "收银台1").exit_code == 0
    assert run("open-product", "31010002", "SV").exit_code == 0
    outlet = models.Outlet.get(models.Outlet.code == "31010002")
    assert outlet.area == "黄浦片区" and outlet.terminals.count() == 1
    assert models.OutletProduct.select().where(models.OutletProduct.outlet == outlet).count() == 1
    assert run("open-product", "31010002", "SV", "--close").exit_code == 0
    assert run("outlet-active", "31010002", "off").exit_code == 0
    assert not models.Outlet.get(models.Outlet.code == "31010002").active
    bad = run("outlet", "123", "x")
    assert bad.exit_code == 2 and "8 digits" in bad.output


def test_operator_life(run, seeded):
    result = run("operator", OUTLET, "cashier2", "赵敏", "cashier", input="Start1234\nStart1234\n")
    assert result.exit_code == 0, result.output
    assert "Start1234" not in result.output
    base = Session(seeded, terminal_actor(OUTLET, "T01"))
    login = operators.login(base, outlet_code=OUTLET, login_id="cashier2", password="Start1234")
    assert login.must_change_password
    assert run("operator-lock", OUTLET, "cashier2").exit_code == 0
    with pytest.raises(operators.LoginFailed) as locked:
        operators.login(base, outlet_code=OUTLET, login_id="cashier2", password="Start1234")
    with pytest.raises(operators.LoginFailed) as unknown:
        operators.login(base, outlet_code=OUTLET, login_id="nobody99", password="Start1234")
    assert str(locked.value) == str(unknown.value)  # a locked account is no oracle
    assert run("operator-lock", OUTLET, "cashier2", "--unlock").exit_code == 0
    assert run("reset-password", OUTLET, "cashier2", input="Again1234\nAgain1234\n").exit_code == 0
    assert run("login-id", OUTLET, "cashier2", "zhaomin").exit_code == 0
    operators.login(base, outlet_code=OUTLET, login_id="zhaomin", password="Again1234")
    change = models.OperatorLoginChange.get()
    assert (change.old_login_id, change.new_login_id) == ("cashier2", "zhaomin")
    actions = {e.action for e in models.AuditEvent.select()}
    assert {"operator.create", "operator.lock", "operator.unlock", "password.reset",
            "operator.login_id"} <= actions


def test_roles_products_and_promotions(run):
    assert run("grant", "cashier", "recharge").exit_code == 0
    assert models.RolePermission.select().join(models.Role).where(
        models.Role.name == "cashier", models.RolePermission.permission == "recharge").exists()
    assert run("grant", "cashier", "recharge", "--revoke").exit_code == 0
    assert run("grant", "cashier", "everything").exit_code == 2
    result = run("product", "GOLD", "--name", "金卡", "--kind", "stored_value", "--fee", "20",
                 "--tiers", "铂金:50000", "--spend-order", "bonus_first")
    assert result.exit_code == 0, result.output
    product = models.CardProduct.get(models.CardProduct.code == "GOLD")
    assert product.issue_fee == 2000 and product.spend_order == "bonus_first"
    assert run("product", "GOLD", "--fee", "1.005").exit_code == 2  # three decimals
    assert run("promotion", "GOLD", "充1000送150", "--min", "1000", "--bonus", "150",
               "--from", "2026-11-01", "--to", "2026-12-31").exit_code == 0
    assert models.Promotion.get(models.Promotion.name == "充1000送150").bonus == 15000


def test_only_an_admin_may(seeded):
    supervisor = login_as(seeded, "super1")
    for call in (lambda: admin.lock_operator(supervisor, OUTLET, "cashier1"),
                 lambda: admin.grant(supervisor, "cashier", "refund"),
                 lambda: admin.save_product(supervisor, "X", name="x", kind="fuel"),
                 lambda: admin.add_terminal(supervisor, OUTLET, "T09")):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(InvalidInput, match="time zone"):
        admin.save_outlet(login_as(seeded, "admin1"), admin.OutletDetails(
            "31010003", "x", time_zone="Mars/Base"))


def test_roles_tenders_terminals_and_the_chains_rules_from_the_command_line(run):
    assert run("operator-role", OUTLET, "cashier1", "clerk").exit_code == 0
    assert models.Operator.get(models.Operator.login_id == "cashier1").role.name == "clerk"
    assert run("operator-active", OUTLET, "cashier1", "off").exit_code == 0
    assert not models.Operator.get(models.Operator.login_id == "cashier1").active
    assert run("terminal-set", OUTLET, "T02", "--inactive").exit_code == 0
    assert not models.Terminal.get(models.Terminal.code == "T02").active
    assert run("tender", "cheque", "支票", "--account", "outlet_cheque").exit_code == 0
    assert models.Tender.get(models.Tender.code == "cheque").account_kind == "outlet_cheque"
    shown = run("policy", "refund_window_days", "45")
    assert shown.exit_code == 0 and "refund_window_days" in shown.output and "45" in shown.output
    assert run("policy", "login_tries", "99").exit_code == 2
