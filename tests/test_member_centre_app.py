"""The member centre by keyboard, as a clerk uses it: issue with the (simulated) writer,
replacement, migration and a batch list from import to run."""

from __future__ import annotations

import pytest

from kiosk.hw.msr import SimWriter
from kiosk.services import cards, verify
from kiosk.store import models
from tests.app_helpers import (log_in, make_app, message_text, seeded_runtime, wait_for_message,
                               wait_for_screen)
from tests.conftest import SV_CARD


async def open_centre(pilot, entry: str, screen: str, login=("clerk1", "Clerk1234")) -> None:
    await log_in(pilot, *login)
    await pilot.press("f6")
    await wait_for_screen(pilot, "MemberCentreScreen")
    await pilot.press(entry)
    await wait_for_screen(pilot, screen)


async def type_into(pilot, field: str, text: str) -> None:
    widget = pilot.app.screen.query_one(f"#{field}")
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def wait_until(pilot, condition, what: str, timeout: float = 5.0) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > timeout:
            raise AssertionError(f"{what}: still not so; message {message_text(pilot.app)!r}")


async def test_issue_a_card_with_the_writer(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "2", "IssueCardScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.query("#card_number") and
                         screen.value("card_number"), "a blank card offered")
        number = screen.value("card_number")
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
        await type_into(pilot, "pin", "246810")
        await type_into(pilot, "pin2", "246810")
        await pilot.press("enter")
        await wait_for_screen(pilot, "OutcomeScreen")
        card = cards.get_card(number)
        assert card.status == "active" and card.member.name == "张伟"
        await pilot.pause(0.9)
        await pilot.press("enter")
        await wait_for_screen(pilot, "IssueCardScreen")
        await wait_until(pilot, lambda: screen.value("card_number") not in ("", number),
                         "the next blank offered")
    assert verify.verify().ok


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
