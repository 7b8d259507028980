"""The migration list by keys: Enter on the first old card migrates it, no Tab first;
a filter typed while the list loads keeps its field."""

from __future__ import annotations

from tests.app_helpers import make_app, seeded_runtime, wait_for_screen, wait_until
from tests.app_helpers import press_keys
from tests.app_helpers import laid_out, open_centre


async def test_enter_on_the_listed_old_card_opens_its_migration(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "6", "MigrationScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.rows and app.focused.id == "table",
                         "old cards listed, the cursor on them")
        await pilot.press("enter")
        await wait_for_screen(pilot, "MigrateOneScreen")
        assert app.screen.legacy.number == screen.rows[0].number


async def test_a_filter_typed_and_entered_lists_and_goes_to_the_list(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "6", "MigrationScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.rows, "old cards listed")
        await pilot.press("shift+tab")
        while app.focused.id != "number":
            await pilot.press("shift+tab")
        await press_keys(pilot, *"6100000000000002", "enter")
        await wait_until(pilot, lambda: len(screen.rows) == 1 and app.focused.id == "table",
                         "one old card listed, the cursor on it")


async def test_every_column_of_the_old_cards_fits_80_columns_in_english(tmp_path):
    from textual.widgets import DataTable
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "6", "MigrationScreen")
        await wait_until(pilot, lambda: app.screen.rows, "old cards listed")
        table = app.screen.query_one(DataTable)
        await laid_out(pilot, table)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert not table.has_class("wider") and not table.border_subtitle
