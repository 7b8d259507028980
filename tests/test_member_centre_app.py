"""The member centre by keyboard, as a clerk uses it: issue with the (simulated) writer,
replacement, migration and a batch list from import to run."""

from __future__ import annotations


from kiosk.hw.msr import SimWriter
from kiosk.money import format_yuan
from kiosk.services import cards, verify
from kiosk.store import models
from tests.app_helpers import (log_in, make_app, message_text, past_key_guard, paste_into, seeded_runtime,
                               wait_for_message, wait_for_screen, wait_until)
from tests.conftest import SV_CARD
from tests.app_helpers import press_keys
from tests.app_helpers import key_bar_text, open_centre, review_as, save_admin_form, type_into


async def test_issue_a_card_with_the_writer(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "2", "IssueCardScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.query("#card_number") and
                         screen.value("card_number"), "a blank card offered")
        number = screen.value("card_number")
        await wait_for_message(pilot, "blank cards of")
        blanks = int(message_text(app).split()[0])
        await type_into(pilot, "phone", "13800138000")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.member is not None, "member found")
        await pilot.press("enter")  # F6 comes before the PIN: try issuing unwritten first
        await type_into(pilot, "pin", "246810")
        await type_into(pilot, "pin2", "246810")
        await pilot.press("enter")
        await wait_for_message(pilot, "Write the card")
        await pilot.press("f6")
        await wait_for_message(pilot, "read back")
        assert app.devices.writer.last.track2.startswith(number)
        assert f"B{number}^ZHANG/WEI^" in app.devices.writer.last.track1  # the holder's name
        await type_into(pilot, "pin", "246810")
        await type_into(pilot, "pin2", "246810")
        await pilot.press("enter")
        await wait_for_screen(pilot, "OutcomeScreen")
        card = cards.get_card(number)
        assert card.status == "active" and card.member.name == "张伟"
        assert "Enter Issue another card" in key_bar_text(app)  # or Esc: the menu
        assert "Esc Back to the menu" in key_bar_text(app)
        past_key_guard(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, "IssueCardScreen")
        await wait_until(pilot, lambda: screen.value("card_number") not in ("", number),
                         "the next blank offered")
        await wait_for_message(pilot, f"{blanks - 1} blank cards")  # the stock as it is now
    assert verify.verify(app.runtime.sealer).ok


async def test_after_an_outcome_with_a_next_step_esc_goes_back_to_the_menu(tmp_path):
    """Card issued: Enter issues another card, Esc is the way back to the menu (it used to
    open a fresh form whichever key was pressed)."""
    from kiosk.errors import N_
    from kiosk.screens import registry
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "2", "IssueCardScreen")
        chosen = []
        app.push_screen(registry.outcome("Card issued", ["Card 1"],
                                         next_step=N_("Issue another card")), chosen.append)
        await wait_for_screen(pilot, "OutcomeScreen")
        past_key_guard(pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: chosen == ["menu"], "told to go to the menu")
        app.push_screen(registry.outcome("Recharged", ["Card 1"]), chosen.append)
        await wait_for_screen(pilot, "OutcomeScreen")
        assert "Esc" not in key_bar_text(app)  # no next step: Enter and Esc both go back
        past_key_guard(pilot)
        await pilot.press("escape")
        await wait_until(pilot, lambda: chosen == ["menu", None], "back")


