"""Every ledger operation and its failures, on SQLite and PostgreSQL."""

import pytest

from kiosk.errors import PermissionDenied, ReviewRequired
from kiosk.services import cards, charge as charging, recharge as recharging, transfers
from kiosk.services.charge import ForbiddenCategory, NoMatchingInstitution, Review, SaleLine
from kiosk.services.operations import IdempotencyConflict, InsufficientFunds
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import INS_CARD, MAIN_CARD, MEM_CARD, SUB_CARD, SV_CARD, login_as

PIN = "123456"


def balances(number):
    return cards.view(cards.get_card(number))


def test_charge_takes_principal_first_and_earns_points(cashier):
    result = charging.charge(cashier, card_number=SV_CARD, amount=1230, pin=PIN, key="k1")
    assert (result.principal, result.bonus, result.points_earned) == (1230, 0, 12)
    after = balances(SV_CARD)
    assert (after.principal, after.bonus, after.points) == (20000 - 1230, 2000, 150 + 12)
    assert verify(cashier.runtime.sealer).ok


def test_charge_spills_into_bonus(cashier):
    result = charging.charge(cashier, card_number=SV_CARD, amount=21000, pin=PIN, key="k")
    assert (result.principal, result.bonus) == (20000, 1000)


def test_proportional_split():
    assert charging.split_spend("proportional", 999, 1000, 500) == (666, 333)
    assert charging.split_spend("bonus_first", 700, 1000, 500) == (200, 500)


def test_insufficient_balance_posts_nothing(cashier):
    with pytest.raises(InsufficientFunds):
        charging.charge(cashier, card_number=SV_CARD, amount=22001, pin=PIN, key="k")
    assert models.Operation.select().where(models.Operation.kind == "charge").count() == 0
    assert balances(SV_CARD).principal == 20000


def test_retry_returns_first_result_and_posts_once(cashier):
    first = charging.charge(cashier, card_number=SV_CARD, amount=500, pin=PIN, key="sale-1")
    again = charging.charge(cashier, card_number=SV_CARD, amount=500, pin=PIN, key="sale-1")
    assert again.replayed and again.operation_id == first.operation_id
    assert balances(SV_CARD).principal == 19500


def test_conflicting_retry_is_refused(cashier):
    charging.charge(cashier, card_number=SV_CARD, amount=500, pin=PIN, key="sale-1")
    with pytest.raises(IdempotencyConflict):
        charging.charge(cashier, card_number=SV_CARD, amount=600, pin=PIN, key="sale-1")


def test_wrong_pin_three_times_locks_the_card(cashier):
    for tries_left in (2, 1):
        with pytest.raises(cards.WrongPin) as caught:
            charging.charge(cashier, card_number=SV_CARD, amount=100, pin="000000", key="x")
        assert caught.value.params["tries_left"] == tries_left
    with pytest.raises(cards.PinLocked):
        charging.charge(cashier, card_number=SV_CARD, amount=100, pin="000000", key="x")
    with pytest.raises(cards.PinLocked):  # even the right PIN, now
        charging.charge(cashier, card_number=SV_CARD, amount=100, pin=PIN, key="x")
    assert models.Card.get(models.Card.number == SV_CARD).pin_locked


@pytest.mark.parametrize("status, fragment", [("lost", "reported lost"), ("frozen", "frozen"),
                                              ("void", "void"), ("blank", "not been issued")])
def test_unusable_cards_are_refused(cashier, status, fragment):
    models.Card.update(status=status).where(models.Card.number == SV_CARD).execute()
    with pytest.raises(cards.CardUnusable) as caught:
        charging.charge(cashier, card_number=SV_CARD, amount=100, pin=PIN, key="x")
    assert fragment in str(caught.value)


def test_insurance_card_refuses_forbidden_category(cashier):
    lines = (SaleLine("阿莫西林", "药品", 1500), SaleLine("鱼油", "保健品", 9900))
    with pytest.raises(ForbiddenCategory) as caught:
        charging.charge(cashier, card_number=INS_CARD, amount=0, pin=PIN, key="x", lines=lines)
    assert "鱼油" in str(caught.value)
    ok = charging.charge(cashier, card_number=INS_CARD, amount=0, pin=PIN, key="y",
                         lines=lines[:1])
    assert ok.amount == 1500


def test_issuer_not_opened_for_outlet(cashier):
    card = models.Card.get(models.Card.number == SV_CARD)
    card.product = models.CardProduct.get(models.CardProduct.code == "YB")
    card.save()
    with pytest.raises(NoMatchingInstitution):
        charging.charge(cashier, card_number=SV_CARD, amount=100, pin=PIN, key="x")


