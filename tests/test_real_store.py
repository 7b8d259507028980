"""A chain set up from an empty store as the README tells it, with no demo data at all:
kiosk init, kiosk setup, the administrator's commands (an outlet, a terminal, operators,
a product, 100 blank cards received and sent), a card issued and charged at the counter,
the shift, the day and (the clock moved on) the month closed, the export written and
verified. On SQLite and on PostgreSQL.

The command line does what it can; what people do at the screens (a first login's new
password, registering a member, issuing and charging a card) goes through the services
the screens call (tests/test_member_centre_app.py and tests/test_app.py walk those
screens themselves)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.config import with_simulated_devices
from kiosk.hw.printer import SimPrinter
from kiosk.services import charge, closes, issuing, members, operators, receipts, recharge
from kiosk.services.bootstrap import open_runtime, terminal_actor
from kiosk.services.session import Session
from kiosk.services.verify import verify
from kiosk.store import db, models
from tests.conftest import log_in

HEAD_OFFICE, SHOP = "10000001", "10000002"
CHEAP = {"KIOSK_HASH_TIME_COST": "1", "KIOSK_HASH_MEMORY_KIB": "64", "KIOSK_LANG": "en"}


@pytest.fixture
def kiosk(tmp_path, store_url):
    """`kiosk ...` on one store, as the operator named (their one-time or own password)."""
    home = tmp_path / "home"

    def run(*args, who=None, outlet=HEAD_OFFICE, input=None):
        env = {**CHEAP, "KIOSK_HOME": str(home), "KIOSK_DB": store_url, "KIOSK_OUTLET": outlet,
               "KIOSK_TERMINAL": "T01"}
        if who:
            env.update(KIOSK_OPERATOR=who[0], KIOSK_OPERATOR_PASSWORD=who[1])
        result = CliRunner(env=env).invoke(main, list(args), input=input)
        db.close()
        assert result.exit_code == 0, f"kiosk {' '.join(args)}: {result.output}"
        return result.output
    run.home, run.store_url = home, store_url
    return run


def first_login(runtime, outlet: str, login_id: str, one_time: str, own: str,
                terminal: str = "T01") -> Session:
    """What the app asks at a first login: the one-time password changed."""
    session = log_in(runtime, outlet, login_id, one_time, terminal)
    operators.change_password(session, old_password=one_time, new_password=own)
    return log_in(runtime, outlet, login_id, own, terminal)


def test_a_chain_from_an_empty_store_to_its_first_month_close(kiosk, tmp_path):
    admin = ("admin", "Admin1234")
    kiosk("init")
    kiosk("setup", "--outlet-code", HEAD_OFFICE, "--outlet-name", "总部",
          "--admin-login", "admin", "--admin-name", "陈静", input="Admin1234\nAdmin1234\n")
    kiosk("admin", "outlet", SHOP, "南京东路店", who=admin)
    kiosk("admin", "terminal", SHOP, "T01", "--name", "收银台1", who=admin)
    kiosk("admin", "terminal", SHOP, "T02", "--name", "会员中心", who=admin)
    for login_id, name, role in (("cashier1", "王芳", "cashier"), ("clerk1", "李娜", "clerk"),
                                 ("super1", "张强", "supervisor")):
        kiosk("admin", "operator", SHOP, login_id, name, role, who=admin,
              input="Start1234\nStart1234\n")
    kiosk("admin", "product", "SV", "--name", "储值卡", "--kind", "stored_value",
          "--fee", "10", who=admin)
    kiosk("admin", "open-product", SHOP, "SV", who=admin)
    received = kiosk("stock", "receive", "--product", "SV", "--prefix", "88880001",
                     "--from", "0000000", "--count", "100", who=admin)
    assert "100 SV" in received

    settings = with_simulated_devices(replace(_settings(kiosk), outlet_code=SHOP))
    runtime = open_runtime(settings)
    super1 = first_login(runtime, SHOP, "super1", "Start1234", "Super1234", "T02")
    clerk = first_login(runtime, SHOP, "clerk1", "Start1234", "Clerk1234", "T02")
    cashier = first_login(runtime, SHOP, "cashier1", "Start1234", "Cashier123")
    request = kiosk("stock", "request", "--outlet", SHOP, "--product", "SV", "--count", "10",
                    who=("clerk1", "Clerk1234"), outlet=SHOP)
    move = re.search(r"#(\d+)", request).group(1)
    kiosk("stock", "send", move, who=admin)
    kiosk("stock", "receive-move", move, who=("clerk1", "Clerk1234"), outlet=SHOP)

    # The member centre: a member, their card written, issued with their PIN, money in.
    # A named prepaid card's holder registers with their ID number (the real-name rule).
    member = members.register(clerk, members.MemberDetails("王小明", "13600136000",
                                                           "110101199001010015"))
    number = issuing.next_blank(clerk, "SV")
    issuing.record_written(clerk, number)
    issuing.issue(clerk, issuing.IssueRequest(number, member, "246810", 1000, 0), key="issue")
    recharge.recharge(clerk, card_number=number, amount=50000, tender="cash", key="money-in")
    # The counter: a charge with the customer's PIN.
    sale = charge.charge(cashier, card_number=number, amount=1230, pin="246810", key="sale")
    assert sale.principal_after == 50000 - 1230
    for session in (cashier, clerk):
        receipts.print_pending(session, SimPrinter(tmp_path / "receipts"))
    closes.close_shift(cashier, key="cashier-shift")
    closes.close_shift(clerk, key="clerk-shift")
    db.close()

    closed = kiosk("close-day", who=("super1", "Super1234"), outlet=SHOP)
    day = dt.date.fromisoformat(re.search(r"(\d{4}-\d{2}-\d{2})", closed).group(1))
    runtime = open_runtime(settings)
    month_later = replace(runtime, clock=lambda: runtime.clock() + dt.timedelta(days=40))
    closes.close_month(Session(month_later, super1.actor), day.strftime("%Y-%m"))
    assert verify(runtime.sealer).ok, verify(runtime.sealer).violations
    db.close()

    kiosk("export", "--date", day.isoformat(), "--out", str(tmp_path / "export"))
    kiosk("verify-export", str(tmp_path / "export"))
    assert "ok" in kiosk("verify")


def _settings(kiosk):
    from kiosk.config import load_settings
    return replace(load_settings(home=kiosk.home, db_url=kiosk.store_url), hash_time_cost=1,
                   hash_memory_kib=64)


def test_the_store_holds_no_demo_data(kiosk):
    """What the walk above starts from: init makes a store with nothing in it."""
    kiosk("init")
    runtime = open_runtime(_settings(kiosk))
    assert not models.Outlet.select().exists() and not models.Card.select().exists()
    with pytest.raises(Exception, match="not registered"):
        Session(runtime, terminal_actor(HEAD_OFFICE, "T01"))
