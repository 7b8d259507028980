"""Internal cards (内部卡) from an empty store: the chain's own product, loaded by finance,
used at the counter (not a sale), settled once; kept out of the stored value, the
ledgers and the prepaid funds; raced by four terminals on both backends."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from kiosk.services.business_date import calendar_business_date
from kiosk.errors import InvalidInput, KioskError, PermissionDenied
from kiosk.services import charge, internal_cards, ledgers, month_report, prepaid
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import IN_CI
from tests.fuel_shop import INTERNAL, OUTLET, PIN, FuelShop, balances, command_line, key

ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime)


def account_total(kind: str) -> int:
    return sum(a.balance for a in models.Account.select().where(models.Account.kind == kind))


def test_an_internal_card_is_loaded_used_and_settled_once(shop):
    number = shop.internal_card()
    assert not models.CardProduct.get(models.CardProduct.code == INTERNAL).prepaid
    with pytest.raises(PermissionDenied):
        internal_cards.load(shop.clerk, card_number=number, amount=100, key=key())
    with pytest.raises(InvalidInput, match="not an internal card"):
        internal_cards.load(shop.finance, card_number=shop.card(), amount=100, key=key())
    loaded = internal_cards.load(shop.finance, card_number=number, amount=800000, key="load-1")
    assert loaded.principal_after == 800000  # no prepaid limit: the chain's own money
    sale = charge.charge(shop.clerk, card_number=number, amount=30000, pin=PIN, key=key())
    charge.charge(shop.clerk, card_number=number, amount=20000, pin=PIN, key=key())
    charge.refund(shop.clerk, original_operation_id=sale.operation_id, amount=5000, key=key(),
                  review=charge.Review("super1", "Super1234"))
    assert account_total("internal_use") == 45000 and account_total("outlet_sales") == 0
    [row] = internal_cards.internal_cards(shop.finance)
    assert (row.principal, row.unsettled, row.last_settled) == (755000, 45000, "")
    settled = internal_cards.settle(shop.finance, card_number=number, key="settle-1")
    assert (settled.used, settled.returned, settled.principal_after) == (45000, 0, 755000)
    assert internal_cards.settle(shop.finance, card_number=number, key="settle-1").replayed
    assert account_total("internal_use") == 0 and account_total("internal_expense") == 45000
    with pytest.raises(KioskError, match="nothing to settle"):
        internal_cards.settle(shop.finance, card_number=number, key=key())
    charge.charge(shop.clerk, card_number=number, amount=5000, pin=PIN, key=key())
    tomorrow = calendar_business_date(shop.finance) + dt.timedelta(days=2)
    with pytest.raises(InvalidInput, match="today"):
        internal_cards.settle(shop.finance, card_number=number, key=key(), through=tomorrow)
    last = internal_cards.settle(shop.finance, card_number=number, key=key(),
                                 return_balance=True)
    assert (last.used, last.returned, last.principal_after) == (5000, 750000, 0)
    assert balances(number)["principal"] == 0
    assert account_total("internal_funds") == -800000 + 750000
    assert verify(shop.runtime.sealer).ok


def test_internal_cards_stay_out_of_customers_money_in_the_reports(shop):
    customer_card = shop.card(10000)
    number = shop.internal_card(funds=300000)
    charge.charge(shop.clerk, card_number=number, amount=10000, pin=PIN, key=key())
    today = calendar_business_date(shop.finance)
    report = month_report.month_report(shop.finance, today.strftime("%Y-%m"))
    opening, money_in, money_out, closing = report.stored_value["principal"]
    assert (money_in, closing) == (10000, 10000)  # the customer's card only
    assert report.internal_cards == (0, 300000, 10000, 290000)
    daily = ledgers.daily_balance_ledger(shop.finance, OUTLET, today, today)
    assert [row.closing for row in daily if row.kind == "principal"] == [10000]
    quarter = prepaid.Quarter(today.year, (today.month - 1) // 3 + 1)
    funds = prepaid.quarter_report(shop.finance, quarter)
    assert sum(issuer.closing for issuer in funds.issuers) == 10000
    assert balances(customer_card)["principal"] == 10000


@pytest.mark.race
def test_settlements_and_charges_at_once_count_every_use_exactly_once(shop):
    from tests.racing import Racers
    number = shop.internal_card(funds=10_000_000)
    charged = 0
    logins = shop.logins("finance1", "finance2", "clerk1", "clerk2")
    with Racers(shop.runtime.settings, logins) as racers:
        for _ in range(ROUNDS):
            charge.charge(shop.clerk, card_number=number, amount=1000, pin=PIN, key=key())
            charged += 1000
            outcomes = racers.race(("internal_settle", number, key()),
                                   ("internal_settle", number, key()),
                                   ("charge", number, 500, key(), PIN),
                                   ("charge", number, 700, key(), PIN))
            assert all(o.ok for o in outcomes[2:]), outcomes
            charged += 1200
            settled = sum(s.used for s in models.InternalSettlement.select())
            [row] = internal_cards.internal_cards(shop.finance)
            assert settled + row.unsettled == charged, outcomes  # nothing twice, none lost
    if internal_cards.internal_cards(shop.finance)[0].unsettled:
        internal_cards.settle(shop.finance, card_number=number, key=key())
    assert sum(s.used for s in models.InternalSettlement.select()) == charged
    assert account_total("internal_expense") == charged
    assert verify(shop.runtime.sealer).ok


def test_finance_lists_loads_and_settles_from_the_command_line(shop, store_url):
    number = shop.internal_card(funds=50000)
    charge.charge(shop.clerk, card_number=number, amount=12000, pin=PIN, key=key())
    kiosk = command_line(shop, store_url, "finance1")

    listed = kiosk("internal", "list")
    assert listed.exit_code == 0 and "120.00" in listed.output, listed.output
    loaded = kiosk("internal", "load", number, "100", "--memo", "车队")
    assert loaded.exit_code == 0 and "balance 480.00" in loaded.output, loaded.output
    settled = kiosk("internal", "settle", "--all")
    assert settled.exit_code == 0 and "used 120.00" in settled.output, settled.output
    again = kiosk("internal", "settle", number)
    assert again.exit_code == 1 and "nothing to settle" in again.output
    assert kiosk("internal", "settle").exit_code == 2


async def test_finance_loads_and_settles_at_the_screen_in_chinese(tmp_path):
    from tests.app_helpers import wait_for_message, wait_for_screen, wait_until
    from tests.app_helpers import fuel_app, open_centre, type_into
    app, shop = fuel_app(tmp_path, language="zh_CN")
    number = shop.internal_card()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "n", "InternalCardsScreen", "finance1")
        screen = app.screen
        await wait_until(pilot, lambda: len(screen.rows) == 1, "the internal card listed")
        await pilot.press("enter")  # the card: its amount next
        await type_into(pilot, "amount", "300")
        await pilot.press("enter", "enter")
        await wait_for_message(pilot, "已向")
        assert balances(number)["principal"] == 30000
        charge.charge(shop.clerk, card_number=number, amount=8000, pin=PIN, key=key())
        screen.load()
        await wait_until(pilot, lambda: screen.rows[0].unsettled == 8000, "the use shown")
        screen.query_one("DataTable").focus()
        await pilot.press("f8")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("enter")
        await wait_for_screen(pilot, "InternalCardsScreen")
        await wait_for_message(pilot, "已结算")
    assert balances(number)["principal"] == 0
    assert account_total("internal_expense") == 8000
    assert verify(app.runtime.sealer).ok


def test_a_customers_prepaid_account_counts_in_the_prepaid_funds_its_debt_does_not(shop):
    """Money a company paid into its customer account is prepaid funds (预收资金) as much as
    a card's principal; allocating it to a main card moves it, not doubles it; what the
    customer owes on credit is no prepaid money."""
    owing = shop.customer("欠款运输有限公司", credit=50000)
    shop.main_card(owing, balance=30000)  # on credit: the card holds 300, the account -300
    code = shop.customer(funds=200000)
    shop.main_card(code, balance=50000)
    today = calendar_business_date(shop.finance)
    quarter = prepaid.Quarter(today.year, (today.month - 1) // 3 + 1)
    (funds,) = prepaid.quarter_report(shop.finance, quarter).issuers
    assert funds.closing == 200000 + 30000  # 1500 + 500 left and allocated, + the card's 300
    assert funds.money_in == 230000 and funds.money_out == 0


def test_a_sale_on_an_internal_card_offers_no_membership(shop):
    """The chain's own fuel is not a customer's purchase: no "recommend a membership
    card" prompt, whatever the amount (a walker saw it after a sale on 0117)."""
    from kiosk.services import policies
    number = shop.internal_card(funds=300000)
    policies.set_policy(shop.admin, "membership_min_sale_yuan", 100)
    sale = charge.charge(shop.clerk, card_number=number, amount=20000, pin=PIN, key=key())
    assert sale.membership_offer == 0


