"""The member card rows at the counter, from an empty store (first run, the
administrator's set-up, no demo): a membership card swiped identifies the member; a sale
paid in cash, or by another card swiped next, earns its points; F7 redeems points with
the customer's PIN; the result shows the upgrade hint and the membership prompt. In
English and in Chinese, at 80x24."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from kiosk.services import admin, charge, issuing, policies, recharge, setup
from kiosk.services.bootstrap import terminal_actor  # noqa: F401 (a store's actor)
from kiosk.store import db, models
from tests.app_helpers import press_keys
from tests.app_helpers import (demo_swipe, empty_runtime, laid_out, make_app, message_text,
                               wait_for_screen, wait_until)
from tests.conftest import CHAIN_ADMIN, log_in
from tests.test_points import PIN, build_crm, issue, key, points_of


@pytest.fixture(params=["en", "zh_CN"])
def store(request, tmp_path):
    runtime = empty_runtime(tmp_path, outlet_code="10000001", language=request.param)
    setup.set_up(runtime, setup.FirstRun(
        admin.OutletDetails("10000001", "总店"), "T01", CHAIN_ADMIN[0], "管理员",
        CHAIN_ADMIN[1]))
    chain = log_in(runtime, "10000001", *CHAIN_ADMIN)
    crm = build_crm(chain, runtime)
    yield crm
    db.close()


def screen_text(app) -> str:
    return "\n".join(str(widget.render()) for widget in app.screen.query(Static))


async def member_swiped(pilot, number: str) -> None:
    await press_keys(pilot, *"cashier1", "enter", *"Good1234", "enter")
    await wait_for_screen(pilot, "StartScreen")
    pilot.app.simulate_swipe(demo_swipe(number))
    await wait_for_screen(pilot, "MemberScreen")


def said(app, english: str, chinese: str) -> bool:
    text = message_text(app) + screen_text(app)
    return (english if app.runtime.settings.language == "en" else chinese) in text


async def test_a_cash_sale_earns_points_on_the_swiped_membership_card(store):
    app = make_app(store["runtime"])
    async with app.run_test(size=(80, 24)) as pilot:
        await member_swiped(pilot, store["member_card"])
        assert said(app, "MEMBER", "会员")
        await wait_until(pilot, lambda: app.screen.query_one("#tender").value == "cash",
                         "the tenders loaded")
        await press_keys(pilot, *"88.50", "enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert said(app, "Points earned 88", "本次积分 88")
    assert points_of(store["member_card"]) == 88
    operation = models.Operation.get(models.Operation.kind == "member_sale")
    assert (operation.amount, operation.tender) == (8850, "cash")


async def test_the_tender_is_chosen_with_the_arrows_and_has_no_placeholder(store):
    """Amount, ↓ to the tender (cash first), → for the bank card, Enter records the sale
    with it; the tender steps round its tenders only, never onto an empty choice."""
    from kiosk.screens.form import Choice
    app = make_app(store["runtime"])
    async with app.run_test(size=(80, 24)) as pilot:
        await member_swiped(pilot, store["member_card"])
        await wait_until(pilot, lambda: app.screen.query("#tender"), "the tenders loaded")
        tender = app.screen.query_one("#tender", Choice)
        assert tender.value == "cash"
        await press_keys(pilot, *"40", "down")
        assert app.focused is tender
        await pilot.press("left")
        assert tender.value == "bank"  # two tenders: left from the first is the last
        await pilot.press("right", "right")
        assert tender.value == "bank" and "‹" in str(tender.render())
        await pilot.press("enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert said(app, "Points earned 40", "本次积分 40")
    operation = models.Operation.get(models.Operation.kind == "member_sale")
    assert (operation.amount, operation.tender) == (4000, "bank")


async def test_redeeming_points_names_enter_as_redeem_on_the_key_bar(store):
    from kiosk.screens.base import KeyBar
    app = make_app(store["runtime"])
    async with app.run_test(size=(80, 24)) as pilot:
        await member_swiped(pilot, store["member_card"])
        bar = app.screen.query_one(KeyBar)
        assert said(app, "Enter Record sale", "Enter 记录消费") or \
            ("Record sale" if app.runtime.settings.language == "en" else "记录消费") in \
            str(bar.render())
        await pilot.press("f7")
        await pilot.pause()
        english = app.runtime.settings.language == "en"
        assert ("Next / redeem" if english else "下一项/兑换") in str(bar.render())
        assert ("Record sale" if english else "记录消费") not in str(bar.render())


async def test_another_card_swiped_next_pays_and_the_membership_card_earns(store):
    app = make_app(store["runtime"])
    async with app.run_test(size=(80, 24)) as pilot:
        await member_swiped(pilot, store["member_card"])
        await press_keys(pilot, *"600.00")  # typed on the member screen, then the card swiped
        pilot.app.simulate_swipe(demo_swipe(store["stored"]))
        await wait_for_screen(pilot, "CardScreen")
        assert app.screen.query_one("#member")
        assert app.screen.query_one("#amount").value == "600.00"  # the amount came along
        await press_keys(pilot, "enter", *PIN, "enter")
        await wait_for_screen(pilot, "ResultScreen")
        # 600 points cross 银卡 (500): the hint comes with this sale's result.
        assert said(app, "Tier upgrade due: 银卡", "银卡")
        assert said(app, "membership card", "会员卡")
    assert points_of(store["member_card"]) == 600 and points_of(store["stored"]) == 0


async def test_f7_redeems_points_with_the_customers_pin(store):
    from kiosk.services import points
    points.member_sale(store["cashier"], card_number=store["member_card"], amount=30000,
                       tender="cash", key=key())
    app = make_app(store["runtime"])
    async with app.run_test(size=(80, 24)) as pilot:
        await member_swiped(pilot, store["member_card"])
        await press_keys(pilot, "f7", *"120", "enter", *"毛巾", "enter", *"000000", "enter")
        await wait_until(pilot, lambda: "PIN" in message_text(app) or "密码" in message_text(app),
                         "a wrong PIN refused")
        assert app.screen.query_one("#pin", Input).value == ""
        await press_keys(pilot, *PIN, "enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert said(app, "Points redeemed 120", "已兑换积分 120")
    assert points_of(store["member_card"]) == 180


async def test_too_many_points_are_refused_before_the_customer_types_a_pin(store):
    from kiosk.services import points
    points.member_sale(store["cashier"], card_number=store["member_card"], amount=30000,
                       tender="cash", key=key())
    app = make_app(store["runtime"])
    async with app.run_test(size=(80, 24)) as pilot:
        await member_swiped(pilot, store["member_card"])
        await press_keys(pilot, "f7", *"99999", "enter")
        await wait_until(pilot, lambda: "99999" in message_text(app), "too many points said")
        assert app.focused.id == "points"  # back at the points, no PIN asked
    card = models.Card.get(models.Card.number == store["member_card"])
    assert card.pin_failures == 0 and points_of(store["member_card"]) == 300


async def test_a_qualifying_non_member_sale_prompts_the_cashier(store):
    policies.set_policy(store["chain"], "membership_min_sale_yuan", 50)
    anonymous = issue(store["clerk"], "SV", None)
    recharge.recharge(store["clerk"], card_number=anonymous, amount=10000, tender="cash",
                      key=key())
    app = make_app(store["runtime"])
    async with app.run_test(size=(80, 24)) as pilot:
        await press_keys(pilot, *"cashier1", "enter", *"Good1234", "enter")
        await wait_for_screen(pilot, "StartScreen")
        pilot.app.simulate_swipe(demo_swipe(anonymous))
        await wait_for_screen(pilot, "CardScreen")
        await press_keys(pilot, *"60.00", "enter", *PIN, "enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert said(app, "qualifies for membership", "符合入会条件")
    assert charge is not None and issuing is not None


async def test_finance_approves_a_transfer_and_the_member_is_texted(store):
    from kiosk.services import card_stock, insurance_transfers
    from tests.test_points import operator
    chain, clerk = store["chain"], store["clerk"]
    admin.save_product(chain, "YB", name="亿保卡", kind="insurance", issuer="亿保")
    admin.open_product(chain, "10000001", "YB", True)
    card_stock.receive_range(chain, product_code="YB", prefix="88880004", first="0000000",
                             count=2)
    insurance = issue(clerk, "YB", store["member_id"])
    models.Account.update(balance=30000).where(models.Account.id == models.Account.select(
        models.Account.id).join(models.Card).where(models.Card.number == insurance,
                                                   models.Account.kind == "principal")).execute()
    first = charge.charge(store["cashier"], card_number=insurance, amount=5000, pin=PIN,
                          key=key())
    sale = charge.charge(store["cashier"], card_number=insurance, amount=12000, pin=PIN,
                         key=key())
    for charged in (first, sale):
        insurance_transfers.file_request(clerk, charge_operation_id=charged.operation_id,
                                         target_card_number=store["stored"])
    operator(chain, store["runtime"], "finance1", "finance")
    app = make_app(store["runtime"])
    async with app.run_test(size=(80, 24)) as pilot:
        await press_keys(pilot, *"finance1", "enter", *"Good1234", "enter")
        await wait_for_screen(pilot, "StartScreen")
        await pilot.press("f6")
        await wait_for_screen(pilot, "MemberCentreScreen")
        await pilot.press("5")
        await wait_for_screen(pilot, "InsuranceTransferScreen")
        await wait_until(pilot, lambda: app.screen.rows, "the request listed")
        table = app.screen.query_one("#table")
        await laid_out(pilot, table)
        row = next(index for index in range(2) if "亿保卡转储值卡120.00元" in
                   table.get_row_at(index))
        assert table.virtual_size.width <= table.scrollable_content_region.width  # not cut
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("f8")  # a rejection: its reason asked once the right is checked
        await wait_until(pilot, lambda: said(app, "reason for the rejection first",
                                             "驳回原因"), "the reason asked")
        table.focus()
        await pilot.press("f7")
        await wait_for_screen(pilot, "ConfirmModal")
        assert "¥120.00" in str(app.screen.query_one("#title").render())
        await pilot.press("enter")
        await wait_for_screen(pilot, "InsuranceTransferScreen")
        await wait_until(pilot, lambda: "138****8000" in message_text(app),
                         "the member texted")
        assert said(app, "told by SMS", "已短信通知会员")
        assert table.cursor_row == row  # still on the request just decided
        await pilot.press("f7")  # again on it: said, not asked to approve again
        await wait_until(pilot, lambda: said(app, "decided already", "已处理"), "refused")
        assert type(app.screen).__name__ == "InsuranceTransferScreen"
    phone, text = app.devices.code_sender.sent[-1]
    assert phone == "13800138000" and "亿保卡转储值卡120.00元已到账" in text


async def test_a_member_sale_is_returned_from_the_journal_with_review(store):
    from kiosk.services import points
    from tests.test_points import operator
    operator(store["chain"], store["runtime"], "super1", "supervisor")
    points.member_sale(store["cashier"], card_number=store["member_card"], amount=20000,
                       tender="bank", key=key())
    app = make_app(store["runtime"])
    async with app.run_test(size=(80, 24)) as pilot:
        await press_keys(pilot, *"cashier1", "enter", *"Good1234", "enter")
        await wait_for_screen(pilot, "StartScreen")
        await pilot.press("f3")
        await wait_for_screen(pilot, "JournalScreen")
        await wait_until(pilot, lambda: app.screen.rows, "today's journal listed")
        await pilot.press("enter")
        await wait_for_screen(pilot, "RefundScreen")
        assert said(app, "Return of member sale", "会员消费退货")
        await pilot.press("enter")
        await wait_for_screen(pilot, "ReviewModal")
        await press_keys(pilot, *"super1", "enter", *"Good1234", "enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert said(app, "Points taken back 200", "扣回积分 200")
    assert points_of(store["member_card"]) == 0
    returned = models.Operation.get(models.Operation.kind == "member_sale_return")
    assert returned.reviewer.login_id == "super1" and returned.amount == 20000
    receipt = "".join(path.read_text() for path in
                      store["runtime"].settings.receipts_dir.glob("T01-*.txt"))
    assert "MEMBER SALE RETURN" in receipt  # titled in both languages, as a refund is
    assert ("Authorised by" in receipt or "授权人" in receipt) and "super1" in receipt


async def test_a_card_written_before_its_member_is_chosen_is_written_again(tmp_path):
    from tests.app_helpers import seeded_runtime, wait_for_message
    from tests.app_helpers import open_centre, type_into
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "2", "IssueCardScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.query("#card_number") and
                         screen.value("card_number"), "a blank card offered")
        number = screen.value("card_number")
        await pilot.press("f6")
        await wait_for_message(pilot, "read back")
        assert f"B{number}^^" in app.devices.writer.last.track1  # no holder yet
        await type_into(pilot, "phone", "13800138000")
        await pilot.press("enter")
        await wait_for_message(pilot, "Write the card again")
        await pilot.press("f6")
        await wait_for_message(pilot, "read back")
        assert f"B{number}^ZHANG/WEI^" in app.devices.writer.last.track1
    db.close()
