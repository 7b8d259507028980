"""The fuel-card rows at the screens, by keyboard at 80x24, on a store built from empty
(no demo): cheques received at the counter and cleared or bounced by finance."""

from __future__ import annotations

import datetime as dt

from kiosk.services.verify import verify
from kiosk.store import models
from tests.app_helpers import (message_text, wait_for_message, wait_for_screen, wait_until)
from tests.fuel_shop import OUTLET, balances
from tests.app_helpers import press_keys
from tests.app_helpers import back_from_outcome, fuel_app, log_out, open_card, open_centre, review_as, type_into


async def test_a_cheque_received_at_the_counter_then_cleared_and_one_bounced(tmp_path):
    app, shop = fuel_app(tmp_path)
    number = shop.card()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "c", "ChequeScreen", "clerk1")
        for cheque_no, amount in (("00012345", "500"), ("00012346", "300")):
            await type_into(pilot, "card_number", number)
            await type_into(pilot, "amount", amount)
            await type_into(pilot, "cheque_no", cheque_no)
            await type_into(pilot, "bank", "工商银行")
            await type_into(pilot, "drawer", "示范运输")
            await pilot.press("enter")
            await wait_for_message(pilot, "nothing is credited")
        assert balances(number)["principal"] == 0
        await wait_until(pilot, lambda: len(app.screen.rows) == 2, "two cheques listed")
        await log_out(pilot)

        await open_centre(pilot, "c", "ChequeScreen", "finance1")
        await wait_until(pilot, lambda: len(app.screen.rows) == 2, "two cheques listed")
        app.screen.query_one("DataTable").focus()
        await pilot.press("f5")  # the newest first: 00012346, ¥300
        await wait_for_message(pilot, "cleared")
        assert balances(number)["principal"] == 30000
        await pilot.press("down", "f6")
        await wait_for_screen(pilot, "AskModal")
        await press_keys(pilot, *"insufficient", "enter")
        await wait_for_screen(pilot, "ChequeScreen")
        await wait_for_message(pilot, "bounced")
        await pilot.press("f2")  # show: received only; none left
        await wait_until(pilot, lambda: app.screen.rows == [], "nothing waiting")
    statuses = {c.cheque_no: c.status for c in models.Cheque.select()}
    assert statuses == {"00012345": "bounced", "00012346": "cleared"}
    assert balances(number)["principal"] == 30000
    assert verify(app.runtime.sealer).ok


