"""Screens as a person sees them, at 80x24, in Chinese and English. After a change on
purpose: pytest tests/test_snapshots.py --snapshot-update, then look at the SVGs."""

import pytest

from kiosk.store import db
from tests.app_helpers import press_keys
from tests.app_helpers import (demo_swipe, log_in, swipe_card, make_app, no_blink,
                               seeded_runtime, wait_for_screen)
from tests.conftest import INS_CARD, SV_CARD

LANGUAGES = ["zh_CN", "en"]


@pytest.fixture(params=LANGUAGES)
def app(request, tmp_path):
    runtime = seeded_runtime(tmp_path, language=request.param)
    yield make_app(runtime)
    db.close()


def test_login_screen(app, snap_compare):
    async def settle(pilot):
        await pilot.pause(0.2)
        no_blink(pilot.app)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_start_screen(app, snap_compare):
    async def run_before(pilot):
        await log_in(pilot)
        no_blink(pilot.app)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("number", [SV_CARD, INS_CARD], ids=["stored_value", "insurance"])
def test_card_screen(app, snap_compare, number):
    async def run_before(pilot):
        await swipe_card(pilot, number)
        await press_keys(pilot, *"12.30", "enter")
        no_blink(pilot.app)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_result_screen(app, snap_compare):
    async def run_before(pilot):
        await swipe_card(pilot, SV_CARD)
        await press_keys(pilot, *"12.30", "enter", *"123456", "enter")
        await wait_for_screen(pilot, "ResultScreen")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_pos_sale_screen(app, snap_compare):
    """A store POS's sale at the counter, the card read, the PIN asked (issue 21)."""
    from kiosk.services import pos_sales
    from tests.conftest import login_as
    runtime = app.runtime
    token = pos_sales.register(login_as(runtime, "admin1"), code="POS01", name="收银POS",
                               outlet_code="31010001", terminal_code="T01")
    pos = pos_sales.authenticate(runtime, token, None)
    pos_sales.receive_sale(runtime, pos, pos_sales.SaleRequest("A1001", (
        pos_sales.PosLine("6901234", "阿莫西林胶囊", "药品", 2350),
        pos_sales.PosLine("6905678", "医用口罩", "医疗器械", 1000)), 3350))

    async def run_before(pilot):
        await press_keys(pilot, *"cashier1", "enter", *"Cashier123", "enter")
        await wait_for_screen(pilot, "PosSaleScreen")
        pilot.app.simulate_swipe(demo_swipe(INS_CARD))
        while not pilot.app.screen.query_one("#pin-row").display:
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        no_blink(pilot.app)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
