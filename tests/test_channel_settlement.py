"""Channel settlement (渠道结算) from an empty store: redeemed orders picked, "settlement
started" recorded, then the channel's payment (bank serial number, or a coupon used once);
the statement with the clinic's bank account; two clerks at once, in several processes."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.errors import InvalidInput, PermissionDenied
from kiosk.services import channel_settlements as settling
from kiosk.services.channel_settlements import SettlementRefused
from kiosk.services.verify import verify
from kiosk.store import models
from tests.test_channel_orders import CHANNEL, HEADER, OUTLET, ROUNDS, Shop, key

ACCOUNT = "招商银行 6225 8800 1234 5678"


@pytest.fixture(name="shop")
def a_clinic(chain, runtime) -> Shop:
    """test_channel_orders' head office: 泰康 cards, cashiers and finance1."""
    return Shop(chain, runtime)


def redeemed(shop: Shop, tmp_path, orders: dict[str, int], card: int = 0) -> None:
    """The orders imported and redeemed at the counter."""
    shop.import_text(HEADER + "".join(f"{number},{fen / 100:.2f},\n"
                                      for number, fen in orders.items()), tmp_path)
    for number, fen in orders.items():
        shop.charge(fen, number, card=card)


def clinic_app(shop: Shop):
    """The kiosk app at the clinic's outlet."""
    from dataclasses import replace

    from tests.app_helpers import make_app
    settings = replace(shop.runtime.settings, outlet_code=OUTLET)
    return make_app(replace(shop.runtime, settings=settings))


def a_year_on() -> str:
    return (dt.date.today() + dt.timedelta(days=365)).isoformat()


def test_picked_orders_are_started_then_paid_by_bank(shop, tmp_path):
    redeemed(shop, tmp_path, {"TK-1": 8800, "TK-2": 12050, "TK-3": 3000})
    shop.import_text(HEADER + "TK-9,10,\n", tmp_path)  # imported, never redeemed
    listed = settling.settleable(shop.finance, channel=CHANNEL)
    assert [(o.order_no, o.amount) for o in listed] == [("TK-1", 8800), ("TK-2", 12050),
                                                         ("TK-3", 3000)]
    assert settling.bank_account_hint(shop.finance, channel=CHANNEL) == ""
    start_key = key()
    started = settling.start(shop.finance, channel=CHANNEL, order_nos=["TK-1", " TK-2 "],
                             bank_account=ACCOUNT, key=start_key)
    assert (started.order_count, started.total) == (2, 8800 + 12050)
    again = settling.start(shop.finance, channel=CHANNEL, order_nos=["TK-2", "TK-1"],
                           bank_account=ACCOUNT, key=start_key)  # a retry: replayed
    assert again.replayed and again.settlement_id == started.settlement_id
    assert [o.order_no for o in settling.settleable(shop.finance, channel=CHANNEL)] == ["TK-3"]
    view = settling.settlement(shop.finance, started.settlement_id)
    assert (view.status, view.bank_account, view.total) == ("started", ACCOUNT, 20850)
    assert settling.bank_account_hint(shop.finance, channel=CHANNEL) == ACCOUNT
    paid = settling.record_payment(shop.finance, settlement_id=started.settlement_id,
                                   method="bank", reference="BK20261201001", key=key())
    assert (paid.method, paid.reference, paid.total) == ("bank", "BK20261201001", 20850)
    with pytest.raises(SettlementRefused, match="already paid .bank transfer BK20261201001"):
        settling.record_payment(shop.finance, settlement_id=started.settlement_id,
                                method="bank", reference="BK2", key=key())
    view = settling.settlement(shop.finance, started.settlement_id)
    assert (view.status, view.method, view.reference) == ("paid", "bank", "BK20261201001")
    rows = settling.statement_table(shop.finance, started.settlement_id).shown(str)
    assert rows[0] == ["settlement no.", "order number", "redeemed on", "amount",
                       "bank account"]
    assert [row[1:4] for row in rows[1:]] == [["TK-1", rows[1][2], "88.00"],
                                              ["TK-2", rows[2][2], "120.50"]]
    assert all(row[4] == ACCOUNT for row in rows[1:])
    assert models.AuditEvent.select().where(models.AuditEvent.action.in_(
        ["channel_settlement", "channel_settlement_paid"])).count() == 2
    assert verify(shop.runtime.sealer).ok


