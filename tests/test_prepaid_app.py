"""The prepaid card rules at the member centre's keyboard, on the demo's cards: a
refusal that names the rule, and a company's ¥5,000 by bank transfer with the buyer's
and the accounts' record asked for and kept."""

from __future__ import annotations

from kiosk.services import cards, charge, verify
from kiosk.services.bootstrap import terminal_actor
from kiosk.services.demo import DEMO_PIN, OUTLET_CODE, card_number
from kiosk.services.session import Session
from kiosk.store import models
from tests.app_helpers import make_app, seeded_runtime, wait_for_message, wait_for_screen
from tests.app_helpers import wait_until
from tests.conftest import MAIN_CARD, SV_CARD
from tests.app_helpers import press_keys
from tests.app_helpers import open_centre, type_into

ANONYMOUS_CARD, EXPIRED_CARD = card_number("888800000000010"), card_number("888800000000009")


async def show_card(pilot, number: str) -> None:
    await type_into(pilot, "number", number)
    await pilot.press("enter")
    await wait_until(pilot, lambda: pilot.app.screen.card is not None and
                     pilot.app.screen.card.number == number, "card shown")


async def test_a_recharge_past_the_named_limit_is_refused_naming_the_rule(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "3", "CardServiceScreen")
        await show_card(pilot, SV_CARD)
        await pilot.press("f2")
        await wait_for_screen(pilot, "RechargeScreen")
        await press_keys(pilot, *"4800.01", "enter", "enter")
        await wait_for_message(pilot, "a named card holds at most ¥5000.00")
    assert cards.balances(cards.get_card(SV_CARD))["principal"] == 20000


async def test_a_companys_5000_asks_for_the_accounts_then_posts(tmp_path):
    runtime = seeded_runtime(tmp_path)
    till = Session(runtime, terminal_actor(OUTLET_CODE, "T01"))
    charge.charge(till, card_number=MAIN_CARD, amount=100000, pin=DEMO_PIN, key="empty-it")
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "3", "CardServiceScreen")
        await show_card(pilot, MAIN_CARD)
        await pilot.press("f2")
        await wait_for_screen(pilot, "RechargeScreen")
        await press_keys(pilot, *"5000", "enter", "enter")  # in cash
        await wait_for_message(pilot, "pays by bank transfer, not cash")
        await pilot.press("right", "enter")  # by bank
        await wait_for_screen(pilot, "PurchaseScreen")
        for field, text in (("buyer_name", "上海示范科技有限公司"),
                            ("payer_account_name", "上海示范科技有限公司"),
                            ("payer_account_no", "6222000011112222"),
                            ("payee_account_name", "康宁大药房"),
                            ("payee_account_no", "6222000033334444")):
            await type_into(pilot, field, text)
        await pilot.press("enter")  # on to the last field, the buyer (a company: the card's)
        assert pilot.app.screen.value("buyer_kind") == "company"
        await pilot.press("enter")
        await wait_for_screen(pilot, "OutcomeScreen")
    sale = models.PrepaidSale.get()
    assert (sale.buyer_kind, sale.payer_account_no, sale.amount) == ("company",
                                                                    "6222000011112222", 500000)
    assert verify.verify(runtime.sealer).ok


async def test_an_anonymous_card_is_not_reported_lost_and_an_expired_one_is_reactivated(
        tmp_path):
    runtime = seeded_runtime(tmp_path)
    models.CardProduct.update(validity_months=36).where(
        models.CardProduct.id == cards.get_card(EXPIRED_CARD).product_id).execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "3", "CardServiceScreen")
        await show_card(pilot, ANONYMOUS_CARD)
        await pilot.press("f3")  # refused before the holder's ID is asked for
        await wait_for_message(pilot, "an anonymous card cannot be reported lost")
        assert type(app.screen).__name__ == "CardServiceScreen"
        await show_card(pilot, EXPIRED_CARD)
        assert "F10 Reactivate" in str(pilot.app.screen.query_one("#actions").render())
        await pilot.press("f10")  # one line names the card and its balance first
        await wait_for_screen(pilot, "ConfirmModal")
        assert "¥300.00" in str(pilot.app.screen.query_one("#title").render())
        await pilot.press("escape")  # no: nothing changes
        await wait_for_screen(pilot, "CardServiceScreen")
        assert cards.get_card(EXPIRED_CARD).expires_on.year != 2029
        await pilot.press("f10")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("enter")
        await wait_for_screen(pilot, "CardServiceScreen")
        await wait_until(pilot, lambda: pilot.app.screen.card.expires_on is not None and
                         pilot.app.screen.card.expires_on.year == 2029, "card reactivated")
        await wait_for_message(pilot, "Reactivated: valid until 2029-11-22")
        assert "F10 Refund" in str(pilot.app.screen.query_one("#actions").render())
    card = cards.get_card(EXPIRED_CARD)
    assert card.status == "active" and card.expires_on.year == 2029
    assert cards.balances(card)["principal"] == 30000


async def test_a_named_card_reactivated_has_no_expiry_and_the_screen_says_so(tmp_path):
    import datetime as dt
    from tests.app_helpers import FIXED_NOW
    runtime = seeded_runtime(tmp_path)
    models.Card.update(expires_on=FIXED_NOW.date() - dt.timedelta(days=1)).where(
        models.Card.number == SV_CARD).execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "3", "CardServiceScreen")
        await show_card(pilot, SV_CARD)
        await pilot.press("f10")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("enter")
        await wait_for_message(pilot, "Reactivated, with no expiry.")
    assert cards.get_card(SV_CARD).expires_on is None


async def test_every_card_service_key_is_listed_whole_at_80_columns(tmp_path):
    from kiosk.screens.base import KeyBar
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "3", "CardServiceScreen")
        await show_card(pilot, SV_CARD)
        actions = pilot.app.screen.query_one("#actions", KeyBar)
        shown = str(actions.render())
        assert all(f"F{n} " in shown for n in range(1, 11)) and "F10 Refund" in shown
        assert all(len(line) <= actions.content_size.width for line in shown.splitlines())
