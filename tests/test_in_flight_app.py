"""The counter when a charge's outcome is unknown (the store failed over mid-commit):
the card screen asks the store by the sale's key and says which way it went."""

import pytest

from kiosk.errors import StoreUnavailable
from kiosk.services import charge as charging
from kiosk.store import db, models
from tests.app_helpers import press_keys
from tests.app_helpers import (make_app, seeded_runtime, swipe_card, wait_for_message,
                               wait_for_screen)
from tests.conftest import SV_CARD


@pytest.fixture
def runtime(tmp_path):
    runtime = seeded_runtime(tmp_path)
    yield runtime
    db.close()


async def charge(pilot, amount: str, pin: str = "123456") -> None:
    await press_keys(pilot, *amount, "enter")
    await press_keys(pilot, *pin, "enter")


def _charges():
    return models.Operation.select().where(models.Operation.kind == "charge").count()


async def test_a_charge_that_committed_unheard_is_shown_as_posted(runtime, monkeypatch):
    real = charging.charge

    def committed_then_lost(*args, **kwargs):
        real(*args, **kwargs)  # the store has it; the answer never arrives
        raise StoreUnavailable()
    monkeypatch.setattr(charging, "charge", committed_then_lost)
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await charge(pilot, "12.30")
        await wait_for_screen(pilot, "ResultScreen")
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "found posted, once" in text
    assert _charges() == 1


async def test_a_charge_that_did_not_commit_says_nothing_was_charged(runtime, monkeypatch):
    def lost(*args, **kwargs):
        raise StoreUnavailable()
    monkeypatch.setattr(charging, "charge", lost)
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await charge(pilot, "12.30")
        await wait_for_message(pilot, "nothing was charged")
        assert type(app.screen).__name__ == "CardScreen"
    assert _charges() == 0