def test_a_settlement_names_the_months_not_reconciled_before_it_starts(shop, tmp_path):
    redeemed(shop, tmp_path, {"TK-1": 8800})
    orders = settling.settleable(shop.finance, channel=CHANNEL)
    checked = settling.check_start(shop.finance, channel=CHANNEL, orders=orders,
                                   bank_account=f"  {ACCOUNT} ")
    month = orders[0].redeemed_on[:7]
    assert checked == settling.StartCheck(ACCOUNT, (month,))
    outlet = models.Outlet.get(models.Outlet.code == OUTLET)
    models.Reconciliation.create(  # as finance confirms a month with no differences
        outlet=outlet, channel=CHANNEL, month=month, matched_count=1, matched_total=8800,
        statement_sha256="0" * 64)
    assert settling.check_start(shop.finance, channel=CHANNEL, orders=orders,
                                bank_account=ACCOUNT).months_not_reconciled == ()


def test_an_order_is_settled_once_and_only_a_redeemed_one_of_this_outlet(shop, tmp_path):
    redeemed(shop, tmp_path, {"TK-1": 8800, "TK-2": 500})
    shop.import_text(HEADER + "TK-9,10,\n", tmp_path)
    first = settling.start(shop.finance, channel=CHANNEL, order_nos=["TK-1"],
                           bank_account=ACCOUNT, key=key())
    for orders, message in ((["TK-2", "TK-1"], f"TK-1 is already in settlement no. "
                                                f"{first.settlement_id}"),
                            (["TK-9"], "TK-9 was never redeemed"),
                            (["TK-404"], "not on taikang's order list")):
        with pytest.raises(SettlementRefused, match=message):
            settling.start(shop.finance, channel=CHANNEL, order_nos=orders,
                           bank_account=ACCOUNT, key=key())
    assert [o.order_no for o in settling.settleable(shop.finance, channel=CHANNEL)] == ["TK-2"]
    with pytest.raises(InvalidInput, match="Pick the orders"):
        settling.start(shop.finance, channel=CHANNEL, order_nos=[], bank_account=ACCOUNT,
                       key=key())
    with pytest.raises(InvalidInput, match="bank account") as caught:
        settling.start(shop.finance, channel=CHANNEL, order_nos=["TK-2"], bank_account="  ",
                       key=key())
    assert caught.value.field == "bank_account"
    with pytest.raises(PermissionDenied):
        settling.start(shop.cashier, channel=CHANNEL, order_nos=["TK-2"],
                       bank_account=ACCOUNT, key=key())


def test_a_coupon_pays_one_settlement_within_its_validity(shop, tmp_path):
    redeemed(shop, tmp_path, {"TK-1": 8800, "TK-2": 500, "TK-3": 700})
    ids = [settling.start(shop.finance, channel=CHANNEL, order_nos=[number],
                          bank_account=ACCOUNT, key=key()).settlement_id
           for number in ("TK-1", "TK-2", "TK-3")]
    with pytest.raises(InvalidInput, match="expired on 2020-01-31"):
        settling.record_payment(shop.finance, settlement_id=ids[0], method="coupon",
                                reference="Q-1", valid_until="2020-01-31", key=key())
    with pytest.raises(InvalidInput, match="YYYY-MM-DD") as caught:
        settling.record_payment(shop.finance, settlement_id=ids[0], method="coupon",
                                reference="Q-1", valid_until="31/01", key=key())
    assert caught.value.field == "valid_until"
    paid = settling.record_payment(shop.finance, settlement_id=ids[0], method="coupon",
                                   reference="Q-1", valid_until=a_year_on(), key=key())
    assert paid.reference == "Q-1"
    with pytest.raises(SettlementRefused, match=f"Q-1 was already used for settlement no. "
                                                f"{ids[0]}"):
        settling.record_payment(shop.finance, settlement_id=ids[1], method="coupon",
                                reference="Q-1", valid_until=a_year_on(), key=key())
    assert settling.settlement(shop.finance, ids[1]).status == "started"
    settling.record_payment(shop.finance, settlement_id=ids[1], method="coupon",
                            reference="Q-2", valid_until=a_year_on(), key=key())
    view = settling.settlement(shop.finance, ids[0])
    assert (view.method, view.coupon_valid_until) == ("coupon", a_year_on())
    with pytest.raises(InvalidInput, match="bank transfer or by coupon"):
        settling.record_payment(shop.finance, settlement_id=ids[2], method="cash",
                                reference="x", key=key())
    assert [v.settlement_id for v in settling.settlements(
        shop.finance, channel=CHANNEL, status="started")] == [ids[2]]


