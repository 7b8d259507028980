"""Kiosk escape: every control and function key, on every screen a cashier can reach,
never quits, suspends, opens the command palette or leaves the app."""

import string

import pytest

from kiosk.store import db
from tests.app_helpers import log_in, make_app, seeded_runtime, swipe_card, wait_for_screen
from tests.conftest import SV_CARD

CONTROL_KEYS = [f"ctrl+{letter}" for letter in string.ascii_lowercase] + [
    "ctrl+backslash", "ctrl+underscore", "ctrl+right_square_bracket", "ctrl+at",
    "escape", "tab", "shift+tab", "ctrl+f1", "ctrl+c", "ctrl+q"]
FUNCTION_KEYS = [f"f{n}" for n in range(1, 13)]


@pytest.fixture
def runtime(tmp_path):
    runtime = seeded_runtime(tmp_path)
    yield runtime
    db.close()


async def reach(pilot, screen: str) -> None:
    await log_in(pilot)
    if screen == "CardScreen":
        await swipe_card(pilot, SV_CARD)
    elif screen != "StartScreen":
        key = {"JournalScreen": "f3", "PrintQueueScreen": "f4", "LockScreen": "f9",
               "ShiftCloseScreen": "f8"}[screen]
        await pilot.press(key)
        await wait_for_screen(pilot, screen)


def assert_still_a_kiosk(app) -> None:
    assert app.is_running
    assert "CommandPalette" not in type(app.screen).__name__
    assert app.return_code is None


@pytest.mark.parametrize("screen", ["LoginScreen", "StartScreen", "CardScreen",
                                    "JournalScreen", "PrintQueueScreen", "LockScreen"])
async def test_no_key_leaves_the_kiosk(runtime, screen):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        if screen != "LoginScreen":
            await reach(pilot, screen)
        for key in CONTROL_KEYS + FUNCTION_KEYS:
            await pilot.press(key)
            await pilot.pause(0.02)
            if type(app.screen).__name__ == "ReviewModal":
                await pilot.press("escape")  # the supervisor prompt: nobody authorises
            assert_still_a_kiosk(app)
        assert_still_a_kiosk(app)


@pytest.mark.parametrize("entry", list("0123456789la"))
async def test_no_key_leaves_the_kiosk_from_the_member_centre(runtime, entry):
    """The clerk's, supervisor's and admin's screens: the menu itself ("0") and each of
    its entries."""
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin1", "Admin1234")
        await pilot.press("f6")
        await wait_for_screen(pilot, "MemberCentreScreen")
        if entry != "0":
            await pilot.press(entry)
            await pilot.pause(0.3)
        for key in CONTROL_KEYS + FUNCTION_KEYS:
            await pilot.press(key)
            await pilot.pause(0.02)
            if type(app.screen).__name__ == "ReviewModal":
                await pilot.press("escape")
            assert_still_a_kiosk(app)
