"""Split payment (组合支付): the card pays part of a sale, another tender the rest, in one
operation with one receipt; refunds give back to both in proportion. From an empty store
(tests/fuel_shop.py), on both backends."""

from __future__ import annotations

import json
import os

import pytest

from kiosk.errors import KioskError
from kiosk.services import charge, closes, receipts
from kiosk.services.charge import OtherTender
from kiosk.services.operations import IdempotencyConflict, InsufficientFunds
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import IN_CI
from tests.fuel_shop import PIN, SUPERVISOR, FuelShop, balances, key
from tests.racing import Racers


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime)


def receipt_rows(receipt_id: int) -> dict[str, str]:
    return dict(receipts.stored_document(models.Receipt.get_by_id(receipt_id)).rows)


def split_sale(shop, number, amount, other, *, sale_key=None):
    return charge.charge(shop.clerk, card_number=number, amount=amount, pin=PIN,
                         key=sale_key or key(), other=OtherTender("cash", other))


def test_the_card_pays_what_it_holds_and_cash_the_rest(shop, runtime):
    number = shop.card(6000)
    sale = split_sale(shop, number, 10000, 4000)
    assert (sale.amount, sale.on_card, sale.other_amount, sale.other_tender) == \
        (10000, 6000, 4000, "cash")
    assert balances(number)["principal"] == 0
    operation = models.Operation.get_by_id(sale.operation_id)
    # What the card paid is the operation's amount: limits, refunds and insurers count it.
    assert (operation.amount, operation.tender) == (6000, "cash")
    report = closes.shift_report(shop.clerk)
    assert report.by_tender["card"] == 6000
    assert report.by_tender["cash"] == 6000 + 4000  # the recharge's cash and the sale's
    assert report.operations["charge"] == {"count": 1, "amount": 10000}  # the whole sale
    assert verify(runtime.sealer).ok


def test_one_receipt_shows_both_parts(shop):
    number = shop.card(6000)
    sale = split_sale(shop, number, 10000, 4000)
    rows = receipt_rows(sale.receipt_id)
    assert (rows["Amount"], rows["By card"], rows["现金"]) == ("￥100.00", "￥60.00", "￥40.00")


@pytest.mark.parametrize("other", [0, 10000, 12000, -1])
def test_the_other_part_is_some_but_not_all_of_the_sale(shop, other):
    number = shop.card(20000)
    with pytest.raises(KioskError, match="less than all of it"):
        split_sale(shop, number, 10000, other)
    assert balances(number)["principal"] == 20000


def test_an_unknown_tender_is_refused(shop):
    number = shop.card(6000)
    with pytest.raises(KioskError) as refused:
        charge.charge(shop.clerk, card_number=number, amount=10000, pin=PIN, key=key(),
                      other=OtherTender("card", 4000))
    assert "card" in refused.value.render(lambda text: text)


def test_the_card_must_still_hold_its_part(shop, runtime):
    """The cashier took ¥40 in cash for a ¥60 card part; the card meanwhile holds less:
    nothing posts, the cashier offers again."""
    number = shop.card(5000)
    with pytest.raises(InsufficientFunds):
        split_sale(shop, number, 10000, 4000)
    assert balances(number)["principal"] == 5000
    assert not models.Operation.select().where(models.Operation.kind == "charge").exists()


def test_a_retry_posts_once_and_a_changed_split_is_a_new_sale(shop):
    number = shop.card(8000)
    sale_key = key()
    first = split_sale(shop, number, 10000, 4000, sale_key=sale_key)
    again = split_sale(shop, number, 10000, 4000, sale_key=sale_key)
    assert again.replayed and again.operation_id == first.operation_id
    assert balances(number)["principal"] == 2000
    with pytest.raises(IdempotencyConflict):
        split_sale(shop, number, 10000, 3000, sale_key=sale_key)


def test_refunds_give_back_to_card_and_cash_in_proportion(shop, runtime):
    number = shop.card(6000)
    sale = split_sale(shop, number, 10000, 4000)
    first = charge.refund(shop.clerk, original_operation_id=sale.operation_id, amount=2500,
                          key=key(), review=SUPERVISOR)
    assert (first.amount, first.on_card, first.other_amount) == (2500, 1500, 1000)
    assert balances(number)["principal"] == 1500
    with pytest.raises(KioskError, match="At most"):
        charge.refund(shop.clerk, original_operation_id=sale.operation_id, amount=7501,
                      key=key(), review=SUPERVISOR)
    rest = charge.refund(shop.clerk, original_operation_id=sale.operation_id, amount=7500,
                         key=key(), review=SUPERVISOR)
    assert (rest.on_card, rest.other_amount, rest.refunded_total) == (4500, 3000, 10000)
    assert balances(number)["principal"] == 6000
    assert models.Operation.get_by_id(sale.operation_id).reversed_amount == 6000
    report = closes.shift_report(shop.clerk)
    assert report.by_tender["card"] == 0  # charged 60, refunded 60
    assert report.by_tender["cash"] == 6000  # the recharge's; the sale's 40 went back
    assert verify(runtime.sealer).ok


