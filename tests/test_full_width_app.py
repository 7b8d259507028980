"""A Chinese input method left in full-width mode types １２．３０ and １２３４５６: the
counter takes them as the amount and the PIN, in every field, not as refused keys."""

from __future__ import annotations

import pytest
from textual import events

from kiosk.services import cards
from kiosk.store import db
from kiosk.text import half_width
from tests.app_helpers import FakeClock, make_app, seeded_runtime, swipe_card, wait_for_screen
from tests.conftest import SV_CARD


@pytest.fixture
def runtime(tmp_path):
    runtime = seeded_runtime(tmp_path)
    yield runtime
    db.close()


def test_half_width_keeps_chinese_punctuation():
    assert half_width("１２．３０ ＡＢｃ") == "12.30 ABc"
    assert half_width("张三，备注。") == "张三，备注。"


async def type_as_an_input_method(pilot, clock: FakeClock, text: str) -> None:
    for character in text:
        clock.advance(0.5)  # typed by a person, not a card reader's burst
        pilot.app.post_message(events.Key(character, character))
        await pilot.pause()


async def test_full_width_amount_and_pin_charge_the_card(runtime):
    clock = FakeClock()
    app = make_app(runtime, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await type_as_an_input_method(pilot, clock, "１２．３０")
        assert app.screen.query_one("#amount").value == "12.30"
        await pilot.press("enter")
        await type_as_an_input_method(pilot, clock, "１２３４５６")
        assert app.screen.query_one("#pin").value == "123456"
        await pilot.press("enter")
        await wait_for_screen(pilot, "ResultScreen")
    assert cards.view(cards.get_card(SV_CARD)).principal == 20000 - 1230
