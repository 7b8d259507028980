"""The issue-card screen as the README walks it: the product first, and a card written
but not issued is not left behind by one Esc."""

from __future__ import annotations

from kiosk.services import cards
from tests.app_helpers import make_app, seeded_runtime, wait_for_message, wait_for_screen, wait_until
from tests.app_helpers import open_centre


async def open_issue_card(pilot) -> str:
    """The clerk on the issue-card screen; the blank card it offers."""
    await open_centre(pilot, "2", "IssueCardScreen")
    screen = pilot.app.screen
    await wait_until(pilot, lambda: screen.query("#card_number") and
                     screen.value("card_number"), "a blank card offered")
    return screen.value("card_number")


async def test_the_form_opens_on_the_product(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issue_card(pilot)
        await wait_until(pilot, lambda: app.focused is not None and
                         app.focused.id == "product", "the product focused")


async def test_esc_after_writing_warns_before_leaving_a_grey_card(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        number = await open_issue_card(pilot)
        screen = app.screen
        await pilot.press("f6")
        await wait_for_message(pilot, "read back")
        await pilot.press("escape")
        await wait_for_message(pilot, "written but not issued")
        assert app.screen is screen
        await pilot.press("escape")
        await wait_for_screen(pilot, "MemberCentreScreen")
    assert cards.get_card(number).status == "written"