async def test_a_failed_write_leaves_the_card_blank(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    app.devices.writer = SimWriter(fail=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "2", "IssueCardScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.query("#card_number") and
                         screen.value("card_number"), "a blank card offered")
        number = screen.value("card_number")
        await pilot.press("f6")
        await wait_for_message(pilot, "swiped correctly")
        assert cards.get_card(number).status == "blank"


async def test_a_cashier_cannot_open_the_member_centre(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("f6")
        await wait_for_message(pilot, "may not use the member centre")
        assert type(app.screen).__name__ == "StartScreen"


async def test_report_loss_then_replace_and_see_the_balance_on_the_new_card(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    before = cards.balances(cards.get_card(SV_CARD))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "3", "CardServiceScreen")
        screen = app.screen
        await press_keys(pilot, *SV_CARD, "enter")
        await wait_until(pilot, lambda: screen.card is not None, "card shown")
        await pilot.press("f3")
        await wait_for_screen(pilot, "AskModal")  # the holder's ID, on one line with the card
        assert "888800******0018" in str(app.screen.query_one("#title").render())
        await press_keys(pilot, *"8515", "enter")
        await wait_until(pilot, lambda: screen.card.status == "lost", "card lost")
        await pilot.press("f4")
        await wait_for_screen(pilot, "ReplaceScreen")
        replace = app.screen
        await wait_until(pilot, lambda: replace.value("new_number") and replace.value("fee"),
                         "blank and fee offered")
        new_number = replace.value("new_number")
        assert replace.value("reason") == "lost" and replace.value("fee") == "10.00"
        await pilot.press("f6")
        await wait_for_message(pilot, "read back")
        await pilot.press("enter", "enter")  # fee, then tender: replace
        await wait_for_screen(pilot, "OutcomeScreen")
        past_key_guard(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, "CardServiceScreen")
        await type_into(pilot, "number", new_number)
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.card.number == new_number, "new card shown")
        assert screen.card.principal == before["principal"] and screen.card.status == "active"
    assert cards.get_card(SV_CARD).status == "replaced"
    assert verify.verify(app.runtime.sealer).ok


async def recharge_500_at_the_member_centre(pilot) -> None:
    """As the clerk: card services, the demo stored-value card, F2, ¥500 in cash; back
    on the card once the outcome is read."""
    await open_centre(pilot, "3", "CardServiceScreen")
    await press_keys(pilot, *SV_CARD, "enter")
    await wait_until(pilot, lambda: pilot.app.screen.card is not None, "card shown")
    await pilot.press("f2")
    await wait_for_screen(pilot, "RechargeScreen")
    await press_keys(pilot, *"500", "enter", "enter")
    await wait_for_screen(pilot, "OutcomeScreen")
    shown = " ".join(str(line.render()) for line in pilot.app.screen.query("Static"))
    assert "Paid by 现金" in shown  # the tender taken, said with the amount
    past_key_guard(pilot)
    await pilot.press("enter")
    await wait_for_screen(pilot, "CardServiceScreen")


async def test_the_tender_is_seen_on_the_recharge_and_issue_forms(tmp_path):
    """Every form's tender choice shows on its own row, what is chosen readable (a style
    meant for the member sale's #tender pushed it out of its row: clerks took money
    without seeing whether it was cash or bank card)."""
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "3", "CardServiceScreen")
        await press_keys(pilot, *SV_CARD, "enter")
        await wait_until(pilot, lambda: pilot.app.screen.card is not None, "card shown")
        await pilot.press("f2")
        await wait_for_screen(pilot, "RechargeScreen")
        for _ in ("recharge", "issue"):
            tender = app.screen.query_one("#tender")
            await wait_until(pilot, lambda: tender.region.height == 1, "the tender laid out")
            row = tender.parent.region
            assert row.y == tender.region.y and tender.region.right <= row.right
            assert "cash" in str(tender.render())
            while type(app.screen).__name__ != "MemberCentreScreen":
                await pilot.press("escape")
                await pilot.pause(0.1)
            await pilot.press("2")
            await wait_for_screen(pilot, "IssueCardScreen")


async def test_recharge_with_a_promotion_and_a_pin_reset(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    before = cards.balances(cards.get_card(SV_CARD))
    async with app.run_test(size=(80, 24)) as pilot:
        await recharge_500_at_the_member_centre(pilot)
        await pilot.press("f5")
        await wait_for_screen(pilot, "PinScreen")
        await pilot.press("right", "right")  # reset to the ID rule
        app.screen.submit()
        await wait_for_message(pilot, "last four")  # the holder's ID first
        app.screen.set_value("holder_check", "8515")
        app.screen.submit()
        await wait_for_screen(pilot, "OutcomeScreen")
    after = cards.balances(cards.get_card(SV_CARD))
    assert after["principal"] == before["principal"] + 50000
    assert after["bonus"] == before["bonus"] + 5000


async def test_a_locked_pin_opens_on_unlock_with_the_holders_id(tmp_path):
    from kiosk.store import models as stored
    runtime = seeded_runtime(tmp_path)
    stored.Card.update(pin_locked=True).where(stored.Card.number == SV_CARD).execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "3", "CardServiceScreen")
        await press_keys(pilot, *SV_CARD, "enter")
        await wait_until(pilot, lambda: app.screen.card is not None, "card shown")
        await pilot.press("f5")
        await wait_for_screen(pilot, "PinScreen")
        assert app.screen.value("action") == "unlock"
        assert app.focused.id == "holder_check"
        await press_keys(pilot, *"8515")
        app.screen.submit()
        await wait_for_screen(pilot, "OutcomeScreen")
    assert not cards.get_card(SV_CARD).pin_locked