@pytest.mark.race
def test_settlements_and_refunds_at_once_count_every_refund_exactly_once(shop):
    """A refund of an internal card's charge racing its settlements: the refund frees
    the use it gave back once, in this settlement or the next, never twice or not at
    all."""
    from tests.racing import Racers
    number = shop.internal_card(funds=10_000_000)
    used = 0
    logins = shop.logins("finance1", "finance2", "clerk1", "clerk2")
    with Racers(shop.runtime.settings, logins) as racers:
        for _ in range(ROUNDS):
            sales = [charge.charge(shop.clerk, card_number=number, amount=1000, pin=PIN,
                                   key=key()).operation_id for _ in range(2)]
            used += 2000
            outcomes = racers.race(("internal_settle", number, key()),
                                   ("internal_settle", number, key()),
                                   ("refund", sales[0], 400, key()),
                                   ("refund", sales[1], 300, key()))
            assert all(o.ok for o in outcomes[2:]), outcomes
            used -= 700
            settled = sum(s.used for s in models.InternalSettlement.select())
            [row] = internal_cards.internal_cards(shop.finance)
            assert settled + row.unsettled == used, outcomes  # nothing twice, none lost
    if internal_cards.internal_cards(shop.finance)[0].unsettled:
        internal_cards.settle(shop.finance, card_number=number, key=key())
    assert sum(s.used for s in models.InternalSettlement.select()) == used
    assert account_total("internal_expense") == used
    assert verify(shop.runtime.sealer).ok
