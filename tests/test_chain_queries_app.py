"""灵玑云 at the screens (80x24), on a store built from empty: the journal by card shows
each operation's principal and bonus, F7 on a row opens its cards and F5 there the
migrated old card's record, whose voucher Enter saves; Enter on a migrated old card
opens the same record; the store ledgers list the members holding stored value by
business format; a clerk's unified-mode member query is refused, with the reason."""

from __future__ import annotations

from textual.widgets import DataTable

from kiosk.services import admin, migration, setup
from kiosk.services.demo import tiny_png
from tests.app_helpers import (empty_runtime, make_app, open_centre, save_admin_form,
                               type_into, wait_for_message, wait_for_screen, wait_until)
from tests.conftest import CHAIN_ADMIN, log_in as service_log_in
from tests.test_chain_queries import migrate_with_voucher, operator
from tests.test_points import OUTLET, build_crm

CLERK = ("clerk1", "Good1234")
FINANCE = ("finance1", "Good1234")


def shop_app(tmp_path, language="en"):
    """build_crm's shop (a pharmacy, 药房) with finance and one old card migrated with a
    voucher and a remark."""
    runtime = empty_runtime(tmp_path, outlet_code=OUTLET, language=language)
    setup.set_up(runtime, setup.FirstRun(admin.OutletDetails(OUTLET, "总店"), "T01",
                                         CHAIN_ADMIN[0], "管理员", CHAIN_ADMIN[1]))
    chain = service_log_in(runtime, OUTLET, *CHAIN_ADMIN)
    shop = build_crm(chain, runtime)
    admin.save_outlet(chain, admin.OutletDetails(OUTLET, "总店", business_format="药房"))
    operator(chain, runtime, "finance1", "finance")
    old = tmp_path / "old.csv"
    old.write_text("卡号,余额,门店,状态\n6100000000000101,120.50,,正常\n", encoding="utf-8")
    migration.import_balances(chain, old)
    shop["moved"] = migrate_with_voucher(shop, tmp_path)
    return make_app(runtime), shop


async def test_from_a_journal_row_to_its_cards_and_the_old_cards_record(tmp_path):
    app, shop = shop_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "9", "JournalSearchScreen", login=CLERK)
        screen = app.screen
        await type_into(pilot, "card_number", shop["stored"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.rows, "the card's journal listed")
        table = screen.query_one(DataTable)
        titles = [str(column.label) for column in table.columns.values()]
        assert titles[5:7] == ["Principal", "Bonus"]
        assert [str(cell) for cell in table.get_row_at(0)][2:7] == [
            "card migration", screen.rows[0].card, "¥120.50", "¥120.50", "¥0.00"]
        table.focus()
        await pilot.press("f7")  # the migration's row is the newest, under the cursor
        await wait_for_screen(pilot, "OperationCardsScreen")
        cards = app.screen
        await wait_until(pilot, lambda: cards.found is not None, "the row's cards shown")
        assert [str(cell) for cell in cards.query_one(DataTable).get_row_at(0)][2] == "张三丰"
        await pilot.press("f5")
        await wait_for_screen(pilot, "MigratedCardScreen")
        record = app.screen
        await wait_until(pilot, lambda: record.rows, "the vouchers listed")
        details = str(record.query_one("#details").render())
        assert "张三丰" in details and "原卡已回收" in details and "¥120.50" in details
        await pilot.press("enter")
        await wait_for_message(pilot, "reports")
        saved = list((app.settings.home / "reports").glob("voucher-6100000000000101-*.png"))
        assert [path.read_bytes() for path in saved] == [tiny_png()]


async def test_enter_on_a_migrated_old_card_opens_its_record(tmp_path):
    app, _ = shop_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "6", "MigrationScreen", login=CLERK)
        screen = app.screen
        await wait_for_message(pilot, "Page 1: 0 old cards")  # none waits to migrate
        screen.query_one("#migrated").focus()
        await pilot.press("right", "enter")  # migrated
        await wait_until(pilot, lambda: screen.rows and screen.rows[0].migrated_at,
                         "the migrated card listed")
        screen.query_one(DataTable).focus()
        await pilot.press("enter")
        await wait_for_screen(pilot, "MigratedCardScreen")
        await wait_until(pilot, lambda: app.screen.rows, "its vouchers listed")


async def test_the_members_holding_stored_value_by_business_format(tmp_path):
    app, shop = shop_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "l", "LedgerScreen", login=FINANCE)
        screen = app.screen
        await wait_for_message(pilot, "Business formats: 药房")
        screen.query_one("#ledger").focus()
        await pilot.press("right", "right")  # members' stored value
        await type_into(pilot, "business_format", "药房")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.table is not None, "the ledger shown")
        row = [str(cell) for cell in screen.query_one(DataTable).get_row_at(0)]
        assert row == ["张三丰", "138****8000", shop["stored"], "1120.50", "0.00", "1120.50"]
        await type_into(pilot, "business_format", "诊所")
        await pilot.press("enter")
        await wait_for_message(pilot, "No outlet has the business format 诊所")
        assert screen.query_one(DataTable).row_count == 0  # 药房's figures are gone
        screen.action_save()  # and are never saved under 诊所's name
        await wait_for_message(pilot, "Search first")
    assert not list((app.runtime.settings.home / "reports").glob("*诊所*"))


async def test_a_clerks_unified_member_query_is_refused_with_the_reason(tmp_path):
    app, _ = shop_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "1", "MemberSearchScreen", login=CLERK)
        screen = app.screen
        await pilot.press("enter")
        await wait_until(pilot, lambda: [row.name for row in screen.rows] == ["张三丰"],
                         "this outlet's member listed")
        screen.query_one("#mode").focus()
        await pilot.press("right", "enter")
        await wait_for_message(pilot, "may not")


async def test_in_chinese_the_journal_says_principal_bonus_and_the_query_mode(tmp_path):
    app, shop = shop_app(tmp_path, language="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "9", "JournalSearchScreen", login=FINANCE)
        screen = app.screen
        assert "门店模式（本门店）" in str(screen.query_one("#mode").render())
        screen.query_one("#mode").focus()
        await pilot.press("right")
        assert "统一模式（全连锁）" in str(screen.query_one("#mode").render())
        await type_into(pilot, "card_number", shop["stored"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.rows, "the card's journal listed")
        table = screen.query_one(DataTable)
        assert [str(column.label) for column in table.columns.values()][5:7] == ["本金", "赠金"]
        table.focus()
        await pilot.press("f7")
        await wait_for_screen(pilot, "OperationCardsScreen")
        await wait_until(pilot, lambda: app.screen.found is not None, "the row's cards shown")
        assert "F5" in str(app.screen.query_one("#details").render())


async def test_the_admin_sets_an_outlets_business_format(tmp_path):
    from kiosk.store import models
    app, _ = shop_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await save_admin_form(pilot, "5", CHAIN_ADMIN, outlet="10000002", name="二店",
                              business_format="诊所")
    assert models.Outlet.get(models.Outlet.code == "10000002").business_format == "诊所"