async def confirm_key(pilot, key: str) -> None:
    """A risky key asks first, on one line; Enter says yes."""
    await pilot.press(key)
    await wait_for_screen(pilot, "ConfirmModal")
    await pilot.press("enter")


async def test_a_batch_list_from_import_to_run(tmp_path):
    runtime = seeded_runtime(tmp_path)
    samples = runtime.settings.home / "samples"
    app = make_app(runtime)
    before = cards.balances(cards.get_card(SV_CARD))["principal"]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "4", "BatchScreen")
        screen = app.screen
        await paste_into(pilot, "path", str(samples / "batch-recharge-mistakes.csv"))
        await type_into(pilot, "name", "demo list")
        await pilot.press("enter", "enter")
        await wait_for_message(pilot, "nothing was imported")
        details = str(screen.query_one("#details").render())
        assert "line 2" in details and "line 4" in details
        await paste_into(pilot, "path", str(samples / "batch-recharge.csv"))
        await pilot.press("enter", "enter", "enter")
        await wait_for_message(pilot, "imported as a draft")
        await wait_until(pilot, lambda: screen.lists, "list shown")
        screen.query_one("#table").focus()
        await pilot.press("f6")
        await wait_until(pilot, lambda: screen.lists[0].status == "submitted", "submitted")
        await confirm_key(pilot, "f8")
        await wait_for_message(pilot, "reviewed")
        await pilot.press("f7")  # the lines first: what the reviewer approves
        await wait_for_screen(pilot, "BatchLinesScreen")
        lines = app.screen.query_one("#table")
        await wait_until(pilot, lambda: lines.row_count == 2, "the list's two lines shown")
        assert SV_CARD in [str(cell) for cell in lines.get_row_at(0)] + [
            str(cell) for cell in lines.get_row_at(1)]
        await pilot.press("f7")
        await review_as(pilot, "super1", "Super1234")
        await wait_for_screen(pilot, "BatchScreen")
        await wait_until(pilot, lambda: screen.lists[0].status == "reviewed", "reviewed")
        await pilot.press("f8")
        await wait_for_screen(pilot, "ConfirmModal")
        assert "2 cards" in str(app.screen.query_one("#title").render())
        await pilot.press("escape")  # not now: nothing posts
        await wait_for_screen(pilot, "BatchScreen")
        assert cards.balances(cards.get_card(SV_CARD))["principal"] == before
        await confirm_key(pilot, "f8")
        await wait_for_message(pilot, "Posted 2")
        await confirm_key(pilot, "f8")
        await wait_for_message(pilot, "already posted 2")
        await paste_into(pilot, "path", str(samples / "batch-recharge.csv"))  # the same again
        await pilot.press("enter", "enter", "enter")
        await wait_for_screen(pilot, "ConfirmModal")
        assert "same cards and amounts" in str(app.screen.query_one("#title").render())
        await pilot.press("escape")
        await wait_for_screen(pilot, "BatchScreen")
    assert models.BatchList.select().count() == 1
    assert cards.balances(cards.get_card(SV_CARD))["principal"] == before + 10000
    assert verify.verify(app.runtime.sealer).ok


def screen_details(app) -> str:
    return str(app.screen.query_one("#details").render())


