"""Screens whose service calls name their handlers: what a refusal of one call (and not
of another) changes on the screen."""

import pytest

from kiosk.store import db
from tests.app_helpers import press_keys
from tests.app_helpers import log_in, make_app, seeded_runtime, wait_for_message, wait_for_screen


@pytest.fixture
def runtime(tmp_path):
    runtime = seeded_runtime(tmp_path)
    yield runtime
    db.close()


async def test_a_journal_number_not_found_goes_back_to_todays_list(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("f3")
        await wait_for_screen(pilot, "JournalScreen")
        await pilot.press("f5")
        await wait_for_screen(pilot, "AskModal")
        await press_keys(pilot, *"999999", "enter")
        await wait_for_message(pilot, "No journal number 999999")
        assert app.screen.found is None
        app.screen.load_page()  # as on coming back from a refund: today's list again
        await wait_for_message(pilot, "operations today")