# -- two clerks at once -------------------------------------------------------------------
def test_the_outlets_settlement_account_is_filled_in_until_a_settlement_names_one(shop,
                                                                                   tmp_path):
    from kiosk.services import admin
    from kiosk.store import outlets
    assert settling.bank_account_hint(shop.finance, channel=CHANNEL) == ""
    outlet = outlets.by_code(OUTLET)
    details = admin.OutletDetails(OUTLET, outlet.name, bank_account="  工商银行  6222 0000 1111 ")
    admin.save_outlet(shop.admin, details)
    assert outlets.by_code(OUTLET).bank_account == "工商银行 6222 0000 1111"
    assert settling.bank_account_hint(shop.finance, channel=CHANNEL) == "工商银行 6222 0000 1111"
    with pytest.raises(InvalidInput, match="bank account") as refused:
        admin.save_outlet(shop.admin, admin.OutletDetails(OUTLET, outlet.name,
                                                          bank_account="工商银行"))
    assert refused.value.field == "bank_account"
    redeemed(shop, tmp_path, {"TK-1": 8800})
    settling.start(shop.finance, channel=CHANNEL, order_nos=["TK-1"], bank_account=ACCOUNT,
                   key=key())
    assert settling.bank_account_hint(shop.finance, channel=CHANNEL) == ACCOUNT  # the last


@pytest.mark.race
def test_clerks_settling_at_once_settle_each_order_once_and_use_a_coupon_once(
        chain, runtime, tmp_path):
    from kiosk.services import admin
    from tests.racing import Racers
    from tests.test_channel_orders import first_login
    shop = Shop(chain, runtime)
    admin.add_operator(chain, OUTLET, "finance2", "finance2", "finance", "Start1234")
    first_login(runtime, "finance2", "Start1234", "Finance234", "T02")
    logins = [(OUTLET, "finance1", "Finance123", "T01"), (OUTLET, "finance2", "Finance234", "T02"),
              (OUTLET, "finance1", "Finance123", "T02")]
    with Racers(runtime.settings, logins) as racers:
        for round_number in range(ROUNDS):
            orders = [f"R{round_number}-{n}" for n in range(3)]
            redeemed(shop, tmp_path, {number: 100 for number in orders})
            # each clerk picks two of the three orders: any two clerks share one
            picks = (orders[0:2], orders[1:3], [orders[2], orders[0]])
            outcomes = racers.race(*[("settle_orders", CHANNEL, pick, ACCOUNT, key())
                                     for pick in picks])
            winners = [o for o in outcomes if o.ok]
            assert len(winners) == 1, outcomes
            assert all(o.value == "SettlementRefused" for o in outcomes if not o.ok), outcomes
            settled = {link.order.order_no: link.settlement_id
                       for link in models.ChannelSettlementOrder.select().join(
                           models.ChannelOrder).where(models.ChannelOrder.order_no.in_(orders))}
            assert set(settled.values()) == {winners[0].value} and len(settled) == 2
            rest = next(number for number in orders if number not in settled)
            other = settling.start(shop.finance, channel=CHANNEL, order_nos=[rest],
                                   bank_account=ACCOUNT, key=key()).settlement_id
            # one coupon, two settlements, three clerks at once: one settlement is paid
            coupon = f"COUPON-{round_number}"
            outcomes = racers.race(*[("settlement_coupon", settlement_id, coupon,
                                      a_year_on(), key())
                                     for settlement_id in (other, winners[0].value, other)])
            paid = [o for o in outcomes if o.ok]
            assert len(paid) == 1, outcomes
            assert all(o.value == "SettlementRefused" for o in outcomes if not o.ok), outcomes
            assert models.ChannelSettlement.select().where(
                models.ChannelSettlement.reference == coupon).count() == 1
            assert models.ChannelCoupon.get(models.ChannelCoupon.number == coupon
                                            ).settlement_id == paid[0].value
    assert verify(runtime.sealer).ok