async def test_migrate_an_old_card_by_keyboard(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    before = cards.balances(cards.get_card(SV_CARD))["principal"]
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "6", "MigrationScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.rows, "old cards listed")
        assert [row.number for row in screen.rows][:1] == ["6100000000000001"]
        screen.query_one("#table").focus()
        await pilot.press("enter")
        await wait_for_screen(pilot, "MigrateOneScreen")
        await press_keys(pilot, *"13800138000", "enter")
        await wait_for_message(pilot, "Send the member a code")
        details = str(screen_details(app))
        assert "储值卡" in details and SV_CARD[-4:] in details  # the card credited, shown first
        await pilot.press("f6")
        await wait_for_message(pilot, "valid 10 minutes")
        code = app.devices.code_sender.sent[-1][1].split("验证码为")[1][:6]
        wrong = "000000" if code != "000000" else "111111"
        await press_keys(pilot, *wrong, "enter", "enter", *"travel voucher", "enter")
        await wait_for_message(pilot, "code is wrong")
        assert app.focused.id == "code"  # the cursor on the code, its digits selected
        await press_keys(pilot, *code)
        app.screen.submit()
        await wait_for_screen(pilot, "OutcomeScreen")
        past_key_guard(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, "MigrationScreen")
        await wait_until(pilot, lambda: screen.rows and screen.rows[0].number != "6100000000000001",
                         "the migrated card leaves the not-migrated list")
    assert cards.balances(cards.get_card(SV_CARD))["principal"] == before + 35050
    old = models.LegacyCard.get(models.LegacyCard.number == "6100000000000001")
    assert old.remarks == "travel voucher" and old.vouchers != "[]"
    assert verify.verify(app.runtime.sealer).ok


async def test_the_supervisor_reconciles_the_sample_statement_in_the_app(tmp_path):
    from kiosk.services import demo
    from kiosk.services.session import Session
    runtime = seeded_runtime(tmp_path)
    demo.seed_channel_orders(lambda actor: Session(runtime, actor))
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "7", "ReconcileScreen", login=("super1", "Super1234"))
        await pilot.press("enter")
        await wait_for_message(pilot, "3 difference")
        details = str(app.screen.query_one("#details").render())
        assert "amount differs 1" in details and "only in statement 1" in details
        first = app.screen.query_one("#table").get_row_at(0)
        assert first[1] != "matched"  # differences come first
        await pilot.press("f7")  # a supervisor may not confirm: told before any question
        await wait_for_message(pilot, "may not")
        assert type(app.screen).__name__ == "ReconcileScreen"
        await pilot.press("f8")
        await wait_for_message(pilot, "Report saved")
    from kiosk.services.reconcile import last_month
    month = last_month(runtime.clock().date())  # the month reconciled, its orders seeded in
    assert (runtime.settings.home / "reports" / f"reconciliation-taikang-{month}.xlsx").exists()


async def test_the_day_close_screen_lists_what_blocks_the_close_then_closes(tmp_path):
    """Every open shift with business is listed, the supervisor's own too, and the
    supervisor closes them from the screen (F6): the cashier need not come back to log in.
    A shift in which nothing happened is named, then ended by the close."""
    from kiosk.hw.printer import SimPrinter
    from kiosk.services import charge, receipts, recharge
    from tests.conftest import login_as
    runtime = seeded_runtime(tmp_path)
    cashier = login_as(runtime, "cashier1")  # a cashier's shift with a sale is still open
    charge.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="sale")
    login_as(runtime, "clerk1", "T02")  # a shift in which nothing happens
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "8", "DayCloseScreen", login=("super1", "Super1234"))
        recharge.recharge(app.session, card_number=SV_CARD, amount=100, tender="cash",
                          key="own")
        receipts.print_pending(app.session, SimPrinter(tmp_path))  # both tills' receipts
        await pilot.press("f5")
        findings = app.screen.query_one("#findings")
        await wait_until(pilot, lambda: "cashier1" in str(findings.render()), "shift listed")
        assert "super1" in str(findings.render())  # the one closing the day is open too
        await pilot.press("f7")
        await wait_for_message(pilot, "Settle what is listed first")  # asked nothing
        for shift in (cashier.actor.shift_id, app.session.actor.shift_id):
            await pilot.press("f6")
            await wait_for_screen(pilot, "AskModal")
            await press_keys(pilot, *str(shift), "enter")
            await wait_for_message(pilot, f"Shift #{shift}")
        await wait_until(pilot, lambda: "Nothing abnormal" in str(findings.render()), "clean")
        assert "no business end with the close: #" in str(findings.render())  # named first
        assert "clerk1" in str(findings.render())
        await pilot.press("f7")
        await wait_for_screen(pilot, "ConfirmModal")
        assert "Close business date" in str(app.screen.query_one("#title").render())
        await pilot.press("enter")
        await wait_for_message(pilot, "is closed")
        await wait_until(pilot, lambda: "not come yet" in str(findings.render()),
                         "the next day waits for its turn")
        await pilot.press("f7")  # again: the next day is not closed
        await wait_for_message(pilot, "Settle what is listed first")
    assert models.DayClose.select().count() == 1
    assert not models.Shift.select().where(models.Shift.closed_at.is_null()).exists()


