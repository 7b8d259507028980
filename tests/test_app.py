"""The cashier's flows driven by keys at 80x24, asserting on screen and database."""

import pytest
from textual.widgets import Input

from kiosk.services import cards
from kiosk.services.verify import verify
from kiosk.store import db, models
from tests.app_helpers import press_keys
from tests.app_helpers import (FakeClock, demo_swipe, key_bar_text, laid_out, log_in, make_app,
                               message_text,
                               past_key_guard, seeded_runtime, swipe_card, wait_for_message,
                               wait_for_screen, wait_until)
from tests.conftest import INS_CARD, SV_CARD


@pytest.fixture
def runtime(tmp_path):
    runtime = seeded_runtime(tmp_path)
    yield runtime
    db.close()


def principal(number):
    return cards.view(cards.get_card(number)).principal


async def charge(pilot, amount: str, pin: str = "123456") -> None:
    await press_keys(pilot, *amount, "enter")
    await press_keys(pilot, *pin, "enter")


async def sell(pilot, amount: str) -> None:
    """Log in, swipe the stored-value card, charge `amount`; the result is on screen and
    past its double-Enter guard."""
    await swipe_card(pilot, SV_CARD)
    await charge(pilot, amount)
    await wait_for_screen(pilot, "ResultScreen")
    past_key_guard(pilot)


async def journal_after_a_sale(pilot, amount: str) -> None:
    """Sell `amount`, then open today's journal (F3) from the next customer's screen."""
    await sell(pilot, amount)
    await pilot.press("enter", "f3")
    await wait_for_screen(pilot, "JournalScreen")


async def refund_whole_first_row(pilot) -> None:
    """In the journal: Enter on its first row, the whole of it, super1 signs."""
    await wait_until(pilot, lambda: pilot.app.screen.rows, "the journal listed")
    await pilot.press("enter")
    await wait_for_screen(pilot, "RefundScreen")
    await pilot.press("enter")
    await wait_for_screen(pilot, "ReviewModal")
    await press_keys(pilot, *"super1", "enter", *"Super1234", "enter")
    await wait_for_screen(pilot, "ResultScreen")