def test_the_month_report_counts_a_split_sale_whole(shop):
    """As the shift report does: the sale's and the refund's amounts with both parts."""
    from kiosk.services import month_report
    number = shop.card(6000)
    sale = split_sale(shop, number, 10000, 4000)
    charge.refund(shop.clerk, original_operation_id=sale.operation_id, amount=2500,
                  key=key(), review=SUPERVISOR)
    report = month_report.month_report(shop.finance, shop.finance.now().strftime("%Y-%m"))
    totals = {kind: (count, amount) for kind, count, amount in report.operations}
    assert totals["charge"] == (1, 10000) and totals["refund"] == (1, 2500)


def test_a_refund_receipt_names_the_cash_given_back(shop):
    number = shop.card(6000)
    sale = split_sale(shop, number, 10000, 4000)
    back = charge.refund(shop.clerk, original_operation_id=sale.operation_id, amount=10000,
                         key=key(), review=SUPERVISOR)
    rows = receipt_rows(back.receipt_id)
    assert (rows["Amount"], rows["By card"], rows["现金"]) == ("￥100.00", "￥60.00", "￥40.00")


def test_the_daily_limit_counts_the_cards_part(shop):
    number = shop.card(6000)
    models.Card.update(daily_limit=6000).where(models.Card.number == number).execute()
    split_sale(shop, number, 10000, 4000)  # the card pays 60 of 100: within its limit


ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


@pytest.mark.race
def test_refunds_of_a_split_sale_racing_never_give_back_more_than_it_took(shop, runtime):
    with Racers(runtime.settings, shop.logins("clerk1", "clerk2") * 2) as racers:
        for _ in range(ROUNDS):
            number = shop.card(6000)
            sale = split_sale(shop, number, 10000, 4000)
            outcomes = racers.race(*[("refund", sale.operation_id, 4000, key())
                                     for _ in range(4)])
            assert sum(o.ok for o in outcomes) == 2, outcomes  # 40 + 40, then 20 left
            refunds = models.Operation.select().where(
                models.Operation.reverses == sale.operation_id)
            given = [json.loads(refund.result) for refund in refunds]
            assert sum(g["amount"] - g.get("other_amount", 0) for g in given) <= 6000
            assert sum(g.get("other_amount", 0) for g in given) <= 4000
            assert balances(number)["principal"] == sum(r.amount for r in refunds)
    assert verify(runtime.sealer).ok


def test_the_other_part_is_refunded_once_a_transfer_took_the_cards(shop, chain, runtime):
    """An insurance card's split sale, partly refunded, then filed for transfer to stored
    value (it takes what is left of the card's part): the cash the customer paid for the
    rest can still be given back, and the hint says what the refund does (the hostile
    tester's finding: the cash part was stranded, the hint said otherwise)."""
    from kiosk.services import admin, card_stock, insurance_transfers, members
    from tests.fuel_shop import OUTLET
    admin.save_product(chain, "INS", name="保险卡", kind="insurance", issuer="taikang")
    admin.save_product(chain, "SV", name="储值卡", kind="stored_value")
    for code, prefix in (("INS", "88880009"), ("SV", "88880008")):
        admin.open_product(chain, OUTLET, code, True)
        card_stock.receive_range(chain, product_code=code, prefix=prefix, first="0000000",
                                 count=2)
    holder = members.register(shop.clerk, members.MemberDetails(
        "李秀英", "13900139000", id_number="110101199003078515"))
    insurance, stored = _issued(shop, "INS", holder), _issued(shop, "SV", holder)
    models.Account.update(balance=50000).where(
        models.Account.card == models.Card.get(models.Card.number == insurance).id,
        models.Account.kind == "principal").execute()
    sale = charge.charge(shop.clerk, card_number=insurance, amount=60001, pin=PIN, key=key(),
                         other=OtherTender("cash", 10001))
    charge.refund(shop.clerk, original_operation_id=sale.operation_id, amount=7777,
                  key=key(), review=SUPERVISOR)
    insurance_transfers.file_request(shop.clerk, charge_operation_id=sale.operation_id,
                                     target_card_number=stored)
    hint = charge.check_refund(shop.clerk, sale.operation_id, 8705)
    assert (hint.on_card, hint.other) == (0, 8705)
    back = charge.refund(shop.clerk, original_operation_id=sale.operation_id, amount=8705,
                         key=key(), review=SUPERVISOR)
    assert (back.on_card, back.other_amount) == (0, 8705)
    with pytest.raises(KioskError):  # the cash part is all given back now
        charge.check_refund(shop.clerk, sale.operation_id, 1)


def _issued(shop, product: str, member_id) -> str:
    from kiosk.services import issuing
    number = issuing.next_blank(shop.clerk, product)
    issuing.record_written(shop.clerk, number)
    issuing.issue(shop.clerk, issuing.IssueRequest(number, member_id, PIN, 0, 0), key=key())
    return number
