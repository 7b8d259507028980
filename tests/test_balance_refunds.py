"""Refunds that keep the card, from an empty store: the small-balance refund (the holder's
PIN, at most the chain's limit, the bonus lapses), the special refund (a reason and a
reviewer with the refund right) and the deposit refund (a reviewer); raced by four
terminals; the ledger still verifies."""

from __future__ import annotations

import os

import pytest

from kiosk.services.business_date import calendar_business_date
from kiosk.errors import InvalidInput, KioskError, PermissionDenied, ReviewRequired
from kiosk.services import admin, balance_refunds, cards, charge, closes, policies, recharge
from kiosk.services.charge import Review
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import IN_CI
from tests.fuel_shop import PIN, PRODUCT, SUPERVISOR, FuelShop, balances, key

ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime, deposit=2000)


def test_a_small_balance_is_paid_back_with_the_pin_and_the_card_stays(shop):
    today = calendar_business_date(shop.clerk)
    admin.add_promotion(shop.admin, PRODUCT, "充50送5", 5000, 500, today, today)
    number = shop.card(8000)
    with pytest.raises(ReviewRequired):  # no PIN, no reviewer
        balance_refunds.small_balance_refund(shop.clerk, card_number=number, key=key())
    with pytest.raises(cards.WrongPin):
        balance_refunds.small_balance_refund(shop.clerk, card_number=number, pin="000000",
                                             key=key())
    paid = balance_refunds.small_balance_refund(shop.clerk, card_number=number, pin=PIN,
                                                key="small-1")
    assert (paid.amount, paid.bonus_forfeited, paid.principal_after) == (8000, 500, 0)
    assert balances(number) == {"principal": 0, "bonus": 0, "points": 0, "deposit": 2000}
    assert cards.get_card(number).status == "active"
    again = balance_refunds.small_balance_refund(shop.clerk, card_number=number, pin=PIN,
                                                 key="small-1")
    assert again.replayed and again.operation_id == paid.operation_id
    with pytest.raises(KioskError, match="no principal"):
        balance_refunds.small_balance_refund(shop.clerk, card_number=number, pin=PIN, key=key())
    report = closes.shift_report(shop.clerk)
    assert report.operations["small_refund"] == {"count": 1, "amount": 8000}
    assert verify(shop.runtime.sealer).ok


def test_over_the_limit_is_a_special_refund_and_the_limit_is_the_chains(shop):
    number = shop.card(20000)
    with pytest.raises(KioskError, match="special refund"):
        balance_refunds.small_balance_refund(shop.clerk, card_number=number, pin=PIN, key=key())
    policies.set_policy(shop.admin, "small_refund_limit_yuan", 200)
    paid = balance_refunds.small_balance_refund(shop.clerk, card_number=number, pin=PIN,
                                                key=key())
    assert paid.amount == 20000
    assert verify(shop.runtime.sealer).ok


def test_a_special_refund_needs_a_reason_and_a_reviewer_with_the_refund_right(shop):
    number = shop.card(50000)
    with pytest.raises(InvalidInput, match="reason"):
        balance_refunds.special_refund(shop.clerk, card_number=number, amount=100, reason="",
                                       key=key(), review=SUPERVISOR)
    with pytest.raises(ReviewRequired):
        balance_refunds.special_refund(shop.clerk, card_number=number, amount=100,
                                       reason="车辆报废", key=key())
    with pytest.raises(PermissionDenied, match="may not authorise"):
        balance_refunds.special_refund(shop.clerk, card_number=number, amount=100,
                                       reason="车辆报废", key=key(),
                                       review=Review("finance1", "Finance123"))
    with pytest.raises(KioskError, match="at most that"):
        balance_refunds.special_refund(shop.clerk, card_number=number, amount=50001,
                                       reason="车辆报废", key=key(), review=SUPERVISOR)
    paid = balance_refunds.special_refund(shop.clerk, card_number=number, amount=30000,
                                          reason="车辆报废", tender="bank", key=key(),
                                          review=SUPERVISOR)
    assert (paid.amount, paid.principal_after, paid.bonus_forfeited) == (30000, 20000, 0)
    operation = models.Operation.get_by_id(paid.operation_id)
    assert (operation.memo, operation.tender, operation.reviewer.login_id) == (
        "车辆报废", "bank", "super1")
    assert balances(number)["principal"] == 20000
    assert verify(shop.runtime.sealer).ok