def test_daily_limit(cashier):
    models.Card.update(daily_limit=1000).where(models.Card.number == SV_CARD).execute()
    charging.charge(cashier, card_number=SV_CARD, amount=800, pin=PIN, key="a")
    with pytest.raises(charging.RestrictionViolated):
        charging.charge(cashier, card_number=SV_CARD, amount=300, pin=PIN, key="b")


def test_partial_refunds_never_exceed_the_charge(seeded, cashier):
    sale = charging.charge(cashier, card_number=SV_CARD, amount=21000, pin=PIN, key="s")
    review = Review("super1", "Super1234")
    first = charging.refund(cashier, original_operation_id=sale.operation_id, amount=10000,
                            key="r1", review=review)
    second = charging.refund(cashier, original_operation_id=sale.operation_id, amount=11000,
                             key="r2", review=review)
    assert first.principal + second.principal == 20000
    assert first.bonus + second.bonus == 1000
    with pytest.raises(Exception, match="can still be refunded"):
        charging.refund(cashier, original_operation_id=sale.operation_id, amount=1, key="r3",
                        review=review)
    after = balances(SV_CARD)
    assert (after.principal, after.bonus, after.points) == (20000, 2000, 150)
    assert verify(cashier.runtime.sealer).ok


def test_refund_needs_a_reviewer_with_the_right(cashier):
    sale = charging.charge(cashier, card_number=SV_CARD, amount=100, pin=PIN, key="s")
    with pytest.raises(PermissionDenied):
        charging.refund(cashier, original_operation_id=sale.operation_id, amount=100, key="r",
                        review=Review("clerk1", "Clerk1234"))


def test_recharge_with_promotion_and_reversal(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    small = recharging.recharge(clerk, card_number=SV_CARD, amount=10000, tender="cash", key="a")
    assert small.bonus == 0
    big = recharging.recharge(clerk, card_number=SV_CARD, amount=50000, tender="bank", key="b")
    assert (big.bonus, big.promotion) == (5000, "充500送50")
    assert balances(SV_CARD).bonus == 7000
    recharging.reverse_recharge(clerk, original_operation_id=big.operation_id, key="c",
                                review=Review("super1", "Super1234"))
    assert (balances(SV_CARD).principal, balances(SV_CARD).bonus) == (30000, 2000)
    assert verify(seeded.sealer).ok


def test_cashier_may_not_recharge(cashier):
    with pytest.raises(PermissionDenied):
        recharging.recharge(cashier, card_number=SV_CARD, amount=100, tender="cash", key="a")


def test_transfer_and_allocation(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    transfers.allocate(clerk, main_number=MAIN_CARD, sub_number=SUB_CARD, amount=3000, key="a")
    assert balances(SUB_CARD).principal == 8000
    transfers.allocate(clerk, main_number=MAIN_CARD, sub_number=SUB_CARD, amount=-8000, key="b")
    assert balances(MAIN_CARD).principal == 105000
    with pytest.raises(InsufficientFunds):
        transfers.allocate(clerk, main_number=MAIN_CARD, sub_number=SUB_CARD, amount=-1, key="c")
    with pytest.raises(ReviewRequired):  # neither the holder's PIN nor a reviewer
        transfers.transfer_all(clerk, from_number=SV_CARD, to_number=MEM_CARD, key="d")
    transfers.transfer_all(clerk, from_number=SV_CARD, to_number=MEM_CARD, key="d", pin=PIN)
    assert balances(SV_CARD).principal == 0 and balances(MEM_CARD).points == 4950
    assert verify(seeded.sealer).ok


def test_look_up_tells_a_typo_from_an_unknown_card(cashier):
    from kiosk.errors import NotFound
    assert cards.look_up(cashier, SV_CARD).masked_number == "888800******0018"
    typo = SV_CARD[:-1] + ("0" if SV_CARD[-1] != "0" else "1")
    with pytest.raises(NotFound, match="check digit"):
        cards.look_up(cashier, typo)
    with pytest.raises(NotFound, match="No card"):
        cards.look_up(cashier, "8888000000009993")  # a valid Luhn number nobody holds


def test_todays_journal_rows(cashier):
    from kiosk.services import journal
    sale = charging.charge(cashier, card_number=SV_CARD, amount=1230, pin=PIN, key="s")
    charging.refund(cashier, original_operation_id=sale.operation_id, amount=230, key="r",
                    review=charging.Review("super1", "Super1234"))
    rows = {row.operation_id: row for row in journal.today(cashier)}
    charge_row = rows[sale.operation_id]
    assert (charge_row.card, charge_row.operator, charge_row.amount, charge_row.refunded) == (
        "888800******0018", "cashier1", 1230, 230)
    assert charge_row.receipt_id == sale.receipt_id