# -- the command line ---------------------------------------------------------------------
def test_the_cli_starts_pays_and_prints_a_settlement(shop, tmp_path):
    redeemed(shop, tmp_path, {"TK-1": 8800, "TK-2": 500})
    settings = shop.runtime.settings
    base = ["--home", str(settings.home), "--db", settings.db_url, "channel"]
    cli = CliRunner(env={"KIOSK_LANG": "en", "KIOSK_OUTLET": OUTLET,
                         "KIOSK_OPERATOR": "finance1", "KIOSK_OPERATOR_PASSWORD": "Finance123"})
    listed = cli.invoke(main, base + ["settleable", "--channel", CHANNEL])
    assert listed.exit_code == 0, listed.output
    assert "TK-1" in listed.output and "TK-2" in listed.output
    started = cli.invoke(main, base + ["settle", "--channel", CHANNEL, "--account", ACCOUNT,
                                       "--key", "s1", "TK-1", "TK-2"])
    assert started.exit_code == 0, started.output
    settlement_id = models.ChannelSettlement.get().id
    assert f"settlement no. {settlement_id} started: 2 orders, 93.00" in started.output
    paid = cli.invoke(main, base + ["paid", str(settlement_id), "--coupon", "Q-9",
                                    "--valid-until", a_year_on(), "--key", "p1"])
    assert paid.exit_code == 0, paid.output
    out = tmp_path / "statement.csv"
    shown = cli.invoke(main, base + ["statement", str(settlement_id), "--csv", str(out)])
    assert shown.exit_code == 0, shown.output
    assert ACCOUNT in shown.output and "paid" in shown.output and "Q-9" in shown.output
    assert "TK-1" in out.read_text(encoding="utf-8")
    twice = cli.invoke(main, base + ["paid", str(settlement_id), "--bank-serial", "B1",
                                     "--key", "p2"])
    assert twice.exit_code != 0 and "already paid" in twice.output


