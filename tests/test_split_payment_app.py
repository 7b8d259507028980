"""Split payment at the counter, by keys at 80x24: the card holds less than the sale,
the screen offers the rest by another tender before the PIN, one receipt shows both."""

import pytest

from kiosk.services import cards
from kiosk.services.verify import verify
from kiosk.store import db, models
from tests.app_helpers import press_keys
from tests.app_helpers import (make_app, message_text, past_key_guard, seeded_runtime, swipe_card,
                               wait_for_message, wait_for_screen)
from tests.conftest import SV_CARD

HOLDS = 22000  # the demo's stored-value card: ¥200.00 principal and ¥20.00 bonus


@pytest.fixture
def runtime(tmp_path):
    runtime = seeded_runtime(tmp_path)
    yield runtime
    db.close()


def screen_text(app) -> str:
    return "\n".join(str(widget.render()) for widget in app.screen.query("Static"))


async def sale_above_the_balance(pilot, amount: str) -> None:
    """The cashier swipes the demo's stored-value card and types more than it holds."""
    await swipe_card(pilot, SV_CARD)
    await press_keys(pilot, *amount, "enter")
    await wait_for_message(pilot, "by another tender")


async def test_the_rest_is_taken_by_another_tender_on_one_receipt(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await sale_above_the_balance(pilot, "250")
        assert "take the other ¥30.00 by another tender" in message_text(app)
        assert app.focused.id == "other-tender"
        await pilot.press("enter")
        await wait_for_message(pilot, "Collect ¥30.00 by 现金")
        assert app.focused.id == "pin"
        await press_keys(pilot, *"123456", "enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert "By card ¥220.00   现金 ¥30.00" in screen_text(app)
    assert cards.view(cards.get_card(SV_CARD)).principal == 0
    sale = models.Operation.get(models.Operation.kind == "charge")
    assert (sale.amount, sale.tender) == (HOLDS, "cash")
    receipt = (runtime.settings.receipts_dir / "T01-000001.txt").read_text()
    assert "￥250.00" in receipt and "￥220.00" in receipt and "￥30.00" in receipt
    assert verify(runtime.sealer).ok


async def test_the_other_tender_is_chosen_with_the_arrows(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await sale_above_the_balance(pilot, "230")
        await pilot.press("right", "enter")
        await wait_for_message(pilot, "Collect ¥10.00 by 银行卡")
        await press_keys(pilot, *"123456", "enter")
        await wait_for_screen(pilot, "ResultScreen")
    assert models.Operation.get(models.Operation.kind == "charge").tender == "bank"


async def test_a_sale_the_card_covers_asks_for_no_other_tender(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, SV_CARD)
        await press_keys(pilot, *"220", "enter")
        await wait_for_message(pilot, "type your PIN")
        assert not app.screen.query_one("#split").display
        assert "another tender" not in message_text(app)


async def test_a_split_sale_refunded_says_what_to_give_back_in_cash(runtime):
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await sale_above_the_balance(pilot, "250")
        await press_keys(pilot, "enter", *"123456", "enter")
        await wait_for_screen(pilot, "ResultScreen")
        past_key_guard(pilot)
        await pilot.press("enter", "f3")
        await wait_for_screen(pilot, "JournalScreen")
        assert "¥250.00" in str(app.screen.query_one("DataTable").get_row_at(0))
        await pilot.press("enter")
        await wait_for_screen(pilot, "RefundScreen")
        assert "¥250.00" in screen_text(app)  # can still be refunded: the whole sale
        await pilot.press("enter")
        await wait_for_screen(pilot, "ReviewModal")
        # the supervisor sees what the drawer gives back before signing
        assert "¥220.00 to the card, ¥30.00 by 现金" in screen_text(app)
        await press_keys(pilot, *"super1", "enter", *"Super1234", "enter")
        await wait_for_screen(pilot, "ResultScreen")
        assert "Give the customer ¥30.00 back by 现金" in screen_text(app)
    assert cards.view(cards.get_card(SV_CARD)).principal == 20000
