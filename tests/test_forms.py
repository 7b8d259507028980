"""How form fields take typing: a prefilled value is typed over, a folder given to start
a file name from is typed on."""

from tests.app_helpers import press_keys
from tests.app_helpers import (laid_out, make_app, open_centre, seeded_runtime, wait_for_message,
                               wait_until)


async def test_a_file_name_is_typed_after_the_prefilled_folder(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "4", "BatchScreen")
        path = app.screen.query_one("#path")
        folder = path.value
        path.focus()
        await pilot.pause(0.1)
        await press_keys(pilot, *"batch-recharge.csv")
        assert path.value == folder + "batch-recharge.csv"


async def test_a_prefilled_amount_is_typed_over(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "4", "BatchScreen")
        name = app.screen.query_one("#name")
        name.value = "0.00"
        app.screen.query_one("#path").focus()
        await pilot.pause(0.1)
        await pilot.press("down")  # to the next field, as a clerk does
        await wait_until(pilot, lambda: app.screen.focused is name, "the name field entered")
        await pilot.pause(0.1)
        await press_keys(pilot, *"100")
        assert name.value == "100"


async def test_a_menu_letter_opens_its_entry_typed_in_capitals_too(tmp_path):
    from tests.app_helpers import wait_for_screen
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "L", "LedgerScreen", login=("finance1", "Finance123"))
        await pilot.press("escape")
        await wait_for_screen(pilot, "MemberCentreScreen")
        await pilot.press("l")
        await wait_for_screen(pilot, "LedgerScreen")


async def test_a_long_question_wraps_in_its_dialog_at_60_columns(tmp_path):
    from kiosk.screens.ask import ConfirmModal
    from tests.app_helpers import log_in, wait_for_screen
    question = ("Report lost (挂失) 888800******0018 张*, balance ¥220.00: the last four of "
                "the holder's ID number (or phone)")
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(60, 20)) as pilot:
        await log_in(pilot)
        app.push_screen(ConfirmModal(question))
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.pause(0.2)
        title = app.screen.query_one("#title")
        assert title.size.height >= 2  # wrapped onto more lines, not cut
        assert title.region.right <= 60


async def test_a_tables_columns_are_as_wide_as_their_widest_cell_from_the_start(tmp_path):
    from kiosk.services import charge
    from tests.app_helpers import log_in, wait_for_screen
    from tests.conftest import SV_CARD
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        charge.charge(app.session, card_number=SV_CARD, amount=1230, pin="123456", key="k")
        await pilot.press("f3")
        await wait_for_screen(pilot, "JournalScreen")
        table = app.screen.query_one("DataTable")
        await wait_until(pilot, lambda: table.row_count == 1, "the charge listed")
        await laid_out(pilot, table)
        shown = app.export_screenshot().replace("&#160;", " ")
        for cell in table.get_row_at(0):
            assert str(cell) in shown  # painted whole, not cut to its title's width


async def test_the_next_card_typed_in_card_services_replaces_the_last_number(tmp_path):
    from tests.conftest import SV_CARD, MAIN_CARD
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "3", "CardServiceScreen")
        screen = app.screen
        await press_keys(pilot, *SV_CARD, "enter")
        await wait_until(pilot, lambda: screen.card is not None, "the first card shown")
        await press_keys(pilot, *MAIN_CARD, "enter")
        await wait_until(pilot, lambda: screen.card.number == MAIN_CARD, "the second card shown")


def test_up_goes_to_the_previous_field_on_every_form():
    """On every form Up goes back a field (a focused table keeps it for its rows): a
    screen that lists Up for its table keeps that action (form.up_over_table); a key
    hint for it in a subclass replaced the form's own and Up did nothing in a field."""
    import importlib
    import pkgutil

    import kiosk.screens
    from kiosk.screens.form import FormScreen
    for module in pkgutil.iter_modules(kiosk.screens.__path__):
        importlib.import_module(f"kiosk.screens.{module.name}")
    found = {}

    def forms(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from forms(sub)

    for form in forms(FormScreen):
        for cls in form.__mro__:
            up = [b for b in cls.__dict__.get("BINDINGS", [])
                  if (b.key if hasattr(b, "key") else b[0]) == "up"]
            if up:
                found[form.__name__] = up[0].action if hasattr(up[0], "action") else up[0][1]
                break
    assert found and set(found.values()) == {"app.focus_previous"}, found


async def test_a_refusal_that_names_a_field_puts_the_cursor_there(tmp_path):
    """Enter on the last field of a batch list with no name: the refusal is said and the
    cursor is in the list name, so what is typed next lands there (it stayed on the
    tender, where typing went nowhere)."""
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "4", "BatchScreen")
        app.screen.query_one("#tender").focus()
        await pilot.press("enter")
        await wait_for_message(pilot, "list name")
        assert app.focused.id == "name"
        await press_keys(pilot, *"dec")
        assert app.screen.value("name") == "dec"
