"""Sub cards (副卡) from an empty store: several issued at once by the main card or the
customer's code, with one review past the product's limit and the first card's fee for
all; the list printed; a sub card upgraded to the main card of a lost one. Raced by
terminals on both backends; the ledger still verifies."""

from __future__ import annotations

import os

import pytest

from kiosk.errors import InvalidInput, KioskError, ReviewRequired
from kiosk.services import (allocation_templates, card_care, cards, customer_money, sub_cards,
                            transfers)
from kiosk.services.allocation_templates import TemplateLine
from kiosk.services.sub_cards import SubCardBatch
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import IN_CI
from tests.fuel_shop import PIN, SUB_CARD_LIMIT, SUPERVISOR, FuelShop, balances, key

ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime, deposit=2000)


def test_sub_cards_issued_together_by_the_customers_code(shop):
    code = shop.customer()
    main = shop.main_card(code)
    hint = sub_cards.room(shop.clerk, customer_code=code)
    assert (hint.main_number, hint.in_use, hint.limit, hint.deposit) == (
        main, 0, SUB_CARD_LIMIT, 2000)
    written = [shop.blank() for _ in range(2)]
    done = sub_cards.issue_sub_cards(shop.clerk, SubCardBatch(
        tuple(written), PIN, 0, 2000, customer_code=code), key="subs-1")
    assert (done.main_number, done.card_numbers, done.amount, done.in_use) == (
        main, written, 4000, 2)
    again = sub_cards.issue_sub_cards(shop.clerk, SubCardBatch(
        tuple(written), PIN, 0, 2000, customer_code=code), key="subs-1")
    assert again.replayed and again.operation_id == done.operation_id
    for number in written:
        card = cards.get_card(number)
        assert (card.status, card.main_card.number, card.customer.code, card.company) == (
            "active", main, code, True)
        assert balances(number)["deposit"] == 2000
    receipt = models.Receipt.get(models.Receipt.operation == done.operation_id)
    assert all(number[-4:] in receipt.document for number in written)
    assert [row.number for row in sub_cards.sub_cards(shop.clerk, main)] == sorted(written)
    assert verify(shop.runtime.sealer).ok


def test_a_batch_past_the_limit_is_reviewed_once_and_fees_are_the_first_cards(shop):
    main = shop.main_card(shop.customer())
    shop.sub_card(main)
    written = tuple(shop.blank() for _ in range(3))  # 1 + 3 passes the limit of 3
    assert sub_cards.room(shop.clerk, main_number=main).over_limit(3)
    with pytest.raises(ReviewRequired, match="More sub cards"):
        sub_cards.issue_sub_cards(shop.clerk, SubCardBatch(written, PIN, 0, 2000,
                                                           main_number=main), key=key())
    with pytest.raises(ReviewRequired):  # a fee other than the product's: review too
        sub_cards.issue_sub_cards(shop.clerk, SubCardBatch(written[:1], PIN, 500, 2000,
                                                           main_number=main), key=key())
    done = sub_cards.issue_sub_cards(shop.clerk, SubCardBatch(written, PIN, 500, 1000,
                                                              main_number=main),
                                     key=key(), review=SUPERVISOR)
    assert (done.in_use, done.amount, done.fee, done.deposit) == (4, 4500, 500, 1000)
    assert [balances(n)["deposit"] for n in written] == [1000, 1000, 1000]
    operation = models.Operation.get_by_id(done.operation_id)
    assert (operation.kind, operation.reviewer.login_id, operation.amount) == (
        "sub_card_issue", "super1", 4500)
    assert verify(shop.runtime.sealer).ok


def test_a_batch_issues_all_or_nothing_and_says_which_main_card(shop):
    code = shop.customer()
    main, other_main = shop.main_card(code), shop.main_card(code)
    with pytest.raises(InvalidInput, match="2 main cards"):
        sub_cards.room(shop.clerk, customer_code=code)
    written, unwritten = shop.blank(), shop.stock()[0]
    with pytest.raises(InvalidInput, match="Write the card"):
        sub_cards.issue_sub_cards(shop.clerk, SubCardBatch(
            (written, unwritten), PIN, 0, 2000, main_number=main), key=key())
    assert cards.get_card(written).status == "written"  # nothing issued
    with pytest.raises(InvalidInput, match="6 digits"):
        sub_cards.issue_sub_cards(shop.clerk, SubCardBatch((written,), "12", 0, 2000,
                                                           main_number=main), key=key())
    with pytest.raises(InvalidInput, match="not a main card"):
        sub_cards.room(shop.clerk, main_number=other_main, customer_code=shop.customer("别家"))
    sub = shop.sub_card(main)
    with pytest.raises(InvalidInput, match="cannot take sub cards"):
        sub_cards.room(shop.clerk, main_number=sub)


def test_the_list_of_sub_cards_is_printed(shop):
    main = shop.main_card(shop.customer())
    subs = [shop.sub_card(main) for _ in range(2)]
    from kiosk.hw.printer import SimPrinter
    printer = SimPrinter(shop.runtime.settings.receipts_dir)
    assert sub_cards.print_list(shop.clerk, printer, main) == 2
    printed = sorted(shop.runtime.settings.receipts_dir.glob("sub-cards-*.txt"))[-1].read_text(
        encoding="utf-8")
    assert all(number[-4:] in printed for number in subs) and "SUB CARDS" in printed