async def test_swipe_pin_charge_receipt(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await charge(pilot, "12.30")
        await wait_for_screen(pilot, "ResultScreen")
        assert principal(SV_CARD) == 20000 - 1230
        past_key_guard(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, "StartScreen")
    receipt = runtime.settings.receipts_dir / "T01-000001.txt"
    assert "￥12.30" in receipt.read_text()
    assert verify(runtime.sealer).ok


async def test_a_swipe_typed_as_keys_never_lands_in_the_field(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press(*demo_swipe(SV_CARD), "enter")
        await wait_for_screen(pilot, "CardScreen")
        app.pop_screen()
        await pilot.pause(0.1)
        assert app.screen.query_one("#number", Input).value == ""


async def test_typed_card_number_with_check_digit(runtime):
    """A number refused stays selected: the number typed next replaces it."""
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await press_keys(pilot, *SV_CARD[:-1], "0" if SV_CARD[-1] != "0" else "1", "enter")
        await wait_for_message(pilot, "check digit")
        await press_keys(pilot, *SV_CARD, "enter")
        await wait_for_screen(pilot, "CardScreen")
        assert app.screen.card.number == SV_CARD


async def test_an_old_card_typed_at_the_till_is_sent_to_migration(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await press_keys(pilot, *"6100000000000001", "enter")
        await wait_for_message(pilot, "migrate it at the member centre")
        assert type(app.screen).__name__ == "StartScreen"


async def test_typing_by_hand_is_not_a_swipe(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        for character in "a;b%c":
            await pilot.press(character)
            app.monotonic.advance(0.45)  # slower than a reader, as a person types
        assert app.screen.query_one("#login", Input).value == "a;b%c"


async def test_wrong_pin_three_times_locks_the_card(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await charge(pilot, "5", pin="111111")
        await wait_for_message(pilot, "2 tries left")
        assert app.screen.query_one("#pin", Input).value == ""
        await press_keys(pilot, *"111111", "enter")
        await wait_for_message(pilot, "1 tries left")  # the second try counted
        await press_keys(pilot, *"111111", "enter")
        await wait_for_message(pilot, "locked")
    assert models.Card.get(models.Card.number == SV_CARD).pin_locked
    assert principal(SV_CARD) == 20000


async def test_double_enter_charges_once(runtime):
    # however long the charge takes, the third Enter comes within the result's key guard
    app = make_app(runtime, clock=FakeClock(stopped=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await press_keys(pilot, *"10", "enter", *"123456", "enter", "enter")
        await wait_for_screen(pilot, "ResultScreen")
    assert principal(SV_CARD) == 19000
    assert models.Operation.select().where(models.Operation.kind == "charge").count() == 1


async def test_insurance_card_refuses_health_supplements(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, INS_CARD)
        app.screen.query_one("#category").value = "保健品"
        await press_keys(pilot, *"99", "enter")  # said before the customer types the PIN
        await wait_for_message(pilot, "保健品 may not be paid with this card")
        assert app.focused.id == "pin" and app.screen.query_one("#pin").value == ""
        await press_keys(pilot, *"123456", "enter")  # and refused again if charged anyway
        await wait_for_message(pilot, "may not be paid")
        assert type(app.screen).__name__ == "CardScreen"
    assert models.Card.get(models.Card.number == INS_CARD).pin_failures == 0


async def test_lost_card_gets_its_own_message(runtime):
    models.Card.update(status="lost").where(models.Card.number == SV_CARD).execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await wait_for_message(pilot, "lost")
        await charge(pilot, "1")
        await wait_for_message(pilot, "reported lost")
    assert principal(SV_CARD) == 20000


async def test_refund_with_supervisor_review(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await journal_after_a_sale(pilot, "12.30")
        await refund_whole_first_row(pilot)
        shown = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "Back to principal ¥12.30" in shown and "From principal" not in shown
    assert principal(SV_CARD) == 20000
    refund = models.Operation.get(models.Operation.kind == "refund")
    assert refund.reviewer.login_id == "super1"
    assert verify(runtime.sealer).ok


async def test_printer_offline_keeps_the_receipt_queued(runtime):
    app = make_app(runtime, printer_offline=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await charge(pilot, "3")
        await wait_for_screen(pilot, "ResultScreen")
        for _ in range(50):  # the print worker tries once, fails, records why
            if models.Receipt.get().last_error:
                break
            await pilot.pause(0.1)
        assert models.Receipt.get().status == "queued"
        assert "offline" in models.Receipt.get().last_error
        # not "sent to the printer"; where it waits, said once
        await wait_for_message(pilot, "did not print (print queue: F4): The receipt printer "
                                      "is offline or out of paper.")
        assert "{" not in message_text(app)
        app.devices.printer.offline = False
        past_key_guard(pilot)
        await pilot.press("enter", "f4")
        await wait_for_screen(pilot, "PrintQueueScreen")
        await pilot.press("f5")
        await wait_for_message(pilot, "1 receipts printed")
    assert models.Receipt.get().status == "printed"


@pytest.mark.parametrize("key", ["ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash", "ctrl+d",
                                 "ctrl+p"])
async def test_kiosk_escape_keys_need_a_supervisor(runtime, key):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press(key)
        await pilot.pause(0.2)
        assert app.is_running
        if key != "ctrl+p":
            assert type(app.screen).__name__ == "ReviewModal"
            await press_keys(pilot, *"clerk1", "enter", *"Clerk1234", "enter")
            await wait_for_message(pilot, "may not authorise")
            assert app.is_running
            await pilot.press("escape")
        assert "CommandPalette" not in type(app.screen).__name__


async def test_a_refused_reviewer_is_told_in_the_dialog_which_stays(runtime):
    """The cashier as reviewer, then a wrong password: each refusal is said in the
    dialog, which stays open, so the supervisor's password typed next never lands in
    the amount field behind it."""
    from textual.widgets import Input
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await journal_after_a_sale(pilot, "12.30")
        await wait_until(pilot, lambda: pilot.app.screen.rows, "the journal listed")
        await pilot.press("enter")
        await wait_for_screen(pilot, "RefundScreen")
        await pilot.press("enter")
        await wait_for_screen(pilot, "ReviewModal")
        await pilot.press(*"cashier1", "enter", *"Cashier123", "enter")
        await wait_for_message(pilot, "different operator")
        assert type(app.screen).__name__ == "ReviewModal"
        app.screen.query_one("#login", Input).value = ""
        app.screen.query_one("#login", Input).focus()
        await pilot.press(*"super1", "enter", *"Wrong9999", "enter")
        await wait_for_message(pilot, "Wrong reviewer login id or password")
        assert type(app.screen).__name__ == "ReviewModal"
        await pilot.press(*"Super1234", "enter")  # the password field has the focus
        await wait_for_screen(pilot, "ResultScreen")
    assert models.Operation.select().where(models.Operation.kind == "refund").count() == 1


async def test_supervisor_can_leave_kiosk_mode(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await wait_for_screen(pilot, "ReviewModal")
        await press_keys(pilot, *"super1", "enter", *"Super1234", "enter")
        await pilot.pause(0.5)
    assert not app.is_running


async def test_idle_timeout_wipes_the_pin_and_says_so(tmp_path):
    clock = FakeClock()
    app = make_app(seeded_runtime(tmp_path), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await press_keys(pilot, *"5", "enter", *"123")
        clock.advance(app.settings.idle_timeout_seconds)
        app.check_inactivity()
        await wait_for_screen(pilot, "StartScreen")
        await wait_for_message(pilot, "what was typed was wiped")


async def test_lock_screen_needs_the_operator_password(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("f9")
        await wait_for_screen(pilot, "LockScreen")
        app.simulate_swipe(demo_swipe(SV_CARD))
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "LockScreen"
        await press_keys(pilot, *"wrong123", "enter")
        await wait_for_message(pilot, "tries left")
        await press_keys(pilot, *"Cashier123", "enter")
        await wait_for_screen(pilot, "StartScreen")


async def test_wrong_password_three_times_locks_the_operator(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_keys(pilot, *"cashier1", "enter")
        for _ in range(3):
            await press_keys(pilot, *"Wrong1234", "enter")
            await pilot.pause(0.3)
        # The same words as for an unknown login id: the prompt is no oracle.
        await wait_for_message(pilot, "a supervisor unlocks it")
    assert models.Operator.get(models.Operator.login_id == "cashier1").locked


async def test_chinese_is_the_default_language(tmp_path):
    runtime = seeded_runtime(tmp_path, language="zh_CN")
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_keys(pilot, *"cashier1", "enter", *"bad", "enter")
        await wait_for_message(pilot, "需主管解锁")
        await pilot.press("f8")
        await pilot.pause(0.2)
        assert "Outlet code" in [str(label.render()) for label in app.screen.query("Label")]
    db.close()


async def test_a_serial_reader_swipe_opens_the_card(tmp_path):
    import os
    import tty
    from kiosk.config import DeviceConfig
    master, slave = os.openpty()
    tty.setraw(slave)
    runtime = seeded_runtime(tmp_path, swipe=DeviceConfig("serial", {"device": os.ttyname(slave)}))
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.pause(0.3)  # the reader thread opens the port
        os.write(master, demo_swipe(SV_CARD).encode() + b"\r")
        await wait_for_screen(pilot, "CardScreen")
    os.close(master)
    os.close(slave)
    db.close()


async def test_a_smart_card_bound_by_uid_opens_the_card(runtime):
    from kiosk.messages import CardInserted
    models.Card.update(uid="ATR:3B00").where(models.Card.number == SV_CARD).execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        app.screen.post_message(CardInserted("ATR:3BFF"))
        await wait_for_message(pilot, "not bound")
        app.screen.post_message(CardInserted("ATR:3B00"))
        await wait_for_screen(pilot, "CardScreen")


async def test_balance_query_shows_history_only_after_the_pin(runtime):
    from textual.widgets import DataTable
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("f2")
        app.simulate_swipe(demo_swipe(SV_CARD))
        await wait_for_screen(pilot, "BalanceQueryScreen")
        assert app.screen.query_one(DataTable).row_count == 0
        lines = " ".join(str(line.render()) for line in app.screen.query(".card-line"))
        assert "Holder 张*" in lines and "888800******0018" in lines
        await press_keys(pilot, *"123456", "enter")
        await wait_for_message(pilot, "recent transactions")
        assert app.screen.query_one(DataTable).row_count == 1  # the opening balance


async def test_an_expired_password_must_be_changed_at_login(runtime):
    import datetime as dt
    models.Operator.update(password_changed_at=dt.datetime(2020, 1, 1)).where(
        models.Operator.login_id == "cashier1").execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await press_keys(pilot, *"cashier1", "enter", *"Cashier123", "enter")
        await wait_for_screen(pilot, "ChangePasswordScreen")
        await press_keys(pilot, *"Cashier123", "enter", *"Cashier123", "enter", *"Cashier123", "enter")
        await wait_for_message(pilot, "differ from the last")
        await press_keys(pilot, *"Cashier123", "enter", *"NewPass99", "enter", *"NewPass99", "enter")
        await wait_for_screen(pilot, "StartScreen")


async def test_shift_close_shows_totals_and_logs_out(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "12.30")
        await pilot.press("enter", "f8")
        await wait_for_screen(pilot, "ShiftCloseScreen")
        await wait_until(pilot, lambda: app.screen.report is not None, "the report shown")
        await pilot.pause()
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "¥12.30" in text
        await pilot.press("enter")
        await wait_for_screen(pilot, "LoginScreen")
    shift = models.Shift.get()
    assert shift.closed_at is not None
    printed = (runtime.settings.receipts_dir / f"shift-{shift.id}.txt").read_text()
    assert "￥12.30" in printed  # printed at the close, with the sign GBK printers have


async def test_a_shift_closed_while_the_printer_is_off_says_so_and_prints_again(runtime):
    app = make_app(runtime, printer_offline=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "12.30")
        await pilot.press("enter", "f8")
        await wait_for_screen(pilot, "ShiftCloseScreen")
        await wait_until(pilot, lambda: app.screen.report is not None, "the report shown")
        await pilot.press("enter")
        await wait_for_message(pilot, "did not print")
        assert models.Shift.get().closed_at is not None
        app.devices.printer.offline = False
        await pilot.press("f6")
        await wait_for_screen(pilot, "LoginScreen")
    assert (runtime.settings.receipts_dir / f"shift-{models.Shift.get().id}.txt").exists()


async def test_idle_timeout_never_unlocks_the_lock_screen(tmp_path):
    clock = FakeClock()
    app = make_app(seeded_runtime(tmp_path), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("f9")
        await wait_for_screen(pilot, "LockScreen")
        clock.advance(app.settings.idle_lock_seconds * 2)
        app.check_inactivity()
        await pilot.pause(0.1)
        assert type(app.screen).__name__ == "LockScreen"
        assert sum(type(s).__name__ == "LockScreen" for s in app.screen_stack) == 1
    db.close()


async def test_a_terminal_left_alone_locks(tmp_path):
    clock = FakeClock()
    app = make_app(seeded_runtime(tmp_path), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        clock.advance(app.settings.idle_lock_seconds)
        app.check_inactivity()
        await wait_for_screen(pilot, "LockScreen")
        await press_keys(pilot, *"Cashier123", "enter")
        await wait_for_screen(pilot, "StartScreen")
    db.close()


async def test_a_supervisor_unlocks_an_operator_locked_on_the_lock_screen(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("f9")
        await wait_for_screen(pilot, "LockScreen")
        for left in (2, 1):  # each try counted before the next is typed
            await press_keys(pilot, *"Wrong1234", "enter")
            await wait_for_message(pilot, f"{left} tries left")
        await press_keys(pilot, *"Wrong1234", "enter")
        await wait_for_message(pilot, "locked")
        await pilot.press("f2")
        await wait_for_screen(pilot, "ReviewModal")
        await press_keys(pilot, *"super1", "enter", *"Super1234", "enter")
        await wait_for_message(pilot, "unlocked")
        await press_keys(pilot, *"Cashier123", "enter")
        await wait_for_screen(pilot, "StartScreen")
    assert not models.Operator.get(models.Operator.login_id == "cashier1").locked
    db.close()


async def test_idle_timeout_wipes_a_half_typed_review(tmp_path):
    clock = FakeClock()
    app = make_app(seeded_runtime(tmp_path), clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("ctrl+q")
        await wait_for_screen(pilot, "ReviewModal")
        await press_keys(pilot, *"super1")
        clock.advance(app.settings.idle_timeout_seconds)
        app.check_inactivity()
        await wait_for_screen(pilot, "StartScreen")
    db.close()


async def test_demo_keys_swipe_the_demo_cards_only_in_the_demo(runtime):
    for demo, expected in ((True, "CardScreen"), (False, "StartScreen")):
        app = make_app(runtime, demo=demo)
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot)
            await pilot.press("f12")
            await pilot.pause(0.5)
            assert type(app.screen).__name__ == expected
            if demo:
                assert "泰康卡" in " ".join(str(s.render()) for s in app.screen.query(".card-line"))


async def test_todays_journal_prints_as_a_list(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await journal_after_a_sale(pilot, "12.30")
        await wait_for_message(pilot, "operations today")
        await pilot.press("f8")
        await wait_for_message(pilot, "Printed")
    printed = (runtime.settings.receipts_dir / "journal-today-own-p1.txt").read_text()
    assert "12.30" in printed


async def type_as_an_input_method_does(pilot, text: str) -> None:
    """The terminal delivers each character of the IME's text as a key with that
    character (the pilot's press() knows no character for keys like ．)."""
    from textual import events
    from textual.keys import _character_to_key
    for character in text:
        pilot.app.post_message(events.Key(_character_to_key(character), character))
    await pilot.pause(0.2)


async def test_an_amount_typed_with_a_chinese_input_method_or_a_typo_is_never_cut(runtime):
    """１２．３０ charges ¥12.30; 1e9 is refused with a message, never charged as ¥19."""
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await press_keys(pilot, *"1e9", "enter")
        await wait_for_message(pilot, "not an amount")
        assert app.focused.id == "amount"  # refused and selected: what is typed replaces it
        await type_as_an_input_method_does(pilot, "１２．３０")
        await press_keys(pilot, "enter", *"123456", "enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert app.screen.result.amount == 1230


async def test_a_refund_larger_than_what_is_left_is_refused_before_the_supervisor_signs(
        runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await journal_after_a_sale(pilot, "7.30")
        await wait_until(pilot, lambda: app.screen.rows, "the journal listed")
        await pilot.press("enter")
        await wait_for_screen(pilot, "RefundScreen")
        app.screen.query_one("#amount").value = ""
        await press_keys(pilot, *"8.00", "enter")
        await wait_for_message(pilot, "At most ¥7.30")
        assert type(app.screen).__name__ == "RefundScreen"  # no review was asked for
    assert not models.Operation.select().where(models.Operation.kind == "refund").exists()


async def test_a_charge_of_an_earlier_day_is_found_by_its_number_and_refunded(runtime):
    """The customer brings last week's receipt: F5 in the journal finds its number."""
    import datetime as dt
    from tests.app_helpers import FIXED_NOW
    from tests.conftest import login_as
    earlier = replace_clock(runtime, FIXED_NOW - dt.timedelta(days=6))
    from kiosk.services import charge as charging
    sale = charging.charge(login_as(earlier, "cashier1"), card_number=SV_CARD, amount=800,
                           pin="123456", key="last-week")
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("f3")
        await wait_for_screen(pilot, "JournalScreen")
        await pilot.press("f5")
        await wait_for_screen(pilot, "AskModal")
        await press_keys(pilot, *str(sale.operation_id), "enter")
        await wait_for_message(pilot, f"Journal no. {sale.operation_id}")
        await refund_whole_first_row(pilot)
    assert models.Operation.get(models.Operation.kind == "refund").reverses_id == \
        sale.operation_id


def replace_clock(runtime, moment):
    from dataclasses import replace
    return replace(runtime, clock=lambda: moment)


def test_a_charge_older_than_the_refund_window_is_refused(runtime):
    import datetime as dt
    from kiosk.services import charge as charging, policies
    from tests.app_helpers import FIXED_NOW
    from tests.conftest import login_as
    long_ago = replace_clock(runtime, FIXED_NOW - dt.timedelta(days=45))
    sale = charging.charge(login_as(long_ago, "cashier1"), card_number=SV_CARD, amount=800,
                           pin="123456", key="long-ago")
    with pytest.raises(Exception, match="refund window"):
        charging.check_refund(login_as(runtime, "cashier1"), sale.operation_id, 800)
    policies.set_policy(login_as(runtime, "admin1"), "refund_window_days", 60)
    charging.check_refund(login_as(runtime, "cashier1"), sale.operation_id, 800)


async def test_a_card_that_would_be_refused_says_why_the_moment_it_is_read(runtime):
    """A PIN-locked card, or an insurance card and what it may not pay for: before any
    amount or PIN is typed."""
    models.Card.update(pin_locked=True, pin_failures=3).where(
        models.Card.number == SV_CARD).execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await wait_for_message(pilot, "PIN is locked")
        assert "PIN locked" in " ".join(str(s.render()) for s in app.screen.query("Static"))
        await pilot.press("escape")
        await wait_for_screen(pilot, "StartScreen")
        await press_keys(pilot, *INS_CARD, "enter")
        await wait_for_screen(pilot, "CardScreen")
        assert "Not for: 保健品" in " ".join(str(s.render()) for s in app.screen.query("Static"))


def screen_statics(app) -> str:
    from textual.widgets import Static
    return "\n".join(str(widget.render()) for widget in app.screen.query(Static))


@pytest.mark.parametrize("state", ["expired", "lost", "pin_locked"])
async def test_a_card_that_cannot_pay_takes_no_amount_or_pin_and_its_refusal_stays(
        runtime, state):
    """The card's state that counts today is shown as it is read; its refusal stays on
    screen, the form takes no amount or PIN, Esc goes back; a lost card (the cashier
    keeps it) shows no holder or balances."""
    import datetime as dt
    from tests.app_helpers import FIXED_NOW
    change = {"expired": {"expires_on": FIXED_NOW.date() - dt.timedelta(days=1)},
              "lost": {"status": "lost"},
              "pin_locked": {"pin_locked": True, "pin_failures": 3}}[state]
    models.Card.update(**change).where(models.Card.number == SV_CARD).execute()
    refusal = {"expired": "has expired", "lost": "reported lost",
               "pin_locked": "PIN is locked"}[state]
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await wait_for_message(pilot, refusal)
        shown = screen_statics(app)
        assert {"expired": "Status: expired", "lost": "Status: lost",
                "pin_locked": "PIN locked"}[state] in shown
        assert ("Principal" in shown) is (state != "lost")
        assert ("Holder" in shown) is (state != "lost")
        assert not app.screen.query(Input)
        assert key_bar_text(app) == "Esc Cancel"
        await press_keys(pilot, *"10", "enter", "f5", "f6", *"123456", "enter")
        await pilot.pause()  # every key was refused as it came: nothing left to wait for
        assert refusal in message_text(app)
        await pilot.press("escape")
        await wait_for_screen(pilot, "StartScreen")
    assert principal(SV_CARD) == 20000


async def test_a_card_holding_nothing_says_what_to_do_before_the_pin(runtime):
    empty = cards.get_card(SV_CARD)
    models.Account.update(balance=0).where(models.Account.card == empty.id,
                                           models.Account.kind.in_(["principal", "bonus"])
                                           ).execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await press_keys(pilot, *"5", "enter")
        await wait_for_message(pilot, "Pay by another tender or recharge the card")
        assert "¥0.00" in message_text(app)
        assert app.focused.id == "amount"


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_a_journal_wider_than_the_screen_says_arrows_show_the_rest(runtime, size):
    from textual.widgets import DataTable
    app = make_app(runtime)
    async with app.run_test(size=size) as pilot:
        await journal_after_a_sale(pilot, "12.30")
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, "the sale listed")
        await laid_out(pilot, table)
        narrow = size[0] < 80
        assert table.has_class("wider") is narrow
        assert ("←/→ more columns" in str(table.border_subtitle)) is narrow


async def test_the_balance_query_says_how_to_leave_and_esc_leaves_it(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        assert "Esc" not in key_bar_text(app)
        await pilot.press("f2")
        assert "Esc Back to charging" in key_bar_text(app)
        assert "Esc" in str(app.screen.query_one("#mode").render())
        await pilot.press("escape")
        assert not app.screen.query_mode and "Esc" not in key_bar_text(app)
        await press_keys(pilot, "f2", *SV_CARD, "enter")
        await wait_for_screen(pilot, "BalanceQueryScreen")


async def test_the_start_screen_lists_the_member_centre_only_to_a_role_that_may_use_it(
        runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)  # a cashier: nothing there for them
        assert "F6" not in key_bar_text(app)
        await pilot.press("f10")
        await wait_for_screen(pilot, "LoginScreen")
        await log_in(pilot, "clerk1", "Clerk1234")
        assert "F6 Member centre" in key_bar_text(app)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
async def test_the_shift_reports_amounts_line_up_whatever_the_labels_length(tmp_path,
                                                                          language):
    from kiosk.cells import cell_width
    runtime = seeded_runtime(tmp_path, language=language)
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, "12.30")
        await pilot.press("enter", "f8")
        await wait_for_screen(pilot, "ShiftCloseScreen")
        await wait_until(pilot, lambda: len(app.screen.query("#report Static")) > 3,
                         "the report shown")
        lines = [str(s.render()) for s in app.screen.query("#report Static")][1:]
        assert {cell_width(line.rstrip()) for line in lines if "¥" in line} == {
            cell_width(lines[0].rstrip())}
    db.close()


async def test_the_journal_shows_the_points_a_redemption_took_not_no_money(runtime):
    from textual.widgets import DataTable
    from kiosk.services import demo
    member = demo.card_number("888800000000003")
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        app.simulate_swipe(demo_swipe(member))
        await wait_for_screen(pilot, "MemberScreen")
        await press_keys(pilot, "f7", *"120", "enter", "enter", *"123456", "enter")
        await wait_for_screen(pilot, "ResultScreen")
        past_key_guard(pilot)
        await pilot.press("enter", "f3")
        await wait_for_screen(pilot, "JournalScreen")
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, "the redemption listed")
        assert "120 points" in table.get_row_at(0) and "¥0.00" not in table.get_row_at(0)


async def refunded_at_the_counter(runtime) -> str:
    """The cashier refunds the first charge of today's journal in full: the result."""
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("f3")
        await wait_for_screen(pilot, "JournalScreen")
        await refund_whole_first_row(pilot)
        return screen_statics(app)


async def test_a_refund_to_a_replaced_card_says_the_new_card_took_it(runtime):
    from kiosk.services import card_care, charge as charging, issuing
    from kiosk.services.operations import mask_card_number
    from tests.conftest import login_as
    charging.charge(login_as(runtime, "cashier1"), card_number=SV_CARD, amount=800,
                    pin="123456", key="before-the-replacement")
    clerk = login_as(runtime, "clerk1")
    new = models.Card.select().where(models.Card.status == "blank").order_by(
        models.Card.number).first().number
    issuing.record_written(clerk, new)
    card_care.replace_card(clerk, card_care.Replacement(SV_CARD, new, "damaged", 0),
                           key="replaced")
    assert (f"Credited to card {mask_card_number(new)}, which replaced card "
            f"{mask_card_number(SV_CARD)}") in await refunded_at_the_counter(runtime)


async def test_a_refund_shows_the_points_it_took_back_from_the_membership_card(runtime):
    from kiosk.services import charge as charging, demo
    from kiosk.services.operations import mask_card_number
    from tests.conftest import login_as
    member = demo.card_number("888800000000003")
    charging.charge(login_as(runtime, "cashier1"), card_number=SV_CARD, amount=5000,
                    pin="123456", key="with-the-member", member_card_number=member)
    assert (f"Points taken back 100 from the membership card "
            f"{mask_card_number(member)}") in await refunded_at_the_counter(runtime)


async def test_an_item_line_added_after_enter_puts_the_cursor_back_on_the_amount(runtime):
    """The amount typed and Enter (the cursor goes on to the PIN), then F5 adds it as a
    line: the next line's amount is typed into the amount again, never into the PIN."""
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await press_keys(pilot, *"10", "enter")
        assert app.focused.id == "pin"
        await pilot.press("f5")
        assert app.focused.id == "amount"
        await press_keys(pilot, *"5", "f5")
        assert app.screen.query_one("#pin", Input).value == ""
        assert "Total ¥15.00" in str(app.screen.query_one("#lines").render())
        await press_keys(pilot, "enter", *"123456", "enter")
        await wait_for_screen(pilot, "ResultScreen")
    assert principal(SV_CARD) == 20000 - 1500


async def test_logging_out_clears_what_was_shown_to_the_last_operator(runtime):
    """A member's SMS shown as a toast (the demo's phone) does not stay on screen for the
    next operator who logs in."""
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        app.notify("(sim SMS: 验证码为123456)", timeout=30)
        await pilot.pause()
        assert list(app._notifications)
        await pilot.press("f10")
        await wait_for_screen(pilot, "LoginScreen")
        assert not list(app._notifications)