# -- the screen ---------------------------------------------------------------------------
async def test_finance_settles_picked_orders_and_records_a_coupon_on_the_screen(shop, tmp_path):
    from textual.widgets import DataTable

    from tests.app_helpers import (laid_out, open_centre, wait_for_message, wait_for_screen,
                                   wait_until)
    redeemed(shop, tmp_path, {"TK-1": 8800, "TK-2": 500, "TK-3": 700})
    app = clinic_app(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "7", "ReconcileScreen", login=("finance1", "Finance123"))
        await pilot.press("f6")
        await wait_for_screen(pilot, "ChannelSettlementScreen")
        screen = app.screen
        table = screen.query_one(DataTable)
        await wait_until(pilot, lambda: len(screen.orders) == 3, "the orders to settle listed")
        await pilot.press("f7")  # nothing picked yet
        await wait_for_message(pilot, "Pick the orders to settle")
        table.focus()
        await laid_out(pilot, table)
        await pilot.press("space", "space")  # TK-1, then TK-2
        assert screen.picked == {"TK-1", "TK-2"}
        await pilot.press("f7")  # no account yet: said at once, no confirmation asked
        await wait_for_message(pilot, "bank account the channel pays into")
        assert type(app.screen).__name__ == "ChannelSettlementScreen"
        screen.query_one("#bank_account").value = ACCOUNT
        table.focus()
        await pilot.press("f7")
        await wait_for_screen(pilot, "ConfirmModal")
        asked = " ".join(str(line.render()) for line in app.screen.query("Static"))
        month = screen.orders[0].redeemed_on[:7]  # finance never confirmed it reconciled
        assert f"Not yet reconciled with the channel's statement: {month}." in asked
        await pilot.press("enter")
        await wait_for_message(pilot, "started: 2 order(s), ¥93.00")
        await wait_until(pilot, lambda: len(screen.settlements) == 1, "the settlement listed")
        assert table.get_row_at(0)[1] == "settlement started"
        screen.query_one("#method").value = "coupon"
        screen.query_one("#reference").value = "Q-7"
        screen.query_one("#valid_until").value = "2020-01-01"  # expired: said at its field
        table.focus()
        await pilot.press("f8")
        await wait_for_message(pilot, "expired on 2020-01-01")
        assert app.focused.id == "valid_until"
        screen.query_one("#valid_until").value = a_year_on()
        table.focus()
        await pilot.press("f8")
        await wait_for_screen(pilot, "ConfirmModal")  # one line names what is recorded
        assert "settlement no. 1, ¥93.00, as paid by coupon Q-7?" in " ".join(
            str(line.render()) for line in app.screen.query("Static"))
        await pilot.press("escape")  # not now: nothing recorded
        await wait_for_screen(pilot, "ChannelSettlementScreen")
        assert models.ChannelSettlement.get().status == "started"
        table.focus()
        await pilot.press("f8")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("enter")
        await wait_for_message(pilot, "paid: coupon Q-7, ¥93.00")
        await wait_until(pilot, lambda: screen.settlements[0].status == "paid", "paid listed")
        screen.query_one("#reference").value = "Q-8"
        table.focus()
        await pilot.press("f8")  # paid already: said before any confirmation is asked
        await wait_for_message(pilot, "already paid (coupon Q-7)")
        assert type(app.screen).__name__ == "ChannelSettlementScreen"
        await pilot.press("f6")
        await wait_for_message(pilot, "Report saved")
        await pilot.press("f2")  # back to the orders: TK-3 is left
        await wait_until(pilot, lambda: [o.order_no for o in screen.orders] == ["TK-3"],
                         "TK-3 left to settle")
    settlement = models.ChannelSettlement.get()
    assert (settlement.status, settlement.reference, settlement.bank_account) == (
        "paid", "Q-7", ACCOUNT)
    assert (shop.runtime.settings.home / "reports" /
            f"settlement-{CHANNEL}-{settlement.id}.xlsx").exists()


# -- the channel's order file: purchase price columns added up ----------------------------
def test_an_order_list_paid_by_several_tenders_adds_their_price_columns(shop, tmp_path):
    from dataclasses import replace

    from kiosk.services import channel_orders
    from kiosk.services.session import Session
    from kiosk.tables import TableProblems
    settings = shop.runtime.settings
    dental = {"order_no": "订单号", "amount": "结算金额", "issuer": "泰康",
              "order_file_amount": "微医保+支付宝+现金券本金"}
    runtime = replace(shop.runtime, settings=replace(settings, channels={"dental": dental}))
    finance = Session(runtime, shop.finance.actor)
    path = tmp_path / "dental.csv"
    path.write_text("订单号,微医保,支付宝,现金券本金,门店编码\n"
                    "D-1,50.00,30.50,,\nD-2,,¥20,5,\n", encoding="utf-8")
    result = channel_orders.import_orders(finance, channel="dental", path=path)
    assert (result.imported, result.total) == (2, 8050 + 2500)
    assert [(o.order_no, o.amount) for o in channel_orders.orders(finance, channel="dental")
            ] == [("D-1", 8050), ("D-2", 2500)]
    path.write_text("订单号,微医保,支付宝,现金券本金\nD-3,,,\nD-4,1.001,,\n", encoding="utf-8")
    with pytest.raises(TableProblems) as caught:
        channel_orders.import_orders(finance, channel="dental", path=path)
    assert [problem.line for problem in caught.value.problems] == [2, 3]
    path.write_text("订单号,微医保,支付宝\nD-5,1,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no column '现金券本金'"):
        channel_orders.import_orders(finance, channel="dental", path=path)