async def test_journal_by_member_paged_and_printed(tmp_path):
    from kiosk.services import demo
    from kiosk.services.session import Session
    runtime = seeded_runtime(tmp_path)
    demo.seed_channel_orders(lambda actor: Session(runtime, actor))
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "9", "JournalSearchScreen")
        await type_into(pilot, "member_phone", "13900139000")  # 李秀英: two insurance cards
        await pilot.press("enter")
        await wait_for_message(pilot, "operations")
        kinds = [row.kind for row in app.screen.rows]
        assert kinds.count("charge") == 3 and "opening_balance" in kinds
        await pilot.press("f6")
        await wait_for_message(pilot, "Printed")
    printed = list((runtime.settings.receipts_dir).glob("journal-13900139000-p1.txt"))
    assert printed and "88.00" in printed[0].read_text()  # the channel order charged ¥88.00


async def test_admin_adds_an_operator_in_the_app(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "a", "AdminScreen", login=("admin1", "Admin1234"))
        await pilot.press("1")
        await wait_for_screen(pilot, "AdminFormScreen")
        await press_keys(pilot, *"31010001", "enter", *"cashier9", "enter", *"王五", "enter",
                          "enter", *"Start1234", "enter", *"Start9999", "enter")
        await wait_for_message(pilot, "differ")
        assert not models.Operator.select().where(models.Operator.login_id == "cashier9").exists()
        await type_into(pilot, "password", "Start1234")
        await type_into(pilot, "password2", "Start1234")
        await pilot.press("enter")
        await wait_for_message(pilot, "Saved")
    operator = models.Operator.get(models.Operator.login_id == "cashier9")
    assert operator.role.name == "cashier" and operator.must_change_password


async def test_finance_sees_the_ledgers_and_saves_them(tmp_path):
    runtime = seeded_runtime(tmp_path)
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "l", "LedgerScreen", login=("finance1", "Finance123"))
        await pilot.press("right")  # the general ledger
        app.screen.submit()
        await wait_for_message(pilot, "lines")
        header, *rows = app.screen.table.shown(app.screen.tr)
        assert header == ["business type", "principal", "bonus"]  # the test app speaks English
        assert any(row[0] == "opening balance" for row in rows)  # not opening_balance
        await pilot.press("f8")
        await wait_for_message(pilot, "saved")
    (saved,) = (runtime.settings.home / "reports").glob("ledger-general-*.xlsx")
    from openpyxl import load_workbook
    sheet = load_workbook(saved).active
    assert sheet.title == "general ledger" and sheet["A1"].value == "business type"
    assert all(isinstance(cell.value, (int, float)) for cell in sheet["B"][1:])


