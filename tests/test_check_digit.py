"""A card product without a Luhn check digit (CardProduct.uses_luhn off), set up from an
empty store: its cards are received, issued, typed and swiped as they are; a swipe of
any other number that fails the check digit is still refused as a misread."""

import uuid

from kiosk.hw.tracks import luhn_ok, swipe_text
from kiosk.services import admin, card_numbers, card_stock, cards, issuing, operators, setup
from kiosk.services.bootstrap import terminal_actor
from kiosk.services.session import Session
from tests.app_helpers import (empty_runtime, log_in, make_app, wait_for_message,
                               wait_for_screen)
from tests.conftest import CHAIN_ADMIN
from tests.conftest import log_in as log_in_service

OUTLET = "10000001"
PIN = "246810"


def set_up_product(administrator: Session) -> tuple[str, str]:
    """Product NOCHK (no check digit) with three blank cards received at the head office
    and one of them issued; (the issued number, a number that fails the check digit
    and is no card)."""
    admin.save_product(administrator, "NOCHK", name="无校验位卡", kind="stored_value",
                       uses_luhn=False)
    admin.open_product(administrator, OUTLET, "NOCHK", True)
    card_stock.receive_range(administrator, product_code="NOCHK", prefix="7100",
                             first="000000001", count=12)
    number = next(f"7100{serial:09d}" for serial in range(1, 13)
                  if not luhn_ok(f"7100{serial:09d}"))
    issuing.record_written(administrator, number)
    issuing.issue(administrator, issuing.IssueRequest(number, None, PIN, 0, 0),
                  key=uuid.uuid4().hex)
    no_card = next(f"6200{serial:09d}" for serial in range(1, 13)
                   if not luhn_ok(f"6200{serial:09d}"))
    return number, no_card


def first_run(runtime) -> Session:
    setup.set_up(runtime, setup.FirstRun(admin.OutletDetails(OUTLET, "总店"), "T01",
                                         CHAIN_ADMIN[0], "管理员", CHAIN_ADMIN[1]))
    return log_in_service(runtime, OUTLET, *CHAIN_ADMIN)


def test_the_products_cards_are_numbered_typed_and_found_without_a_check_digit(chain):
    number, no_card = set_up_product(chain)
    assert not luhn_ok(number)
    assert cards.look_up(chain, number).status == "active"
    assert card_numbers.carries_no_check_digit(chain, number)
    assert not card_numbers.carries_no_check_digit(chain, no_card)


async def test_the_products_card_is_swiped_and_a_misread_is_still_refused(tmp_path):
    runtime = empty_runtime(tmp_path, outlet_code=OUTLET)
    administrator = first_run(runtime)
    number, no_card = set_up_product(administrator)
    admin.add_operator(administrator, OUTLET, "cash1", "收银员", "cashier", "Start1234")
    first = Session(runtime, terminal_actor(OUTLET, "T01"))
    result = operators.login(first, outlet_code=OUTLET, login_id="cash1",
                             password="Start1234", terminal_code="T01")
    operators.change_password(first.as_actor(result.actor), old_password="Start1234",
                              new_password="Cash12345")
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cash1", "Cash12345")
        app.simulate_swipe(swipe_text(no_card, "DEMO/CARD", "3012"))
        await wait_for_message(pilot, "fails its check digit")
        app.simulate_swipe(swipe_text(number, "DEMO/CARD", "3012"))
        await wait_for_screen(pilot, "CardScreen")
        assert app.screen.card.number == number
