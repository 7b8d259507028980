"""Channel orders (渠道订单) with real data, from an empty store: the channel's order list
imported (bad rows by line, a repeat), redeemed by the charge that names it at the
counter (service and screen), refused when wrong, raced by four tills, and reconciled
against the channel's statement."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.errors import InvalidInput, PermissionDenied
from kiosk.hw.tracks import luhn_complete
from kiosk.services import admin, channel_orders, charge, issuing, operators, reconcile
from kiosk.services.accounts import card_accounts, issuer_account, open_card_accounts
from kiosk.services.channel_orders import OrderRefused
from kiosk.services.operations import Posting, perform
from kiosk.services.verify import verify
from kiosk.store import models
from kiosk.tables import TableProblems
from tests.conftest import IN_CI, log_in

OUTLET, OTHER_OUTLET = "10000001", "10000002"
CHANNEL, ISSUER, PRODUCT = "taikang", "泰康", "TKINS"  # the default [channels.taikang]
PIN = "246810"
HEADER = "渠道订单号,结算金额,门店编码\n"
ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


def key() -> str:
    return uuid.uuid4().hex


def first_login(runtime, login_id: str, one_time: str, password: str, terminal: str = "T01"):
    session = log_in(runtime, OUTLET, login_id, one_time, terminal)
    operators.change_password(session, old_password=one_time, new_password=password)
    return log_in(runtime, OUTLET, login_id, password, terminal)


def issued_card(administrator, serial: int, balance: int, product_code: str = PRODUCT) -> str:
    """An issued card (a 泰康 card by default) with `balance` posted by its issuer, as
    the demo's opening balances are; card stock proper is another engineer's work."""
    product = models.CardProduct.get(models.CardProduct.code == product_code)
    number = luhn_complete(f"77770000{serial:07d}")
    card = models.Card.create(number=number, product=product, status="blank",
                              outlet=models.Outlet.get(models.Outlet.code == OUTLET))
    open_card_accounts(card)
    issuing.record_written(administrator, number)
    issuing.issue(administrator, issuing.IssueRequest(number, None, PIN, 0, 0), key=key())

    def run(posting: Posting) -> dict:
        posting.move(issuer_account(ISSUER, "issuer_funding"),
                     card_accounts(card)["principal"], balance)
        return {"principal": balance}

    if balance:
        perform(administrator, kind="opening_balance", key=key(), request={"card": number},
                run=run, card=card, amount=balance)
    return number


def a_month_on(session):
    """The same operator on the 2nd of next month: this month is then last month."""
    import datetime as dt
    from kiosk.services.session import Session

    def clock():
        now = session.now()
        return (now.replace(day=1) + dt.timedelta(days=32)).replace(day=2)
    return Session(replace(session.runtime, clock=clock), session.actor)


class Shop:
    """The chain's head office set up for an insurer's channel orders: the 泰康 product
    opened, a second terminal, a cashier, a finance clerk, and cards with money."""

    def __init__(self, chain, runtime, cards: int = 2) -> None:
        self.admin, self.runtime = chain, runtime
        admin.save_product(chain, PRODUCT, name="泰康卡", kind="insurance", issuer=ISSUER)
        admin.open_product(chain, OUTLET, PRODUCT, True)
        admin.add_terminal(chain, OUTLET, "T02")
        admin.save_outlet(chain, admin.OutletDetails(OTHER_OUTLET, "南京东路店"))
        for login_id, role in (("cashier1", "cashier"), ("cashier2", "cashier"),
                               ("finance1", "finance")):
            admin.add_operator(chain, OUTLET, login_id, login_id, role, "Start1234")
        self.cashier = first_login(runtime, "cashier1", "Start1234", "Cashier123")
        first_login(runtime, "cashier2", "Start1234", "Cashier234", "T02")
        self.finance = first_login(runtime, "finance1", "Start1234", "Finance123")
        self.cards = [issued_card(chain, serial, 100000) for serial in range(cards)]

    def import_text(self, text: str, tmp_path, name: str = "orders.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return channel_orders.import_orders(self.finance, channel=CHANNEL, path=path)

    def charge(self, amount: int, order: str | None, card: int = 0, sale_key: str = ""):
        return charge.charge(self.cashier, card_number=self.cards[card], amount=amount,
                             pin=PIN, key=sale_key or key(), channel_order_no=order)


@pytest.fixture
def shop(chain, runtime) -> Shop:
    return Shop(chain, runtime)


def order(order_no: str) -> models.ChannelOrder:
    return models.ChannelOrder.get(models.ChannelOrder.channel == CHANNEL,
                                   models.ChannelOrder.order_no == order_no)


def principal(number: str) -> int:
    card = models.Card.get(models.Card.number == number)
    return card_accounts(card)["principal"].balance


# -- the order list -----------------------------------------------------------------------
def test_an_order_list_is_imported_open_and_a_repeat_is_not_doubled(shop, tmp_path):
    text = HEADER + f"TK-1,88.00,{OUTLET}\nTK-2,120.50,\nTK-3,￥30\n"
    result = shop.import_text(text, tmp_path)
    assert (result.imported, result.total, result.already) == (3, 8800 + 12050 + 3000, ())
    assert order("TK-1").outlet.code == OUTLET and order("TK-2").outlet_id is None
    again = shop.import_text(text + "TK-4,10\n", tmp_path)
    assert again.imported == 1 and [(a.line, a.order_no) for a in again.already] == [
        (2, "TK-1"), (3, "TK-2"), (4, "TK-3")]
    listed = channel_orders.orders(shop.finance, channel=CHANNEL, status="open")
    assert [(o.order_no, o.amount, o.outlet_code) for o in listed] == [
        ("TK-1", 8800, OUTLET), ("TK-2", 12050, ""), ("TK-3", 3000, ""), ("TK-4", 1000, "")]
    assert models.AuditEvent.select().where(
        models.AuditEvent.action == "channel.import").count() == 2


def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(shop, tmp_path):
    shop.import_text(HEADER + "TK-1,88.00,\n", tmp_path)
    bad = (HEADER + "TK-2,1.001,\n"       # 2: three decimals
           ",5,\n"                        # 3: no order number
           "TK-3,0,\n"                    # 4: an order of nothing
           "TK-4,5,\nTK-4,5,\n"           # 6: twice in the file
           "TK-5,5,99999999\n"            # 7: no such outlet
           "TK-1,90.00,\n"                # 8: imported before with another amount
           "TK-6,5,\n")                   # 9: fine, but the file is refused whole
    with pytest.raises(TableProblems) as caught:
        shop.import_text(bad, tmp_path)
    assert [problem.line for problem in caught.value.problems] == [2, 3, 4, 6]
    bad_later = HEADER + "TK-5,5,99999999\nTK-1,90.00,\nTK-6,5,\n"
    with pytest.raises(TableProblems) as caught:
        shop.import_text(bad_later, tmp_path)
    assert [(p.line, p.params) for p in caught.value.problems] == [
        (2, {"code": "99999999"}), (3, {"order": "TK-1", "amount": "¥88.00"})]
    assert models.ChannelOrder.select().count() == 1
    with pytest.raises(InvalidInput, match="no column"):
        shop.import_text("order,amount\nTK-9,1\n", tmp_path)


def test_only_finance_and_supervisors_import(shop, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "TK-1,1\n", encoding="utf-8")
    with pytest.raises(PermissionDenied):
        channel_orders.import_orders(shop.cashier, channel=CHANNEL, path=path)


# -- at the counter -----------------------------------------------------------------------
def test_a_charge_with_its_order_number_redeems_the_order(shop, tmp_path):
    shop.import_text(HEADER + f"TK-1,88.00,{OUTLET}\n", tmp_path)
    hint = channel_orders.check(shop.cashier, card_number=shop.cards[0], order_no=" TK-1 ",
                                amount=8800)
    assert (hint.order_no, hint.channel, hint.listed, hint.amount) == ("TK-1", CHANNEL, True,
                                                                      8800)
    sale_key = key()
    sale = shop.charge(8800, "TK-1", sale_key=sale_key)
    assert sale.channel_order_no == "TK-1" and principal(shop.cards[0]) == 100000 - 8800
    redeemed = order("TK-1")
    assert (redeemed.status, redeemed.operation_id) == ("redeemed", sale.operation_id)
    retry = shop.charge(8800, "TK-1", sale_key=sale_key)  # the same sale again: a replay
    assert retry.replayed and retry.operation_id == sale.operation_id
    again = shop.import_text(HEADER + f"TK-1,88.00,{OUTLET}\n", tmp_path)  # the list again
    assert again.imported == 0 and order("TK-1").status == "redeemed"
    assert verify(shop.runtime.sealer).ok


@pytest.mark.parametrize("amount, order_no, message", [
    (9000, "TK-1", "is for ¥88.00, the sale is ¥90.00"),
    (8800, "TK-404", "not on taikang's order list"),
    (3000, "TK-2", "is for outlet 10000002"),
    (8800, "TK 1", "without spaces"),
])
def test_a_wrong_order_is_refused_before_the_pin_and_in_the_charge(shop, tmp_path, amount,
                                                                   order_no, message):
    shop.import_text(HEADER + f"TK-1,88.00,{OUTLET}\nTK-2,30,{OTHER_OUTLET}\n", tmp_path)
    with pytest.raises((OrderRefused, InvalidInput), match=message):
        channel_orders.check(shop.cashier, card_number=shop.cards[0], order_no=order_no,
                             amount=amount)
    with pytest.raises((OrderRefused, InvalidInput), match=message):
        shop.charge(amount, order_no)
    assert principal(shop.cards[0]) == 100000  # nothing posted
    assert models.ChannelOrder.select().where(
        models.ChannelOrder.status != "open").count() == 0


def test_a_used_order_is_refused_naming_the_charge_that_redeemed_it(shop, tmp_path):
    shop.import_text(HEADER + "TK-1,88.00,\n", tmp_path)
    first = shop.charge(8800, "TK-1")
    for attempt in (lambda: channel_orders.check(shop.cashier, card_number=shop.cards[1],
                                                 order_no="TK-1", amount=8800),
                    lambda: shop.charge(8800, "TK-1", card=1)):
        with pytest.raises(OrderRefused, match=f"already redeemed .journal no. "
                                               f"{first.operation_id}"):
            attempt()
    assert principal(shop.cards[1]) == 100000


def test_without_an_imported_list_the_order_number_goes_as_typed(shop, tmp_path):
    hint = channel_orders.check(shop.cashier, card_number=shop.cards[0], order_no="TK-77")
    assert not hint.listed and hint.channel == CHANNEL
    sale = shop.charge(500, "TK-77")
    assert models.Operation.get_by_id(sale.operation_id).channel_order_no == "TK-77"
    assert not models.ChannelOrder.select().exists()


def test_a_card_of_no_channel_takes_the_number_as_typed_even_with_lists(shop, tmp_path):
    admin.save_product(shop.admin, "SV", name="储值卡", kind="stored_value")
    admin.open_product(shop.admin, OUTLET, "SV", True)
    stored_value = issued_card(shop.admin, 99, 0, "SV")
    shop.import_text(HEADER + "TK-1,88.00,\n", tmp_path)
    hint = channel_orders.check(shop.cashier, card_number=stored_value, order_no="XX-1")
    assert not hint.listed and hint.channel == ""


# -- two tills, one order -----------------------------------------------------------------
@pytest.mark.race
def test_four_tills_redeeming_one_order_at_once_redeem_it_once(chain, runtime, tmp_path):
    from tests.racing import Racers
    shop = Shop(chain, runtime, cards=4)
    logins = [(OUTLET, "cashier1", "Cashier123", "T01"), (OUTLET, "cashier2", "Cashier234", "T02"),
              (OUTLET, "cashier1", "Cashier123", "T02"), (OUTLET, "cashier2", "Cashier234", "T01")]
    with Racers(runtime.settings, logins) as racers:
        for round_number in range(ROUNDS):
            order_no = f"RACE-{round_number}"
            shop.import_text(HEADER + f"{order_no},10.00,{OUTLET}\n", tmp_path)
            outcomes = racers.race(*[("charge", number, 1000, key(), PIN, order_no)
                                     for number in shop.cards])
            winners = [o for o in outcomes if o.ok]
            assert len(winners) == 1, outcomes
            assert all(o.value == "OrderRefused" for o in outcomes if not o.ok), outcomes
            assert order(order_no).operation_id == winners[0].value
            assert models.Operation.select().where(
                models.Operation.channel_order_no == order_no).count() == 1
    assert sum(100000 - principal(number) for number in shop.cards) == 1000 * ROUNDS
    assert verify(runtime.sealer).ok


# -- reconciliation on real orders --------------------------------------------------------
def test_a_statement_is_reconciled_against_the_imported_orders(shop, tmp_path):
    shop.import_text(HEADER + "TK-A,88.00,\nTK-B,120.50,\nTK-C,45.00,\nTK-D,30.00,\n"
                              "TK-E,10.00,\n", tmp_path)
    for amount, order_no in ((8800, "TK-A"), (12050, "TK-B"), (4500, "TK-C")):
        shop.charge(amount, order_no)
    path = tmp_path / "statement.csv"
    path.write_text("渠道订单号,结算金额\nTK-A,88.00\nTK-B,125.50\nTK-D,30.00\nTK-X,5.00\n",
                    encoding="utf-8")
    month = shop.finance.now().strftime("%Y-%m")  # reconciled once it is last month
    report = reconcile.reconcile(a_month_on(shop.finance), channel=CHANNEL, statement=path,
                                 month=month)
    found = {row.order_no: (row.status, row.statement_amount, row.journal_amount,
                            row.order_state) for row in report.rows}
    assert found == {
        "TK-A": ("matched", 8800, 8800, "redeemed"),
        "TK-B": ("amount_differs", 12550, 12050, "redeemed"),
        "TK-C": ("only_journal", None, 4500, "redeemed"),     # claim it from the channel
        "TK-D": ("not_redeemed", 3000, None, "open"),         # billed, never redeemed here
        "TK-X": ("only_statement", 500, None, "unlisted"),    # not even on their list
    }
    assert report.differences == 4 and report.matched_total == 8800
    rows = reconcile.report_table(report).shown(lambda text: text)
    assert rows[0][-1] == "order state" and ["TK-D", "billed, never redeemed", "30.00", "", "open"] in rows
    assert "not_redeemed 1" in reconcile.summary(report)


# -- the command line ---------------------------------------------------------------------
def test_the_cli_imports_a_list_and_lists_the_open_orders(shop, tmp_path):
    settings = shop.runtime.settings
    base = ["--home", str(settings.home), "--db", settings.db_url, "channel"]
    cli = CliRunner(env={"KIOSK_LANG": "en", "KIOSK_OUTLET": OUTLET, "KIOSK_OPERATOR": "admin",
                         "KIOSK_OPERATOR_PASSWORD": "Admin1234"})
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "TK-1,88.00,\nTK-2,20,\n", encoding="utf-8")
    result = cli.invoke(main, base + ["import", "--channel", CHANNEL, str(path)])
    assert result.exit_code == 0, result.output
    assert "2 imported" in result.output
    again = cli.invoke(main, base + ["import", "--channel", CHANNEL, str(path)])
    assert again.exit_code == 0 and "0 imported" in again.output
    assert "line 2: TK-1 already imported" in again.output
    shop.charge(8800, "TK-1")
    listed = cli.invoke(main, base + ["orders", "--channel", CHANNEL, "--status", "open"])
    assert listed.exit_code == 0, listed.output
    assert "TK-2" in listed.output and "TK-1" not in listed.output
    path.write_text(HEADER + "TK-3,1.001,\n,2,\n", encoding="utf-8")
    bad = cli.invoke(main, base + ["import", "--channel", CHANNEL, str(path)])
    assert bad.exit_code == 2
    assert "line 2:" in bad.output and "line 3: no order number" in bad.output


# -- the settings -------------------------------------------------------------------------
def test_a_channel_names_its_order_list_columns(tmp_path):
    from kiosk.config import load_settings, order_file_columns
    (tmp_path / "kiosk.toml").write_text(
        '[channels.dental]\norder_no = "订单号"\namount = "金额"\norder_file_no = "券码"\n',
        encoding="utf-8")
    mapping = load_settings(home=tmp_path).channels["dental"]
    assert order_file_columns(mapping) == {"order_no": "券码", "amount": "金额",
                                           "outlet": "门店编码"}
    (tmp_path / "kiosk.toml").write_text(
        '[channels.dental]\norder_no = "a"\namount = "b"\norder_file = "c"\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="order_file_no"):
        load_settings(home=tmp_path)


# -- the sale screen ----------------------------------------------------------------------
async def test_the_cashier_scans_the_order_number_at_the_sale(shop, tmp_path):
    from tests.app_helpers import (demo_swipe, log_in as app_log_in, make_app, press_keys,
                                   wait_for_message, wait_for_screen)
    shop.import_text(HEADER + "TK-1,88.00,\n", tmp_path)
    settings = replace(shop.runtime.settings, outlet_code=OUTLET, swipe_key_gap_ms=300)
    app = make_app(replace(shop.runtime, settings=settings))
    async with app.run_test(size=(80, 24)) as pilot:
        await app_log_in(pilot, "cashier1", "Cashier123")
        app.simulate_swipe(demo_swipe(shop.cards[0]))
        await wait_for_screen(pilot, "CardScreen")
        await press_keys(pilot, "f6", *"TK-404", "enter")  # a wrong number: said before the PIN
        await wait_for_message(pilot, "not on taikang's order list")
        assert app.focused.id == "order"
        app.screen.query_one("#order").value = ""
        await press_keys(pilot, *"TK-1", "enter")  # scanned: the order's amount is filled in
        await wait_for_message(pilot, "Channel order TK-1: ¥88.00, open")
        assert app.screen.query_one("#amount").value == "88.00" and app.focused.id == "pin"
        app.screen.query_one("#amount").value = "90.00"  # changed after the check
        await press_keys(pilot, *PIN, "enter")  # checked again before the charge: refused
        await wait_for_message(pilot, "is for ¥88.00, the sale is ¥90.00")
        assert app.focused.id == "order" and app.screen.query_one("#pin").value == ""
        app.screen.query_one("#amount").value = "88.00"
        await pilot.press("enter")
        await wait_for_message(pilot, "Channel order TK-1: ¥88.00, open")
        await press_keys(pilot, *PIN, "enter")
        await wait_for_screen(pilot, "ResultScreen")
    assert order("TK-1").status == "redeemed"
    assert principal(shop.cards[0]) == 100000 - 8800


def test_a_full_refund_reopens_the_order_and_a_partial_one_does_not(shop, tmp_path):
    """A sale re-rung without a forbidden item redeems the same order again."""
    admin.add_operator(shop.admin, OUTLET, "super1", "主管", "supervisor", "Start1234")
    first_login(shop.runtime, "super1", "Start1234", "Super1234", "T02")
    review = charge.Review("super1", "Super1234")
    shop.import_text(HEADER + "TK-1,88.00,\nTK-2,50.00,\n", tmp_path)
    partly = shop.charge(5000, "TK-2")
    charge.refund(shop.cashier, original_operation_id=partly.operation_id, amount=1000,
                  key=key(), review=review)
    assert order("TK-2").status == "redeemed"
    sale = shop.charge(8800, "TK-1")
    charge.refund(shop.cashier, original_operation_id=sale.operation_id, amount=8800,
                  key=key(), review=review)
    assert (order("TK-1").status, order("TK-1").operation_id) == ("open", None)
    again = shop.charge(8800, "TK-1")
    assert order("TK-1").operation_id == again.operation_id
    assert verify(shop.runtime.sealer).ok


def test_another_channels_order_is_not_taken_by_a_card_of_no_channel(shop, tmp_path):
    """A stored-value card (no channel) cannot carry 泰康's order TK-9: it would stay
    open on 泰康's list and be redeemed a second time with a 泰康 card."""
    from kiosk.services import channel_orders
    from kiosk.services.channel_orders import OrderRefused
    admin.save_product(shop.admin, "SV", name="储值卡", kind="stored_value")
    admin.open_product(shop.admin, OUTLET, "SV", True)
    own = issued_card(shop.admin, 90, 100000, product_code="SV")
    shop.import_text(HEADER + f"TK-9,10.00,{OUTLET}\n", tmp_path)
    with pytest.raises(OrderRefused, match="TK-9 is on taikang's order list"):
        channel_orders.check(shop.cashier, card_number=own, order_no="TK-9")
    with pytest.raises(OrderRefused, match="on taikang's order list"):
        charge.charge(shop.cashier, card_number=own, amount=1000, pin=PIN, key=key(),
                      channel_order_no="TK-9")
    assert order("TK-9").status == "open"
    # a number on no list is recorded as typed, as before
    assert charge.charge(shop.cashier, card_number=own, amount=1000, pin=PIN, key=key(),
                         channel_order_no="MT-1").amount == 1000
    shop.charge(1000, "TK-9")  # the 泰康 card redeems it
    assert order("TK-9").status == "redeemed"