async def test_admin_changes_only_the_product_fields_typed(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await save_admin_form(pilot, "9", ("admin1", "Admin1234"), product="SV", fee="15",
                              tier_thresholds="银卡:3000,金卡:10000")
    product = models.CardProduct.get(models.CardProduct.code == "SV")
    assert product.issue_fee == 1500 and product.tier_thresholds == "银卡:3000,金卡:10000"
    assert product.spend_order == "principal_first" and product.points_per_yuan == 1


async def test_admin_sets_the_outlets_settlement_bank_account(tmp_path):
    from kiosk.store import outlets
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await save_admin_form(pilot, "5", ("admin1", "Admin1234"), outlet="31010001",
                              name="康宁大药房 南京东路店", business_format="药房",
                              bank_account="招商银行 6225 8800 1234 5678")
    outlet = outlets.by_code("31010001")
    assert (outlet.bank_account, outlet.business_format) == ("招商银行 6225 8800 1234 5678",
                                                             "药房")


async def test_a_recharge_reversed_the_same_day_with_review(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    before = cards.balances(cards.get_card(SV_CARD))
    async with app.run_test(size=(80, 24)) as pilot:
        await recharge_500_at_the_member_centre(pilot)
        await pilot.press("f2")
        await wait_for_screen(pilot, "RechargeScreen")
        await pilot.press("f7")
        await wait_for_screen(pilot, "ReviewModal")
        asked = " ".join(str(line.render()) for line in app.screen.query("Static"))
        assert "of ¥500.00 (bonus ¥50.00, paid by 现金)" in asked  # what the reviewer signs
        await review_as(pilot, "super1", "Super1234")
        await wait_for_screen(pilot, "OutcomeScreen")
        shown = " ".join(str(line.render()) for line in app.screen.query("Static"))
        assert "Bonus -¥50.00" in shown  # the promotion's bonus goes with it
        assert "Give the customer ¥500.00 back by 现金." in shown  # how the money goes back
        assert f"Principal balance {format_yuan(before['principal'])}" in shown
    assert cards.balances(cards.get_card(SV_CARD)) == before
    assert verify.verify(app.runtime.sealer).ok


async def test_up_and_down_move_between_the_fields_of_a_form(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "1", "MemberSearchScreen")
        first = app.screen.focused
        await pilot.press("down")
        assert app.screen.focused is not first
        await pilot.press("up")
        assert app.screen.focused is first


async def test_file_an_insurance_transfer_by_keyboard(tmp_path):
    from kiosk.services import charge
    from kiosk.services.demo import card_number
    from tests.conftest import INS_CARD
    runtime = seeded_runtime(tmp_path)
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "5", "InsuranceTransferScreen")
        sale = charge.charge(app.session, card_number=INS_CARD, amount=3000, pin="123456",
                             key="insurance-sale")
        await type_into(pilot, "charge", str(sale.operation_id))
        await pilot.press("enter")
        assert app.screen.focused.id == "target"
        await press_keys(pilot, *card_number("888800000000008"), "enter")
        await wait_for_message(pilot, "filed")
        app.screen.query_one("#month").focus()
        await pilot.press("enter")
        await wait_for_message(pilot, "F9 prints")
    (request,) = models.InsuranceTransfer.select()
    assert (request.amount, request.status) == (3000, "pending")


async def test_f9_on_a_named_card_edits_its_details_and_f8_on_a_personal_card_says_why_not(
        tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "3", "CardServiceScreen")
        screen = app.screen
        await press_keys(pilot, *SV_CARD, "enter")
        await wait_until(pilot, lambda: screen.card is not None, "card shown")
        await pilot.press("f9")  # named: its details (卡资料修改), not naming
        await wait_for_screen(pilot, "CardDetailsScreen")
        await pilot.press("escape")
        await wait_for_screen(pilot, "CardServiceScreen")
        assert app.screen is screen
        await pilot.press("f8")
        await wait_for_message(pilot, "main card allocates")
        assert app.screen is screen


def app_with_a_transfer_filed_by(tmp_path, filer: str):
    """The demo's store with an insurance charge of ¥30 and its transfer request, filed
    by `filer` at T02."""
    from kiosk.services import charge, insurance_transfers
    from kiosk.services.demo import card_number
    from tests.conftest import INS_CARD, login_as
    runtime = seeded_runtime(tmp_path)
    sale = charge.charge(login_as(runtime, "cashier1"), card_number=INS_CARD, amount=3000,
                         pin="123456", key="insurance-sale")
    insurance_transfers.file_request(login_as(runtime, filer, "T02"),
                                     charge_operation_id=sale.operation_id,
                                     target_card_number=card_number("888800000000008"))
    return make_app(runtime)


async def test_finance_approves_a_transfer_after_one_line_that_names_it(tmp_path):
    app = app_with_a_transfer_filed_by(tmp_path, "clerk1")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "5", "InsuranceTransferScreen", login="finance1")
        await wait_until(pilot, lambda: app.screen.rows, "the request is listed")
        app.screen.query_one("#table").focus()
        await pilot.press("f7")
        await wait_for_screen(pilot, "ConfirmModal")
        assert "¥30.00" in str(app.screen.query_one("#title").render())
        await pilot.press("enter")
        await wait_for_message(pilot, "Decided")
    assert models.InsuranceTransfer.get().status == "approved"


async def test_a_clerk_is_refused_a_transfer_decision_before_any_question(tmp_path):
    app = app_with_a_transfer_filed_by(tmp_path, "super1")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "5", "InsuranceTransferScreen")
        await wait_until(pilot, lambda: app.screen.rows, "the request is listed")
        app.screen.query_one("#table").focus()
        await pilot.press("f7")
        await wait_for_message(pilot, "finance")
        assert type(app.screen).__name__ == "InsuranceTransferScreen"
    assert models.InsuranceTransfer.get().status == "pending"


async def test_the_reviewer_of_a_recharge_reversal_sees_the_card_and_the_amount(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await recharge_500_at_the_member_centre(pilot)
        await pilot.press("f2")
        await wait_for_screen(pilot, "RechargeScreen")
        await pilot.press("f7")
        await wait_for_screen(pilot, "ReviewModal")
        title = str(app.screen.query_one("#title").render())
        assert "¥500.00" in title and SV_CARD[-4:] in title