async def test_refunds_that_keep_the_card_small_special_and_deposit(tmp_path):
    app, shop = fuel_app(tmp_path, deposit=2000)
    small, large = shop.card(8000), shop.card(50000)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, small)
        await pilot.press("f10")
        await wait_for_screen(pilot, "BalanceRefundScreen")
        await wait_until(pilot, lambda: app.screen.value("amount") == "80.00", "the balance")
        await type_into(pilot, "pin", "246810")
        await pilot.press("enter")
        await back_from_outcome(pilot)
        assert balances(small)["principal"] == 0 and balances(small)["deposit"] == 2000

        await type_into(pilot, "number", large)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.card.number == large, "the other card")
        await pilot.press("f10")
        await wait_for_screen(pilot, "BalanceRefundScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.value("amount") == "500.00", "the balance")
        screen.query_one("#kind").focus()
        await pilot.press("right")  # special
        await type_into(pilot, "amount", "300")
        await type_into(pilot, "reason", "vehicle sold")
        await pilot.press("enter", "enter")  # reason -> PIN -> submit
        await review_as(pilot, "super1")
        await back_from_outcome(pilot)
        assert balances(large)["principal"] == 20000

        await pilot.press("f10")
        await wait_for_screen(pilot, "BalanceRefundScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.value("amount") == "200.00", "the balance")
        screen.query_one("#kind").focus()
        await pilot.press("left")  # deposit
        await wait_until(pilot, lambda: screen.value("amount") == "20.00", "the deposit")
        screen.submit()
        await review_as(pilot, "super1")
        await back_from_outcome(pilot)
    assert balances(large) == {"principal": 20000, "bonus": 0, "points": 0, "deposit": 0}
    kinds = [o.kind for o in models.Operation.select().order_by(models.Operation.id)][-3:]
    assert kinds == ["small_refund", "special_refund", "deposit_refund"]
    assert verify(app.runtime.sealer).ok


async def test_a_payment_reversed_in_part_from_the_recharge_screen(tmp_path):
    from kiosk.services import recharge
    app, shop = fuel_app(tmp_path)
    number = shop.card()
    paid = recharge.recharge(shop.clerk, card_number=number, amount=30000, tender="cash",
                             key="money-in")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, number)
        await pilot.press("f2")
        await wait_for_screen(pilot, "RechargeScreen")
        await pilot.press("f8")
        await wait_for_screen(pilot, "PaymentReversalScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.payments, "payments listed")
        assert screen.payments[0].operation_id == paid.operation_id
        await pilot.press("enter")  # this payment: its amount next
        await type_into(pilot, "amount", "120")
        await press_keys(pilot, "enter", *"wrong amount", "enter")
        await wait_for_screen(pilot, "ReviewModal")
        asked = " ".join(str(line.render()) for line in app.screen.query("Label"))
        assert f"Reversing ¥120.00 of payment #{paid.operation_id} on card" in asked
        await review_as(pilot, "super1")
        await wait_for_screen(pilot, "OutcomeScreen")
        shown = " ".join(str(line.render()) for line in app.screen.query("Static"))
        assert "Give the customer ¥120.00 back by 现金." in shown and "Bonus -" not in shown
        await back_from_outcome(pilot)
    assert balances(number)["principal"] == 18000
    reversal = models.Operation.get(models.Operation.kind == "payment_reversal")
    assert (reversal.amount, reversal.reverses_id, reversal.memo) == (
        12000, paid.operation_id, "wrong amount")
    assert verify(app.runtime.sealer).ok


async def test_a_manual_transfer_with_the_pin_then_one_with_review(tmp_path):
    app, shop = fuel_app(tmp_path)
    first, second = shop.card(10000), shop.card()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, first)
        await pilot.press("f1")
        await wait_for_screen(pilot, "TransferScreen")
        await type_into(pilot, "to_number", first)  # to itself: refused at the number
        await type_into(pilot, "amount", "30")
        await type_into(pilot, "pin", "246810")
        await pilot.press("enter")
        await wait_for_message(pilot, "transferred to itself")
        assert pilot.app.focused.id == "to_number"
        await press_keys(pilot, *second)  # the number was selected: typed over
        await type_into(pilot, "pin", "246810")
        await pilot.press("enter")
        await back_from_outcome(pilot)
        assert balances(second)["principal"] == 3000
        await pilot.press("f1")
        await wait_for_screen(pilot, "TransferScreen")
        await type_into(pilot, "to_number", second)
        await type_into(pilot, "amount", "20")
        await pilot.press("enter", "enter")  # no PIN: a supervisor reviews
        await review_as(pilot, "super1")
        await back_from_outcome(pilot)
        assert pilot.app.screen.card.principal == 5000
    assert balances(second)["principal"] == 5000
    assert verify(app.runtime.sealer).ok


async def test_the_month_report_and_a_months_close_from_the_day_close_screen(tmp_path):
    from kiosk.services import recharge
    app, shop = fuel_app(tmp_path)
    recharge.recharge(shop.clerk, card_number=shop.card(), amount=30000, tender="cash",
                      key="money-in")
    this_month = app.runtime.clock().strftime("%Y-%m")
    last_month = (app.runtime.clock().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "8", "DayCloseScreen", "super1")
        await pilot.press("f9")
        await wait_for_screen(pilot, "AskModal")
        await press_keys(pilot, *this_month, "enter")
        await wait_for_screen(pilot, "MonthReportScreen")
        rows = app.screen.report.table()
        assert ["Operations", "recharge", "", "1", "300.00"] in rows
        assert not app.screen.report.closed
        await pilot.press("f5")
        await wait_for_message(pilot, "Report saved")
        await pilot.press("escape")
        await wait_for_screen(pilot, "DayCloseScreen")
        await pilot.press("f8")
        await wait_for_screen(pilot, "AskModal")
        await press_keys(pilot, *last_month, "enter")
        await wait_for_screen(pilot, "MonthReportScreen")
        assert app.screen.report.closed and app.screen.report.month == last_month
    saved = app.runtime.settings.home / "reports" / f"month-{OUTLET}-{this_month}.xlsx"
    assert saved.exists()
    assert models.MonthClose.select().count() == 1
    assert verify(app.runtime.sealer).ok


async def test_the_new_screens_speak_chinese(tmp_path):
    """The same screens with the terminal set to 中文: headings, keys and messages."""
    app, shop = fuel_app(tmp_path, language="zh_CN", deposit=2000)
    number = shop.card(50000)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "c", "ChequeScreen", "clerk1")
        assert "支票管理" in str(app.screen.query_one("#title").render())
        app.screen.query_one("#drawer").focus()
        await pilot.press("enter")  # nothing typed: the amount is refused, in Chinese
        await wait_until(pilot, lambda: message_text(app), "a message")
        assert any("\u4e00" <= char <= "\u9fff" for char in message_text(app))
        await pilot.press("escape")
        await wait_for_screen(pilot, "MemberCentreScreen")
        await pilot.press("3")
        await wait_for_screen(pilot, "CardServiceScreen")
        await press_keys(pilot, *number, "enter")
        await wait_until(pilot, lambda: app.screen.card is not None, "card shown")
        assert "F10 退款" in str(app.screen.query_one("#actions").render())
        await pilot.press("f10")
        await wait_for_screen(pilot, "BalanceRefundScreen")
        await wait_until(pilot, lambda: "超过小额退款上限" in str(
            app.screen.query_one("#details").render()), "the hint in Chinese")
        app.screen.query_one("#kind").focus()
        await pilot.press("right")
        await type_into(pilot, "reason", "报废")
        await pilot.press("enter", "enter")
        await wait_for_screen(pilot, "ReviewModal")
        assert "特殊退款：需要另一位操作员复核" in str(app.screen.query_one("#title").render())
