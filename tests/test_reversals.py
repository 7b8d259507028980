"""Payment reversal (撤单/冲销) from an empty store: part of a recharge, a recharge on an
earlier day, a recharge by cheque and a card's issue taken back with a reason and a
reviewer; never more than was paid, even with the same-day reversal and four
terminals at once; the ledger still verifies."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace

import pytest

from kiosk.services.business_date import calendar_business_date
from kiosk.errors import InvalidInput, KioskError, PermissionDenied, ReviewRequired
from kiosk.services import admin, cheques, recharge, reversals
from kiosk.services.charge import Review
from kiosk.services.session import Session
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import IN_CI
from tests.fuel_shop import PIN, PRODUCT, SUPERVISOR, FuelShop, balances, key

ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime, deposit=2000)


def reverse(shop, original, amount, *, session=None, review=SUPERVISOR, reason="客户撤单",
            **more):
    return reversals.reverse_payment(session or shop.clerk, original_operation_id=original,
                                     amount=amount, reason=reason, key=more.pop("key", key()),
                                     review=review)


def test_a_recharge_reversed_in_parts_with_its_bonus_never_more(shop):
    today = calendar_business_date(shop.clerk)
    admin.add_promotion(shop.admin, PRODUCT, "充300送30", 30000, 3000, today, today)
    number = shop.card()
    paid = recharge.recharge(shop.clerk, card_number=number, amount=30000, tender="cash",
                             key=key())
    with pytest.raises(ReviewRequired) as asked:
        reverse(shop, paid.operation_id, 10000, review=None)
    from kiosk.i18n import translator
    from kiosk.services.operations import mask_card_number
    assert asked.value.render(translator("zh_CN")).startswith(  # what the reviewer signs
        f"冲销卡 {mask_card_number(number)} 的收款 #{paid.operation_id}：¥100.00")
    with pytest.raises(InvalidInput, match="reason"):
        reverse(shop, paid.operation_id, 10000, reason=" ")
    with pytest.raises(PermissionDenied, match="may not authorise"):
        reverse(shop, paid.operation_id, 10000, review=Review("clerk2", "Clerk2345"))
    first = reverse(shop, paid.operation_id, 10000, key="rev-1")
    assert (first.principal, first.bonus, first.reversed_total) == (10000, 1000, 10000)
    assert reverse(shop, paid.operation_id, 10000, key="rev-1").replayed
    second = reverse(shop, paid.operation_id, 10000)
    with pytest.raises(KioskError, match="At most ¥100.00"):
        reverse(shop, paid.operation_id, 10001)
    third = reverse(shop, paid.operation_id, 10000)
    assert first.bonus + second.bonus + third.bonus == 3000  # the parts add up exactly
    assert balances(number)["principal"] == 0 and balances(number)["bonus"] == 0
    with pytest.raises(KioskError, match="At most ¥0.00"):
        reverse(shop, paid.operation_id, 1)
    assert models.Operation.get_by_id(paid.operation_id).reversed_amount == 30000
    assert reversals.reversible_payments(shop.clerk, number)[0].kind == "card_issue"
    assert verify(shop.runtime.sealer).ok


def test_the_same_day_reversal_and_a_partial_share_one_amount(shop):
    number = shop.card()
    paid = recharge.recharge(shop.clerk, card_number=number, amount=10000, tender="cash",
                             key=key())
    reverse(shop, paid.operation_id, 4000)
    with pytest.raises(KioskError, match="already reversed"):
        recharge.reverse_recharge(shop.clerk, original_operation_id=paid.operation_id,
                                  key=key(), review=SUPERVISOR)
    with pytest.raises(KioskError, match=f"#{paid.operation_id} was partly reversed.*F8"):
        recharge.last_reversible(shop.clerk, number)  # F7 says where the rest goes back
    reverse(shop, paid.operation_id, 6000)
    with pytest.raises(KioskError, match="no recharge today"):
        recharge.last_reversible(shop.clerk, number)
    assert balances(number)["principal"] == 0
    assert verify(shop.runtime.sealer).ok


def test_a_recharge_of_an_earlier_day_within_the_window(shop):
    number = shop.card()
    paid = recharge.recharge(shop.clerk, card_number=number, amount=10000, tender="bank",
                             key=key())
    later = Session(replace(shop.runtime, clock=lambda: shop.runtime.clock() +
                            dt.timedelta(days=3)), shop.clerk.actor)
    with pytest.raises(KioskError, match="own business day"):  # the same-day one cannot
        recharge.reverse_recharge(later, original_operation_id=paid.operation_id, key=key(),
                                  review=SUPERVISOR)
    done = reverse(shop, paid.operation_id, 2500, session=later)
    operation = models.Operation.get_by_id(done.operation_id)
    assert (operation.tender, operation.memo, operation.reverses_id) == (
        "bank", "客户撤单", paid.operation_id)
    much_later = Session(replace(shop.runtime, clock=lambda: shop.runtime.clock() +
                                 dt.timedelta(days=40)), shop.clerk.actor)
    with pytest.raises(KioskError, match="refund window"):
        reverse(shop, paid.operation_id, 100, session=much_later)
    assert verify(shop.runtime.sealer).ok


def test_a_cheque_recharge_and_a_cards_issue_are_reversed_too(shop):
    number = shop.card()
    slip = cheques.receive(shop.clerk, card_number=number, amount=20000, cheque_no="1",
                           bank="工商银行", key=key())
    cleared = cheques.clear(shop.finance, slip.cheque_id, key=key())
    done = reverse(shop, cleared.operation_id, 5000)
    assert done.original_kind == "cheque_recharge" and balances(number)["principal"] == 15000
    issue = models.Operation.get(models.Operation.kind == "card_issue",
                                 models.Operation.card == models.Card.get(
                                     models.Card.number == number).id)
    deposit = reverse(shop, issue.id, 2000)
    assert (deposit.deposit, deposit.fee) == (2000, 0)
    assert balances(number)["deposit"] == 0
    assert verify(shop.runtime.sealer).ok


def test_sub_cards_issued_together_are_reversed_in_parts_deposits_from_each_card(shop):
    """Three sub cards at ¥5 fee + ¥10 deposit each (¥45): a part takes its share of fees
    and deposits, the deposits come back from the sub cards in number order, and a
    deposit already refunded on its own is not taken again."""
    from kiosk.services import balance_refunds
    from kiosk.services.sub_cards import SubCardBatch, issue_sub_cards
    main = shop.main_card(shop.customer())
    written = tuple(sorted(shop.blank() for _ in range(3)))
    issued = issue_sub_cards(shop.clerk, SubCardBatch(written, PIN, 500, 1000,
                                                      main_number=main),
                             key=key(), review=SUPERVISOR)
    assert [payment.kind for payment in reversals.reversible_payments(shop.clerk, main)
            ][0] == "sub_card_issue"
    first = reverse(shop, issued.operation_id, 1500)
    assert (first.deposit, first.fee) == (1000, 500)
    assert [balances(number)["deposit"] for number in written] == [0, 1000, 1000]
    balance_refunds.deposit_refund(shop.clerk, card_number=written[1], key=key(),
                                   review=SUPERVISOR)
    with pytest.raises(KioskError, match="no longer holds"):  # 2000 of deposit, 1000 held
        reverse(shop, issued.operation_id, 3000)
    rest = reverse(shop, issued.operation_id, 1500)
    assert (rest.deposit, rest.fee) == (1000, 500)
    assert [balances(number)["deposit"] for number in written] == [0, 0, 0]
    assert verify(shop.runtime.sealer).ok


def test_a_replaced_sub_cards_deposit_is_taken_back_from_the_card_that_replaced_it(shop):
    from kiosk.services import card_care
    from kiosk.services.sub_cards import SubCardBatch, issue_sub_cards
    main = shop.main_card(shop.customer())
    written = tuple(sorted(shop.blank() for _ in range(2)))
    issued = issue_sub_cards(shop.clerk, SubCardBatch(written, PIN, 500, 1000,
                                                      main_number=main),
                             key=key(), review=SUPERVISOR)
    old = models.Card.get(models.Card.number == written[0])
    replacing = shop.blank()
    card_care.replace_card(shop.clerk, card_care.Replacement(
        written[0], replacing, "damaged", card_care.replacement_fee(old.product, "damaged")),
        key=key(), review=SUPERVISOR)
    whole = reverse(shop, issued.operation_id, 3000)
    assert (whole.deposit, whole.fee) == (2000, 1000)
    assert [balances(number)["deposit"] for number in (replacing, written[1])] == [0, 0]
    assert verify(shop.runtime.sealer).ok


def test_the_card_must_still_hold_what_is_taken_back(shop):
    from kiosk.services import charge
    number = shop.card()
    paid = recharge.recharge(shop.clerk, card_number=number, amount=10000, tender="cash",
                             key=key())
    charge.charge(shop.clerk, card_number=number, amount=8000, pin=PIN, key=key())
    with pytest.raises(KioskError, match="no longer holds"):
        reverse(shop, paid.operation_id, 5000)
    reverse(shop, paid.operation_id, 2000)
    assert models.Operation.get_by_id(paid.operation_id).reversed_amount == 2000
    assert verify(shop.runtime.sealer).ok


def test_only_payments_in_are_reversed(shop):
    from kiosk.services import charge
    number = shop.card(10000)
    sale = charge.charge(shop.clerk, card_number=number, amount=100, pin=PIN, key=key())
    with pytest.raises(KioskError, match="Only a payment in"):
        reverse(shop, sale.operation_id, 100)


@pytest.mark.race
def test_partial_reversals_racing_the_same_day_reversal_never_exceed_the_payment(shop):
    from tests.racing import Racers
    number = shop.card()
    with Racers(shop.runtime.settings, shop.logins("clerk1", "clerk2") * 2) as racers:
        for _ in range(ROUNDS):
            paid = recharge.recharge(shop.clerk, card_number=number, amount=1000,
                                     tender="cash", key=key())
            outcomes = racers.race(("reverse_payment", paid.operation_id, 400, key()),
                                   ("reverse_payment", paid.operation_id, 400, key()),
                                   ("reverse_payment", paid.operation_id, 400, key()),
                                   ("reverse_recharge", paid.operation_id, key()))
            taken = sum(o.value for o in outcomes if o.ok)
            original = models.Operation.get_by_id(paid.operation_id)
            assert taken == original.reversed_amount <= 1000, outcomes
            assert taken in (800, 1000), outcomes  # two parts, or the whole at once
    assert verify(shop.runtime.sealer).ok


@pytest.mark.race
def test_a_sub_card_batch_reversed_while_a_sub_card_is_replaced_strands_no_deposit(shop):
    """Either order, both succeed: the reversal waits for the sub card and follows it
    to the card that replaced it; no deposit is left behind on either card."""
    from kiosk.services.sub_cards import SubCardBatch, issue_sub_cards
    from tests.racing import Racers
    main = shop.main_card(shop.customer())
    with Racers(shop.runtime.settings, shop.logins("clerk1", "clerk2")) as racers:
        for _ in range(ROUNDS):
            sub, replacing = shop.blank(), shop.blank()
            issued = issue_sub_cards(shop.clerk, SubCardBatch((sub,), PIN, 500, 1000,
                                                              main_number=main),
                                     key=key(), review=SUPERVISOR)
            outcomes = racers.race(("reverse_payment", issued.operation_id, 1500, key()),
                                   ("replace", sub, replacing, key()))
            assert all(o.ok for o in outcomes), outcomes
            assert balances(sub)["deposit"] == balances(replacing)["deposit"] == 0
    assert verify(shop.runtime.sealer).ok


def test_a_reversed_fee_and_bonus_come_back_from_where_they_went(shop):
    """The issue's fee went into the issuing terminal's fee account, a recharge's bonus
    came out of its promotion account: the reversals take them back from those, not
    from the outlet's (which went below zero while the terminal's stayed up)."""
    from kiosk.services import issuing
    today = calendar_business_date(shop.clerk)
    admin.add_promotion(shop.admin, PRODUCT, "充100送10", 10000, 1000, today - dt.timedelta(days=1),
                        today + dt.timedelta(days=30))
    number = shop.blank()
    issued = issuing.issue(shop.clerk, issuing.IssueRequest(number, None, PIN, 1000, 2000),
                           key=key(), review=SUPERVISOR)
    money_in = recharge.recharge(shop.clerk, card_number=number, amount=10000,
                                 tender="cash", key=key())
    reverse(shop, issued.operation_id, 3000)
    reverse(shop, money_in.operation_id, 10000)
    kinds = ("fee_income", "fee_income_no_invoice", "promotion_expense")
    left = {(account.code, account.balance) for account in models.Account.select().where(
        models.Account.kind.in_(kinds), models.Account.balance != 0)}
    assert left == set()
    assert verify(shop.runtime.sealer).ok


@pytest.mark.race
def test_a_deposit_refund_racing_the_issues_reversal_pays_the_deposit_once(shop):
    """The card's deposit refunded (退押金) while its issue is reversed (the fee and
    the deposit): the deposit leaves the card once, by one of them."""
    from kiosk.services import issuing
    from tests.racing import Racers
    with Racers(shop.runtime.settings, shop.logins("clerk1", "clerk2") * 2) as racers:
        for _ in range(ROUNDS):
            number = shop.blank()
            issued = issuing.issue(shop.clerk, issuing.IssueRequest(number, None, PIN, 0, 2000),
                                   key=key())
            outcomes = racers.race(("deposit_refund", number, key()),
                                   ("reverse_payment", issued.operation_id, 2000, key()),
                                   ("deposit_refund", number, key()),
                                   ("reverse_payment", issued.operation_id, 2000, key()))
            paid = sum(o.value for o in outcomes if o.ok)
            assert paid == 2000, outcomes
            assert balances(number)["deposit"] == 0
    assert verify(shop.runtime.sealer).ok


@pytest.mark.race
def test_a_sub_card_batch_reversed_while_its_main_card_allocates_never_deadlocks(shop):
    """The reversal of a sub card's issue locks the main card, then the sub card (for its
    deposit); an allocation from the main card to that sub card locks the two in id
    order. Once the main card is a replacement (an id above its sub cards') the two
    wait on each other in a circle, unless the reversal locks them in id order too."""
    from kiosk.services import card_care
    from kiosk.services.sub_cards import SubCardBatch, issue_sub_cards
    from tests.racing import Racers
    main = shop.main_card(shop.customer(funds=ROUNDS * 1000), balance=ROUNDS * 1000)
    subs = [shop.blank() for _ in range(ROUNDS)]  # the sub cards' blanks first
    replacing = shop.blank()  # then the main card's replacement: a higher id
    card_care.replace_card(shop.clerk, card_care.Replacement(main, replacing, "damaged", 0),
                           key=key(), review=SUPERVISOR)
    main = replacing
    with Racers(shop.runtime.settings, shop.logins("clerk1", "clerk2") * 2) as racers:
        for sub in subs:
            issued = issue_sub_cards(shop.clerk, SubCardBatch((sub,), PIN, 500, 1000,
                                                              main_number=main),
                                     key=key(), review=SUPERVISOR)
            outcomes = racers.race(("reverse_payment", issued.operation_id, 1500, key()),
                                   ("allocate", main, sub, 400, key()),
                                   ("reverse_payment", issued.operation_id, 1500, key()),
                                   ("allocate", main, sub, 400, key()))
            assert sum(o.ok for o in outcomes[0::2]) == 1, outcomes
            assert all(o.ok for o in outcomes[1::2]), outcomes
            assert balances(sub)["deposit"] == 0 and balances(sub)["principal"] == 800
        assert racers.deadlocks() == 0, "reversals and allocations deadlocked"
    assert verify(shop.runtime.sealer).ok