# -- our own report of the verified orders, with the columns picked -----------------------
def test_the_own_report_of_verified_orders_has_the_columns_picked(shop, tmp_path):
    from kiosk.services import reconcile
    redeemed(shop, tmp_path, {"TK-1": 8800, "TK-2": 500})
    shop.import_text(HEADER + "TK-9,10,\n", tmp_path)
    settled = settling.start(shop.finance, channel=CHANNEL, order_nos=["TK-2"],
                             bank_account=ACCOUNT, key=key()).settlement_id
    month = shop.finance.now().strftime("%Y-%m")
    table = reconcile.verified_orders_table(shop.finance, channel=CHANNEL, month=month,
                                            fields=["settlement", "order_no", "amount"])
    assert table.shown(str) == [["settlement no.", "order number", "settlement amount"],
                                ["", "TK-1", "88.00"], [str(settled), "TK-2", "5.00"]]
    every = reconcile.verified_orders_table(shop.finance, channel=CHANNEL, month=month)
    assert every.header(str) == ["order number", "redeemed on", "settlement amount",
                                 "card number", "journal no.", "order state", "settlement no."]
    assert [row[3] for row in every.rows] == [shop.cards[0]] * 2
    assert [row[5] for row in every.rows] == ["redeemed", "redeemed"]
    for wrong in (["order_no", "pin"], ["amount", "amount"]):
        with pytest.raises(InvalidInput, match="some of order_no, redeemed_on") as caught:
            reconcile.verified_orders_table(shop.finance, channel=CHANNEL, month=month,
                                            fields=wrong)
        assert caught.value.field == "fields"
    with pytest.raises(PermissionDenied):
        reconcile.verified_orders_table(shop.cashier, channel=CHANNEL, month=month)
    settings = shop.runtime.settings
    out = tmp_path / "own.csv"
    result = CliRunner(env={"KIOSK_LANG": "en"}).invoke(main, [
        "--home", str(settings.home), "--db", settings.db_url, "channel", "report",
        "--channel", CHANNEL, "--month", month, "--fields", "order_no,card", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1:] == [f"TK-1,{shop.cards[0]}", f"TK-2,{shop.cards[0]}"], lines


async def test_finance_picks_the_own_reports_columns_on_the_reconciliation_screen(shop,
                                                                                 tmp_path):
    from openpyxl import load_workbook

    from tests.app_helpers import open_centre, wait_for_message, wait_for_screen
    redeemed(shop, tmp_path, {"TK-1": 8800})
    month = shop.finance.now().strftime("%Y-%m")
    app = clinic_app(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "7", "ReconcileScreen", login=("finance1", "Finance123"))
        app.screen.query_one("#month").value = month
        await pilot.press("f9")
        await wait_for_screen(pilot, "AskModal")
        await pilot.press("9", "enter")  # no such column
        await wait_for_message(pilot, "Type the numbers of the columns")
        await pilot.press("f9")
        await wait_for_screen(pilot, "AskModal")
        await pilot.press("3", "space", "1", "enter")
        await wait_for_message(pilot, "Report saved")
    reports = shop.runtime.settings.home / "reports"
    book = load_workbook(reports / f"verified-orders-{CHANNEL}-{month}.xlsx")
    assert list(book.active.iter_rows(values_only=True)) == [
        ("settlement amount", "order number"), (88, "TK-1")]


# -- whether what a card pays counts as revenue: per product ------------------------------
def test_whether_a_products_sales_are_revenue_is_set_per_product(shop, tmp_path):
    from kiosk.services import admin, charge
    from kiosk.store import ledger
    from tests.test_channel_orders import PRODUCT, first_login, principal
    product = models.CardProduct.get(models.CardProduct.code == PRODUCT)
    assert not product.revenue  # an insurer's card: its issuer's receivable, as before
    redeemed(shop, tmp_path, {"TK-1": 8800})
    first = models.Operation.get(models.Operation.channel_order_no == "TK-1")
    assert ledger.paid_into(first.id).kind == "issuer_receivable"
    admin.save_product(shop.admin, PRODUCT, revenue=True)  # this chain books it as sales
    redeemed(shop, tmp_path, {"TK-2": 500})
    second = models.Operation.get(models.Operation.channel_order_no == "TK-2")
    assert ledger.paid_into(second.id).kind == "outlet_sales"
    admin.add_operator(shop.admin, OUTLET, "super1", "主管", "supervisor", "Start1234")
    first_login(shop.runtime, "super1", "Start1234", "Super1234", "T02")
    admin.save_product(shop.admin, PRODUCT, revenue=False)
    # a refund gives back from where the charge went, whatever the setting is now
    charge.refund(shop.cashier, original_operation_id=second.id, amount=500, key=key(),
                  review=charge.Review("super1", "Super1234"))
    assert principal(shop.cards[0]) == 100000 - 8800
    admin.save_product(shop.admin, "SV", name="储值卡", kind="stored_value")
    assert models.CardProduct.get(models.CardProduct.code == "SV").revenue
    assert verify(shop.runtime.sealer).ok


async def test_the_administrator_sets_whether_a_products_sales_are_revenue(shop):
    from tests.app_helpers import open_admin_form, type_into, wait_for_message
    from tests.test_channel_orders import PRODUCT
    app = clinic_app(shop)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_admin_form(pilot, "9")
        await type_into(pilot, "product", PRODUCT)
        app.screen.query_one("#revenue").value = "on"
        app.screen.submit()
        await wait_for_message(pilot, "Saved")
    product = models.CardProduct.get(models.CardProduct.code == PRODUCT)
    assert product.revenue and product.kind == "insurance" and product.issuer == "泰康"


def test_a_charge_whose_order_is_in_a_settlement_is_not_refunded_at_the_counter(shop,
                                                                                 tmp_path):
    """The channel pays the settled order: a counter refund would have it paid twice."""
    from kiosk.errors import KioskError
    from kiosk.services import admin, charge
    from tests.test_channel_orders import first_login, order
    admin.add_operator(shop.admin, OUTLET, "super1", "主管", "supervisor", "Start1234")
    first_login(shop.runtime, "super1", "Start1234", "Super1234", "T02")
    redeemed(shop, tmp_path, {"TK-1": 8800})
    settlement_id = settling.start(shop.finance, channel=CHANNEL, order_nos=["TK-1"],
                                   bank_account=ACCOUNT, key=key()).settlement_id
    sale = models.Operation.get(models.Operation.channel_order_no == "TK-1")
    with pytest.raises(KioskError, match=f"settlement #{settlement_id}"):
        charge.check_refund(shop.cashier, sale.id, 8800)
    with pytest.raises(KioskError, match=f"settlement #{settlement_id}"):
        charge.refund(shop.cashier, original_operation_id=sale.id, amount=100, key=key(),
                      review=charge.Review("super1", "Super1234"))
    assert (order("TK-1").status, order("TK-1").operation_id) == ("redeemed", sale.id)
    assert models.Operation.get_by_id(sale.id).reversed_amount == 0
    assert verify(shop.runtime.sealer).ok


@pytest.mark.race
def test_a_refund_racing_the_orders_settlement_never_leaves_both(chain, runtime, tmp_path):
    """A cashier refunds a charge while finance starts its order's settlement: either the
    refund wins and the settlement takes what is left, or the settlement wins and the
    refund is refused; never a settlement claiming money the card got back."""
    from kiosk.services import admin
    from tests.racing import Racers
    from tests.test_channel_orders import first_login
    shop = Shop(chain, runtime)
    admin.add_operator(chain, OUTLET, "super1", "主管", "supervisor", "Start1234")
    first_login(runtime, "super1", "Start1234", "Super1234", "T02")
    logins = [(OUTLET, "finance1", "Finance123", "T01"), (OUTLET, "cashier1", "Cashier123", "T02")]
    with Racers(runtime.settings, logins) as racers:
        for round_number in range(ROUNDS):
            number = f"RS-{round_number}"
            redeemed(shop, tmp_path, {number: 1000})
            sale = models.Operation.get(models.Operation.channel_order_no == number)
            settled, refunded = racers.race(
                ("settle_orders", CHANNEL, [number], ACCOUNT, key()),
                ("refund", sale.id, 400, key()))
            assert settled.ok, settled
            link = models.ChannelSettlementOrder.get(
                models.ChannelSettlementOrder.settlement == settled.value)
            reversed_amount = models.Operation.get_by_id(sale.id).reversed_amount
            if refunded.ok:
                assert (reversed_amount, link.amount) == (400, 600), round_number
            else:
                assert "settlement" in refunded.error, refunded
                assert (reversed_amount, link.amount) == (0, 1000), round_number
    assert verify(runtime.sealer).ok
