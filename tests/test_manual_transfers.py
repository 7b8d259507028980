"""Manual transfer (手工转账) from an empty store: an amount of principal from one card to
another with the paying card's PIN, or with review; refused for a replaced or an
insurance card; raced by four terminals, both ways at once; the ledger verifies."""

from __future__ import annotations

import os

import pytest

from kiosk.errors import KioskError, PermissionDenied, ReviewRequired
from kiosk.services import card_care, cards, issuing, transfers
from kiosk.services.accounts import open_card_accounts
from kiosk.services.charge import Review
from kiosk.services.operations import InsufficientFunds
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import IN_CI
from tests.fuel_shop import PIN, SUPERVISOR, FuelShop, balances, key

ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime)


def move(shop, source, target, amount, **more):
    return transfers.transfer(shop.clerk, from_number=source, to_number=target, amount=amount,
                              key=more.pop("key", key()), **more)


def test_an_amount_moves_with_the_pin_or_with_review(shop):
    first, second = shop.card(10000), shop.card(500)
    with pytest.raises(ReviewRequired):
        move(shop, first, second, 3000)
    with pytest.raises(cards.WrongPin):
        move(shop, first, second, 3000, pin="000000")
    done = move(shop, first, second, 3000, pin=PIN, key="t-1")
    assert (done.principal, done.from_after, done.to_after) == (3000, 7000, 3500)
    assert move(shop, first, second, 3000, pin=PIN, key="t-1").replayed
    with pytest.raises(PermissionDenied, match="may not authorise"):
        move(shop, first, second, 1000, review=Review("finance1", "Finance123"))
    reviewed = move(shop, first, second, 1000, review=SUPERVISOR)
    assert models.Operation.get_by_id(reviewed.operation_id).reviewer.login_id == "super1"
    with pytest.raises(InsufficientFunds):
        move(shop, first, second, 6001, pin=PIN)
    with pytest.raises(KioskError, match="itself"):
        move(shop, first, first, 100, pin=PIN)
    assert (balances(first)["principal"], balances(second)["principal"]) == (6000, 4500)
    assert verify(shop.runtime.sealer).ok


def test_a_replaced_card_neither_pays_nor_receives(shop):
    first, second = shop.card(10000), shop.card()
    blank = models.Card.create(number="9000000088888", product=models.Card.get(
        models.Card.number == second).product, status="blank",
        outlet=models.Outlet.get(models.Outlet.code == "10000001"))
    open_card_accounts(blank)
    issuing.record_written(shop.clerk, blank.number)
    card_care.replace_card(shop.clerk, card_care.Replacement(second, blank.number, "damaged", 0),
                           key=key())
    with pytest.raises(KioskError, match="8888"):  # names the card that replaced it
        move(shop, first, second, 100, pin=PIN)
    move(shop, first, blank.number, 100, pin=PIN)
    assert balances(blank.number)["principal"] == 100 and balances(second)["principal"] == 0
    assert verify(shop.runtime.sealer).ok


@pytest.mark.race
def test_four_transfers_at_once_never_overdraw_and_never_deadlock(shop):
    from tests.racing import Racers
    first, second = shop.card(1000), shop.card(1000)
    with Racers(shop.runtime.settings, shop.logins("clerk1", "clerk2") * 2) as racers:
        for _ in range(ROUNDS):
            outcomes = racers.race(("transfer", first, second, 600, key()),
                                   ("transfer", second, first, 600, key()),
                                   ("transfer", first, second, 600, key()),
                                   ("transfer", second, first, 600, key()))
            assert all(o.ok or o.value == "InsufficientFunds" for o in outcomes), outcomes
            assert any(o.ok for o in outcomes), outcomes
            total = balances(first)["principal"] + balances(second)["principal"]
            assert total == 2000 and min(balances(first)["principal"],
                                         balances(second)["principal"]) >= 0
    assert verify(shop.runtime.sealer).ok