def test_a_deposit_is_refunded_without_closing_the_card(shop):
    number = shop.card(10000)
    with pytest.raises(ReviewRequired):
        balance_refunds.deposit_refund(shop.clerk, card_number=number, key=key())
    paid = balance_refunds.deposit_refund(shop.clerk, card_number=number, key=key(),
                                          review=SUPERVISOR)
    assert (paid.amount, paid.deposit_after, paid.principal_after) == (2000, 0, 10000)
    with pytest.raises(KioskError, match="no deposit"):
        balance_refunds.deposit_refund(shop.clerk, card_number=number, key=key(),
                                       review=SUPERVISOR)
    assert cards.get_card(number).status == "active"
    sale = charge.charge(shop.clerk, card_number=number, amount=1000, pin=PIN, key=key())
    assert sale.principal_after == 9000  # the card still works
    assert verify(shop.runtime.sealer).ok


def test_a_closed_card_refunds_nothing(shop):
    from kiosk.services import card_care
    from kiosk.store import models
    # Closed by clearing, which the prepaid rules allow only for named cards some months
    # old: this card's product is taken out of the rules to close it today.
    models.CardProduct.update(prepaid=False).execute()
    number = shop.card(1000)
    card_care.clear_card(shop.clerk, number, key=key(), review=SUPERVISOR)
    with pytest.raises(KioskError):
        balance_refunds.small_balance_refund(shop.clerk, card_number=number, pin=PIN, key=key())
    with pytest.raises(KioskError):
        balance_refunds.deposit_refund(shop.clerk, card_number=number, key=key(),
                                       review=SUPERVISOR)


@pytest.mark.race
def test_four_terminals_refunding_one_card_never_pay_more_than_it_held(shop):
    from tests.racing import Racers
    number = shop.card()
    logins = shop.logins("clerk1", "clerk2") * 2
    with Racers(shop.runtime.settings, logins) as racers:
        for _ in range(ROUNDS):
            recharge.recharge(shop.clerk, card_number=number, amount=1000, tender="cash",
                              key=key())
            outcomes = racers.race(("small_refund", number, key()),
                                   ("special_refund", number, 600, key()),
                                   ("small_refund", number, key()),
                                   ("special_refund", number, 600, key()))
            paid = sum(o.value for o in outcomes if o.ok)
            assert paid + balances(number)["principal"] == 1000, outcomes
            if balances(number)["principal"]:  # a special refund won: the rest, small
                balance_refunds.small_balance_refund(shop.clerk, card_number=number, pin=PIN,
                                                     key=key())
            assert balances(number)["principal"] == 0
        outcomes = racers.race(*[("deposit_refund", number, key()) for _ in range(4)])
        assert sum(o.ok for o in outcomes) == 1, outcomes  # the deposit paid once
        assert balances(number)["deposit"] == 0
    assert verify(shop.runtime.sealer).ok


@pytest.mark.race
def test_a_card_cleared_while_it_is_credited_keeps_nothing(shop):
    """清户 racing a refund of the card's charge and a recharge: each credit lands before
    the clearing (and is paid out with it) or is refused; a cleared card holds nothing."""
    from tests.racing import Racers
    models.CardProduct.update(prepaid=False).execute()  # cleared today (see above)
    logins = shop.logins("clerk1", "clerk2") * 2
    with Racers(shop.runtime.settings, logins) as racers:
        for _ in range(ROUNDS):
            number = shop.card(1000)
            sale = charge.charge(shop.clerk, card_number=number, amount=500, pin=PIN,
                                 key=key())
            outcomes = racers.race(("clear_card", number, key()),
                                   ("refund", sale.operation_id, 500, key()),
                                   ("recharge", number, 300, key()),
                                   ("clear_card", number, key()))
            assert sum(o.ok for o in outcomes[0::3]) == 1, outcomes
            assert not any(balances(number).values()), ("money left on a cleared card",
                                                        outcomes)
    assert verify(shop.runtime.sealer).ok
