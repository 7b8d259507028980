"""Money that must stay where it belongs (a hostile tester's findings): an internal card's
money is the chain's own and never leaves by a transfer, a refund, a clearing or a
replacement onto another product; a company customer's card's money stays on that
customer's cards, and a replacement keeps the card the customer's; a lost or frozen sub
card still takes its place of the limit; a refund today of an earlier day's charge
frees none of today's daily limit. From an empty store, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.services.business_date import calendar_business_date
from kiosk.errors import InvalidInput, KioskError
from kiosk.services import (balance_refunds, card_care, charge, customer_money, recharge,
                            transfers)
from kiosk.services.verify import verify
from kiosk.store import models
from tests.fuel_shop import PIN, SUB_CARD_LIMIT, SUPERVISOR, FuelShop, balances, key


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime)


def test_an_internal_cards_money_never_leaves_it_at_the_counter(shop):
    internal, customers_card = shop.internal_card(funds=50000), shop.card(20000)
    refused = "internal card"
    for source, target in ((internal, customers_card), (customers_card, internal)):
        with pytest.raises(KioskError, match=refused):
            transfers.transfer(shop.clerk, from_number=source, to_number=target, amount=100,
                               key=key(), pin=PIN)
        with pytest.raises(KioskError, match=refused):
            transfers.transfer_all(shop.clerk, from_number=source, to_number=target,
                                   key=key(), pin=PIN)
    with pytest.raises(KioskError, match=refused):
        balance_refunds.special_refund(shop.clerk, card_number=internal, amount=100,
                                       reason="test", key=key(), review=SUPERVISOR)
    with pytest.raises(KioskError, match=refused):
        balance_refunds.small_balance_refund(shop.clerk, card_number=internal, key=key(),
                                             pin=PIN)
    with pytest.raises(KioskError, match=refused):
        card_care.clear_card(shop.clerk, internal, key=key(), review=SUPERVISOR)
    with pytest.raises(KioskError, match=refused):
        recharge.recharge(shop.clerk, card_number=internal, amount=100, tender="cash",
                          key=key())
    with pytest.raises(InvalidInput, match="内部卡 card"):
        card_care.replace_card(shop.clerk, card_care.Replacement(
            internal, shop.blank(), "damaged", 0), key=key())
    new_internal = shop.blank("INT")
    card_care.replace_card(shop.clerk, card_care.Replacement(
        internal, new_internal, "damaged", 0), key=key())
    assert balances(new_internal)["principal"] == 50000
    assert balances(customers_card)["principal"] == 20000
    assert verify(shop.runtime.sealer).ok


def test_a_customers_money_stays_on_its_cards_and_its_replaced_card(shop):
    code = shop.customer(funds=100000)
    main = shop.main_card(code, balance=30000)
    sub, stranger = shop.sub_card(main), shop.card(0)
    transfers.transfer(shop.clerk, from_number=main, to_number=sub, amount=1000, key=key(),
                       pin=PIN)
    with pytest.raises(KioskError, match="customer's"):
        transfers.transfer(shop.clerk, from_number=main, to_number=stranger, amount=1000,
                           key=key(), pin=PIN)
    with pytest.raises(KioskError, match="customer's"):
        transfers.transfer_all(shop.clerk, from_number=sub, to_number=stranger, key=key(),
                               pin=PIN)
    new_main = shop.blank()
    card_care.replace_card(shop.clerk, card_care.Replacement(main, new_main, "damaged", 0),
                           key=key())
    assert models.Card.get(models.Card.number == new_main).customer.code == code
    back = customer_money.allocate(shop.clerk, customer_code=code, card_number=new_main,
                                   amount=-5000, key=key())
    assert back.account_after == 100000 - 30000 + 5000
    assert balances(stranger)["principal"] == 0
    assert verify(shop.runtime.sealer).ok


def test_a_lost_or_frozen_sub_card_still_takes_its_place(shop):
    from kiosk.errors import ReviewRequired
    main = shop.main_card(shop.customer())
    subs = [shop.sub_card(main) for _ in range(SUB_CARD_LIMIT)]
    models.Card.update(status="lost").where(models.Card.number == subs[0]).execute()
    models.Card.update(status="frozen").where(models.Card.number == subs[1]).execute()
    with pytest.raises(ReviewRequired):
        shop.sub_card(main)


def test_a_refund_of_yesterdays_charge_frees_none_of_todays_limit(shop):
    number = shop.card(50000)
    models.Card.update(daily_limit=10000).where(models.Card.number == number).execute()
    earlier = charge.charge(shop.clerk, card_number=number, amount=5000, pin=PIN, key=key())
    yesterday = calendar_business_date(shop.clerk) - dt.timedelta(days=1)
    models.Operation.update(business_date=yesterday).where(
        models.Operation.id == earlier.operation_id).execute()
    charge.charge(shop.clerk, card_number=number, amount=10000, pin=PIN, key=key())
    charge.refund(shop.clerk, original_operation_id=earlier.operation_id, amount=5000,
                  key=key(), review=SUPERVISOR)
    with pytest.raises(KioskError, match="[Ll]imit"):
        charge.charge(shop.clerk, card_number=number, amount=100, pin=PIN, key=key())
    today_sale = models.Operation.select().where(
        models.Operation.kind == "charge", models.Operation.amount == 10000).get()
    charge.refund(shop.clerk, original_operation_id=today_sale.id, amount=3000, key=key(),
                  review=SUPERVISOR)
    charge.charge(shop.clerk, card_number=number, amount=3000, pin=PIN, key=key())



def test_a_refund_onto_the_replacing_card_frees_none_of_its_limit(shop):
    """The refund of the old card's charge is credited to the card that replaced it
    (which took over the daily limit): it frees none of the new card's limit."""
    number = shop.card(50000)
    models.Card.update(daily_limit=10000).where(models.Card.number == number).execute()
    sale = charge.charge(shop.clerk, card_number=number, amount=10000, pin=PIN, key=key())
    new = shop.blank()
    card_care.replace_card(shop.clerk, card_care.Replacement(number, new, "damaged", 0),
                           key=key())
    charge.refund(shop.clerk, original_operation_id=sale.operation_id, amount=5000,
                  key=key(), review=SUPERVISOR)
    assert balances(new)["principal"] == 45000
    charge.charge(shop.clerk, card_number=new, amount=10000, pin=PIN, key=key())
    with pytest.raises(KioskError, match="[Ll]imit"):
        charge.charge(shop.clerk, card_number=new, amount=100, pin=PIN, key=key())


async def test_card_services_say_at_once_why_an_internal_cards_money_stays(tmp_path):
    """F1 transfer, F2 recharge, F7 clearing and F10 refund on an internal card: the
    refusal is said on the card's screen, before any form is opened and typed into."""
    from tests.app_helpers import wait_for_message
    from tests.app_helpers import fuel_app, open_card
    app, shop = fuel_app(tmp_path)
    internal = shop.internal_card(funds=1000)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, internal)
        for key in ("f1", "f2", "f7", "f10"):
            app.screen.say("")
            await pilot.press(key)
            await wait_for_message(pilot, "internal card")
            assert type(app.screen).__name__ == "CardServiceScreen", key


def test_an_internal_product_stays_out_of_the_prepaid_rules_whatever_its_flag(shop):
    """Set prepaid again on the internal product (a later save): its cards still take
    finance's loads past a prepaid card's limit, and sell under no prepaid rule."""
    from kiosk.services import admin, internal_cards
    number = shop.internal_card()
    admin.save_product(shop.admin, "INT", prepaid=True)
    loaded = internal_cards.load(shop.finance, card_number=number, amount=800000, key=key())
    assert loaded.principal_after == 800000