def test_a_sub_card_takes_the_place_of_a_lost_main_card(shop):
    code = shop.customer(funds=100000)
    main = shop.main_card(code, balance=60000)
    first, second = shop.sub_card(main), shop.sub_card(main)
    transfers.allocate(shop.clerk, main_number=main, sub_number=first, amount=10000,
                       key=key())
    template = allocation_templates.save(shop.clerk, code, name="每月", main_card_number=main,
                                        lines=[TemplateLine(first, 100),
                                               TemplateLine(second, 200)])
    with pytest.raises(ReviewRequired):
        sub_cards.upgrade_sub_card(shop.clerk, first, key=key())
    with pytest.raises(KioskError, match="not reported lost"):
        sub_cards.upgrade_sub_card(shop.clerk, first, key=key(), review=SUPERVISOR)
    card_care.report_loss(shop.clerk, main, "0000")
    with pytest.raises(InvalidInput, match="not a sub card"):
        sub_cards.upgrade_sub_card(shop.clerk, main, key=key(), review=SUPERVISOR)
    done = sub_cards.upgrade_sub_card(shop.clerk, first, key="upgrade", review=SUPERVISOR)
    assert (done.card_number, done.old_main_number, done.principal_after, done.deposit,
            done.sub_cards) == (first, main, 60000, 4000, 1)
    assert cards.get_card(main).status == "replaced"
    assert cards.get_card(main).replaced_by.number == first
    assert cards.get_card(first).main_card_id is None
    assert cards.get_card(second).main_card.number == first
    assert balances(main) == {"principal": 0, "bonus": 0, "points": 0, "deposit": 0}
    moved = allocation_templates.templates(shop.clerk, code)[0]
    assert moved.main_card_number == first and [line.card_number for line in moved.lines] == [second]
    allocation_templates.run(shop.clerk, template.template_id, key=key())
    customer_money.allocate(shop.clerk, customer_code=code, card_number=first, amount=100,
                            key=key())  # the customer's main card now
    assert sub_cards.upgrade_sub_card(shop.clerk, first, key="upgrade",
                                      review=SUPERVISOR).replayed
    assert verify(shop.runtime.sealer).ok


@pytest.mark.race
def test_two_batches_at_once_never_pass_the_limit_without_review(shop):
    from tests.racing import Racers
    shop.deposit = 0
    models.CardProduct.update(deposit=0).execute()
    logins = shop.logins("clerk1", "clerk2")
    with Racers(shop.runtime.settings, logins) as racers:
        for _ in range(ROUNDS):
            main = shop.main_card(shop.customer())
            batches = [[shop.blank() for _ in range(2)] for _ in range(2)]
            outcomes = racers.race(*[("issue_sub_cards", main, batch, key())
                                     for batch in batches])
            assert sum(o.ok for o in outcomes) == 1, outcomes  # 2 + 2 passes 3
            assert [o.value for o in outcomes if not o.ok] == ["ReviewRequired"], outcomes
            assert len(sub_cards.sub_cards(shop.clerk, main)) == 2
    assert verify(shop.runtime.sealer).ok


@pytest.mark.race
def test_two_sub_cards_upgraded_at_once_make_one_main_card(shop):
    from tests.racing import Racers
    logins = shop.logins("clerk1", "clerk2")
    with Racers(shop.runtime.settings, logins) as racers:
        for _ in range(ROUNDS):
            code = shop.customer(funds=50000)
            main = shop.main_card(code, balance=50000)
            subs = [shop.sub_card(main) for _ in range(2)]
            card_care.report_loss(shop.clerk, main, "0000")
            outcomes = racers.race(*[("upgrade_sub_card", number, key()) for number in subs])
            winners = [o.value for o in outcomes if o.ok]
            assert len(winners) == 1, outcomes
            loser = next(number for number in subs if number not in winners)
            assert balances(winners[0])["principal"] == 50000
            assert balances(main)["principal"] == 0 and balances(loser)["principal"] == 0
            assert cards.get_card(loser).main_card.number == winners[0]
    assert verify(shop.runtime.sealer).ok


def test_an_upgrade_takes_the_lost_main_cards_money_past_the_card_limit(shop):
    """The sub card receives what the lost main card held: money already sold on a card
    of the customer's moves on, as a replacement's does, whatever the one-card limit."""
    code = shop.customer(funds=600000)
    main = shop.main_card(code, balance=500000)  # the named card's limit, ¥5,000
    sub = shop.sub_card(main)
    transfers.allocate(shop.clerk, main_number=main, sub_number=sub, amount=200000,
                       key=key())
    customer_money.allocate(shop.clerk, customer_code=code, card_number=main, amount=100000,
                            key=key())
    card_care.report_loss(shop.clerk, main, "0000")
    done = sub_cards.upgrade_sub_card(shop.clerk, sub, key=key(), review=SUPERVISOR)
    assert done.principal_after == 600000 and balances(main)["principal"] == 0
    assert verify(shop.runtime.sealer).ok
