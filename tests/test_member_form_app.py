"""The member form of an existing member: keys typed before the record has loaded go
nowhere (they would be overwritten or mixed into what loads); then the name has focus."""

from __future__ import annotations

import threading

from kiosk.screens.member_form import MemberFormScreen
from kiosk.services import members
from tests.app_helpers import press_keys
from tests.app_helpers import log_in, make_app, seeded_runtime, wait_for_screen, wait_until
from tests.test_member_privacy import zhang_wei


async def test_keys_typed_before_the_record_loads_land_nowhere(tmp_path, monkeypatch):
    loaded = threading.Event()
    real_get = members.get

    def slow_get(*args, **kwargs):
        loaded.wait(10)
        return real_get(*args, **kwargs)

    monkeypatch.setattr(members, "get", slow_get)
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "clerk1", "Clerk1234")
        app.push_screen(MemberFormScreen(zhang_wei()))
        await wait_for_screen(pilot, "MemberFormScreen")
        await press_keys(pilot, *"abc")
        assert app.screen.value("name") == ""  # not typed into a record still loading
        loaded.set()
        screen = app.screen
        await wait_until(pilot, lambda: screen.value("phone") == "138****8000",
                         "the record on screen")
        assert screen.value("name") == "张伟"
        await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "name",
                         "the name focused")


async def test_a_saved_edit_shows_in_the_list_it_was_opened_from(tmp_path):
    from textual.widgets import DataTable
    from tests.app_helpers import open_centre, type_into
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "1", "MemberSearchScreen")
        await type_into(pilot, "name_prefix", "张")
        await pilot.press("enter")
        search = app.screen
        await wait_until(pilot, lambda: search.rows, "张伟 listed")
        await pilot.press("enter")
        await wait_for_screen(pilot, "MemberFormScreen")
        await wait_until(pilot, lambda: app.screen.value("name") == "张伟", "the record shown")
        await type_into(pilot, "region", "浦东新区")
        await pilot.press("enter", "enter")  # region, then tags: saved
        await wait_for_screen(pilot, "MemberSearchScreen")
        table = search.query_one(DataTable)
        await wait_until(pilot, lambda: "浦东新区" in table.get_row_at(0), "the new region listed")
        assert "Saved member" in str(search.query_one("#message").render())


async def test_esc_on_a_half_filled_new_member_asks_before_it_is_lost(tmp_path):
    from tests.app_helpers import open_centre
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "1", "MemberSearchScreen")
        await pilot.press("f5")
        await wait_for_screen(pilot, "MemberFormScreen")
        await pilot.press("escape")  # nothing typed: it just leaves
        await wait_for_screen(pilot, "MemberSearchScreen")
        await pilot.press("f5")
        await wait_for_screen(pilot, "MemberFormScreen")
        await press_keys(pilot, *"赵六")
        await pilot.press("escape")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("escape")  # no: the form and what was typed stay
        await wait_for_screen(pilot, "MemberFormScreen")
        assert app.screen.value("name") == "赵六"
        await pilot.press("escape")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("enter")
        await wait_for_screen(pilot, "MemberSearchScreen")


async def test_a_refused_id_number_puts_the_cursor_on_it(tmp_path):
    """The form is filled to its last field; the service refuses the ID number's check
    digit: it is said, and the cursor goes back to the ID number (not left on tags)."""
    from tests.app_helpers import message_text, open_centre, type_into
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "1", "MemberSearchScreen")
        await pilot.press("f5")
        await wait_for_screen(pilot, "MemberFormScreen")
        await type_into(pilot, "name", "赵六")
        await type_into(pilot, "phone", "13900139000")
        await type_into(pilot, "id_number", "110101199003074515")  # check digit 4
        await type_into(pilot, "tags", "x")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "check digit" in message_text(app), "refused")
        assert app.focused.id == "id_number"
