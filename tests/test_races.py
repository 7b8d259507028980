"""The money path under concurrency: several terminal processes race over many rounds,
on SQLite and on PostgreSQL, and every round is judged by invariants of the store
(never more taken back than charged, limits held, at most three tries checked per lock
window, no credit on a dead card), never by timing.

Runs with the `race` marker: every round count below in CI (and with KIOSK_SLOW=1),
three rounds on a bare laptop.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest

from kiosk.services import admin, card_care, cards, charge, insurance_transfers, issuing
from kiosk.services import closes, operators, recharge
from kiosk.services.accounts import open_card_accounts
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import (INS_CARD, IN_CI, MAIN_CARD, MEM_CARD, SUB_CARD, SV_CARD,
                            login_as)
from tests.racing import SUPERVISOR, Racers

pytestmark = pytest.mark.race

ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3
PIN = "123456"


def key() -> str:
    return uuid.uuid4().hex


def judged(runtime) -> None:
    report = verify(runtime.sealer)
    assert report.ok, report.violations


def operation(operation_id: int) -> models.Operation:
    return models.Operation.get_by_id(operation_id)


def balances(number: str) -> dict[str, int]:
    return {account.kind: account.balance for account in
            models.Account.select().join(models.Card).where(models.Card.number == number)}


def new_written_blank(clerk, like_number: str) -> str:
    number = issuing.next_blank_like(clerk, like_number)
    issuing.record_written(clerk, number)
    return number


def add_blanks(product_code: str, count: int, prefix: str) -> None:
    from kiosk.hw.tracks import luhn_complete
    product = models.CardProduct.get(models.CardProduct.code == product_code)
    outlet = models.Outlet.get()
    for serial in range(count):
        card = models.Card.create(number=luhn_complete(f"{prefix}{serial:07d}"),
                                  product=product, status="blank", outlet=outlet)
        open_card_accounts(card)


# -- a charge taken back: refunds, insurance transfers, recharge reversals ------------------
def test_the_same_charge_refunded_by_four_terminals_at_once(seeded):
    cashier = login_as(seeded, "cashier1")
    with Racers(seeded.settings, [("cashier1", "T01"), ("cashier1", "T02")] * 2) as racers:
        for _ in range(ROUNDS):
            sale = charge.charge(cashier, card_number=SV_CARD, amount=1000, pin=PIN, key=key())
            outcomes = racers.race(*[("refund", sale.operation_id, 1000, key()) for _ in range(4)])
            assert sum(o.ok for o in outcomes) == 1, outcomes
            assert operation(sale.operation_id).reversed_amount == 1000
    judged(seeded)


def test_partial_refunds_racing_never_exceed_the_charge(seeded):
    cashier = login_as(seeded, "cashier1")
    with Racers(seeded.settings, [("cashier1", "T01"), ("cashier1", "T02")] * 2) as racers:
        for _ in range(ROUNDS):
            sale = charge.charge(cashier, card_number=SV_CARD, amount=1000, pin=PIN, key=key())
            outcomes = racers.race(*[("refund", sale.operation_id, 400, key()) for _ in range(4)])
            assert sum(o.ok for o in outcomes) == 2, outcomes  # 400 + 400, then 200 left
    judged(seeded)


@pytest.fixture
def insurance_holder_card(seeded) -> str:
    """A stored-value card of the insurance card's holder, to receive transfers."""
    clerk = login_as(seeded, "clerk1", "T02")
    number = new_written_blank(clerk, SV_CARD)
    member = cards.get_card(INS_CARD).member_id
    issuing.issue(clerk, issuing.IssueRequest(number, member, "246810", 1000, 0), key=key())
    return number


@pytest.mark.parametrize("tills", [[("cashier1", "T01"), ("clerk1", "T02")],
                                   [("clerk1", "T02"), ("super1", "T02")]],
                         ids=["two terminals", "one terminal's audit chain"])
def test_a_refund_and_a_transfer_request_for_one_charge_never_both_pay(
        seeded, insurance_holder_card, tills):
    """On one terminal both take its audit chain's head and the charge's row: in the
    same order (a request once locked the charge first, and the two deadlocked)."""
    cashier = login_as(seeded, "cashier1")
    with Racers(seeded.settings, tills * 2) as racers:
        for _ in range(ROUNDS):
            sale = charge.charge(cashier, card_number=INS_CARD, amount=1000, pin=PIN,
                                 key=key())
            outcomes = racers.race(
                ("refund", sale.operation_id, 1000, key()),
                ("file_transfer", sale.operation_id, insurance_holder_card),
                ("refund", sale.operation_id, 1000, key()),
                ("file_transfer", sale.operation_id, insurance_holder_card))
            refunded = sum(o.value for o in outcomes[0::2] if o.ok)
            filed = models.InsuranceTransfer.select().where(
                models.InsuranceTransfer.charge == sale.operation_id).count()
            assert refunded + filed * 1000 == 1000, outcomes  # exactly one side got it
            assert "StoreUnavailable" not in [o.value for o in outcomes], outcomes
    judged(seeded)


def test_one_recharge_reversed_by_four_terminals_at_once(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    with Racers(seeded.settings, [("clerk1", "T01"), ("clerk1", "T02")] * 2) as racers:
        for _ in range(ROUNDS):
            money_in = recharge.recharge(clerk, card_number=SV_CARD, amount=1000,
                                         tender="cash", key=key())
            outcomes = racers.race(*[("reverse_recharge", money_in.operation_id, key())
                                     for _ in range(4)])
            assert sum(o.ok for o in outcomes) == 1, outcomes
            assert models.Operation.select().where(
                models.Operation.reverses == money_in.operation_id).count() == 1
    judged(seeded)


# -- limits --------------------------------------------------------------------------------
def test_the_daily_limit_holds_against_four_charges_at_once(seeded):
    cashier, clerk = login_as(seeded, "cashier1"), login_as(seeded, "clerk1", "T02")
    card = cards.get_card(SV_CARD)
    with Racers(seeded.settings, [("cashier1", "T01"), ("cashier1", "T02")] * 2) as racers:
        for _ in range(ROUNDS):
            day = charge.current_business_date(cashier)
            spent = _spent_today(card.id, day)
            card_care.set_restrictions(clerk, SV_CARD, card_care.Restrictions(spent + 1000))
            outcomes = racers.race(*[("charge", SV_CARD, 600, key()) for _ in range(4)])
            assert sum(o.ok for o in outcomes) == 1, outcomes
            assert _spent_today(card.id, day) <= spent + 1000
    judged(seeded)


def _spent_today(card_id: int, day) -> int:
    from kiosk.store import cards as card_store
    return card_store.net_spent(card_id, day)


# -- credits never land on a dead card -----------------------------------------------------
def test_a_refund_racing_the_cards_replacement_lands_on_the_live_card(seeded):
    cashier, clerk = login_as(seeded, "cashier1"), login_as(seeded, "clerk1", "T02")
    add_blanks("SV", ROUNDS, "8888008")  # a new card each round
    number = SV_CARD
    with Racers(seeded.settings, [("cashier1", "T01"), ("clerk1", "T02")] * 2) as racers:
        for _ in range(ROUNDS):
            sale = charge.charge(cashier, card_number=number, amount=500, pin=PIN, key=key())
            blank = new_written_blank(clerk, number)
            outcomes = racers.race(("refund", sale.operation_id, 500, key()),
                                   ("replace", number, blank, key()),
                                   ("refund", sale.operation_id, 500, key()),
                                   ("replace", number, blank, key()))
            assert sum(o.ok for o in outcomes[0::2]) == 1, outcomes
            assert sum(o.ok for o in outcomes[1::2]) == 1, outcomes
            assert not any(balances(number).values()), "money left on the replaced card"
            number = blank
    judged(seeded)


def test_a_transfer_approved_while_its_card_is_replaced_credits_the_new_card(
        seeded, insurance_holder_card):
    cashier, clerk = login_as(seeded, "cashier1"), login_as(seeded, "clerk1", "T02")
    add_blanks("SV", ROUNDS, "8888008")  # a new card each round
    target = insurance_holder_card
    with Racers(seeded.settings, [("finance1", "T01"), ("clerk1", "T02")] * 2) as racers:
        for _ in range(ROUNDS):
            sale = charge.charge(cashier, card_number=INS_CARD, amount=1000, pin=PIN,
                                 key=key())
            request = insurance_transfers.file_request(
                clerk, charge_operation_id=sale.operation_id, target_card_number=target)
            blank = new_written_blank(clerk, target)
            outcomes = racers.race(("approve_transfer", request), ("replace", target, blank, key()),
                                   ("approve_transfer", request), ("replace", target, blank, key()))
            assert sum(o.ok for o in outcomes[0::2]) >= 1, outcomes  # the replay answers too
            assert not any(balances(target).values()), "money left on the replaced card"
            target = blank
    judged(seeded)


def test_an_allocation_racing_the_sub_cards_replacement_never_strands_money(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    add_blanks("CORP", ROUNDS, "8888009")
    sub = SUB_CARD
    with Racers(seeded.settings, [("clerk1", "T01"), ("clerk1", "T02")] * 2) as racers:
        for _ in range(ROUNDS):
            blank = new_written_blank(clerk, sub)
            outcomes = racers.race(("allocate", MAIN_CARD, sub, 1000, key()),
                                   ("replace", sub, blank, key()),
                                   ("allocate", MAIN_CARD, sub, 1000, key()),
                                   ("replace", sub, blank, key()))
            assert sum(o.ok for o in outcomes[1::2]) == 1, outcomes
            assert not any(balances(sub).values()), "money left on the replaced sub card"
            assert cards.get_card(blank).main_card_id == cards.get_card(MAIN_CARD).id
            sub = blank
    judged(seeded)


# -- three tries, however many guesses arrive at once --------------------------------------
def _wrong_checks_since(action: str, subject: str, after_id: int) -> list[int]:
    """The try number each wrong check recorded (1, 2, 3 in one lock window)."""
    events = models.AuditEvent.select().where(models.AuditEvent.action == action,
                                              models.AuditEvent.subject == subject,
                                              models.AuditEvent.id > after_id)
    return [json.loads(event.details)["failures"] for event in events]


def _last_event_id() -> int:
    last = models.AuditEvent.select().order_by(models.AuditEvent.id.desc()).first()
    return last.id if last else 0


def test_ten_pin_guesses_at_once_get_three_checks(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    logins = [("cashier1", "T01"), ("cashier1", "T02")] * 3
    with Racers(seeded.settings, logins) as racers:
        for round_number in range(ROUNDS):
            card_care.unlock_pin(clerk, SV_CARD, "8515")
            before = _last_event_id()
            right_pin_racer = round_number % 2 == 0  # every other round one guess is right
            tasks = [("charge", SV_CARD, 100, key(), f"00000{n}") for n in range(5)]
            if right_pin_racer:
                tasks.append(("charge", SV_CARD, 100, key(), PIN))
            else:
                tasks.append(("charge", SV_CARD, 100, key(), "000009"))
            outcomes = racers.race(*tasks)
            wrong = _wrong_checks_since("pin.wrong", f"card:{SV_CARD}", before)
            rights = sum(o.ok for o in outcomes)
            assert all(1 <= n <= 3 for n in wrong), wrong
            assert len(wrong) <= 3 * (rights + 1), (wrong, outcomes)
            if not rights:
                assert len(wrong) <= 3
                assert cards.get_card(SV_CARD).pin_locked == (len(wrong) == 3)
    judged(seeded)


def test_wrong_pins_and_charges_of_one_card_at_one_till_never_deadlock(seeded):
    """One terminal (its counter and its POS thread) charging a card while wrong PINs are
    typed for it: a wrong PIN's count (the card's row) and its audit event (the
    terminal's chain) are taken in the order an operation takes them, so neither side is
    ever a deadlock's victim ("store unavailable")."""
    clerk = login_as(seeded, "clerk1", "T02")
    with Racers(seeded.settings, [("cashier1", "T01")] * 4) as racers:
        for _ in range(ROUNDS):
            card_care.unlock_pin(clerk, SV_CARD, "8515")
            outcomes = racers.race(("charge", SV_CARD, 100, key(), PIN),
                                   ("charge", SV_CARD, 100, key(), "000001"),
                                   ("charge", SV_CARD, 100, key(), PIN),
                                   ("charge", SV_CARD, 100, key(), "000002"))
            assert "StoreUnavailable" not in [o.value for o in outcomes], outcomes
            assert all(o.ok for o in outcomes[0::2]), outcomes
    judged(seeded)


def test_parallel_password_guesses_get_three_checks_and_lock(seeded):
    admin_session, supervisor = login_as(seeded, "admin1"), login_as(seeded, "super1", "T02")
    admin.add_operator(admin_session, "31010001", "victim1", "受害者", "cashier", "Victim123")
    victim = models.Operator.get(models.Operator.login_id == "victim1")
    logins = [("cashier1", "T01"), ("clerk1", "T02")] * 3
    with Racers(seeded.settings, logins) as racers:
        for _ in range(ROUNDS):
            operators.unlock(supervisor, operator_id=victim.id)
            before = _last_event_id()
            outcomes = racers.race(*[("log_in", "31010001", "victim1", f"Wrong{n}99")
                                     for n in range(6)])
            wrong = _wrong_checks_since("login.failed", "operator:victim1", before)
            assert not any(o.ok for o in outcomes)
            assert len(wrong) <= 3 and all(1 <= n <= 3 for n in wrong), wrong
            assert models.Operator.get_by_id(victim.id).locked == (len(wrong) == 3)
            if len(wrong) == 3:  # locked: now even the right password is refused
                with pytest.raises(operators.LoginFailed):
                    operators.login(supervisor, outlet_code="31010001", login_id="victim1",
                                    password="Victim123")
    judged(seeded)


def test_right_pins_at_once_all_pay(seeded):
    """Four tills charging one company card with its right PIN at the same moment: every
    sale goes through (a running check waits for a slot, it is not told "locked")."""
    with Racers(seeded.settings, [("cashier1", "T01"), ("cashier1", "T02")] * 3) as racers:
        for _ in range(ROUNDS):
            outcomes = racers.race(*[("charge", MAIN_CARD, 100, key(), PIN) for _ in range(6)])
            assert all(o.ok for o in outcomes), outcomes
    assert not cards.get_card(MAIN_CARD).pin_locked
    judged(seeded)


def test_two_redemptions_never_spend_the_same_points(seeded):
    """Four tills redeeming from one membership card at once, each more than a third of
    its points: exactly two go through, and the points taken are exactly theirs. Four
    tills retrying one redemption under one key: it is spent once."""
    from kiosk.services import points
    cashier = login_as(seeded, "cashier1")
    with Racers(seeded.settings, [("cashier1", "T01"), ("cashier1", "T02")] * 2) as racers:
        for _ in range(ROUNDS):
            points.member_sale(cashier, card_number=MEM_CARD, amount=100000, tender="cash",
                               key=key())
            before = balances(MEM_CARD)["points"]
            each = before // 3 + 1
            outcomes = racers.race(*[("redeem_points", MEM_CARD, each, key())
                                     for _ in range(4)])
            assert sum(o.ok for o in outcomes) == 2, outcomes
            assert balances(MEM_CARD)["points"] == before - 2 * each
            once = key()
            outcomes = racers.race(*[("redeem_points", MEM_CARD, 100, once) for _ in range(4)])
            assert all(o.ok for o in outcomes), outcomes
            assert balances(MEM_CARD)["points"] == before - 2 * each - 100
    judged(seeded)


def test_a_review_prompt_never_locks_the_reviewers_login(seeded):
    cashier = login_as(seeded, "cashier1")
    sale = charge.charge(cashier, card_number=SV_CARD, amount=500, pin=PIN, key=key())
    for refused in (operators.ReviewFailed, operators.ReviewFailed, operators.ReviewsLocked):
        with pytest.raises(refused):
            charge.refund(cashier, original_operation_id=sale.operation_id, amount=100,
                          key=key(), review=charge.Review("super1", "Wrong1234"))
    with pytest.raises(operators.ReviewsLocked):  # even with the right password now
        charge.refund(cashier, original_operation_id=sale.operation_id, amount=100,
                      key=key(), review=SUPERVISOR)
    supervisor = login_as(seeded, "super1", "T02")  # the login still works, and clears it
    assert not models.Operator.get(models.Operator.login_id == "super1").locked
    charge.refund(cashier, original_operation_id=sale.operation_id, amount=100, key=key(),
                  review=SUPERVISOR)
    assert supervisor.actor.operator_id


def test_a_locked_or_deactivated_operators_open_session_is_refused(seeded):
    from kiosk.errors import PermissionDenied
    cashier, admin_session = login_as(seeded, "cashier1"), login_as(seeded, "admin1")
    admin.lock_operator(admin_session, "31010001", "cashier1")
    with pytest.raises(PermissionDenied, match="locked or deactivated"):
        charge.charge(cashier, card_number=SV_CARD, amount=100, pin=PIN, key=key())
    admin.unlock_operator(admin_session, "31010001", "cashier1")
    charge.charge(cashier, card_number=SV_CARD, amount=100, pin=PIN, key=key())
    models.Operator.update(active=False).where(
        models.Operator.login_id == "cashier1").execute()
    with pytest.raises(PermissionDenied, match="locked or deactivated"):
        charge.charge(cashier, card_number=SV_CARD, amount=100, pin=PIN, key=key())


def test_another_outlet_cannot_refund_this_outlets_charge(seeded):
    from kiosk.errors import PermissionDenied
    cashier, admin_session = login_as(seeded, "cashier1"), login_as(seeded, "admin1")
    sale = charge.charge(cashier, card_number=SV_CARD, amount=500, pin=PIN, key=key())
    admin.save_outlet(admin_session, admin.OutletDetails("31010002", "分店"))
    models.Operation.update(outlet=models.Outlet.get(models.Outlet.code == "31010002")).where(
        models.Operation.id == sale.operation_id).execute()
    with pytest.raises(PermissionDenied, match="another outlet"):
        charge.refund(cashier, original_operation_id=sale.operation_id, amount=500, key=key(),
                      review=SUPERVISOR)


def test_a_check_that_died_mid_hash_does_not_block_the_card_for_ever(seeded, monkeypatch):
    """Three terminals killed while checking a PIN leave their slots taken; the next
    check waits, then frees them: the card still works, its wrong tries still count."""
    from kiosk.services import lockout
    monkeypatch.setattr(lockout, "BUSY_WAITS", (0.0,))
    models.Card.update(pin_checks=3, pin_failures=1).where(
        models.Card.number == SV_CARD).execute()
    cashier = login_as(seeded, "cashier1")
    charge.charge(cashier, card_number=SV_CARD, amount=100, pin=PIN, key=key())
    with pytest.raises(cards.WrongPin):
        charge.charge(cashier, card_number=SV_CARD, amount=100, pin="000000", key=key())
    card = cards.get_card(SV_CARD)
    assert (card.pin_checks, card.pin_failures) == (0, 1)


def test_nothing_posts_into_a_shift_after_its_close(seeded):
    """A recharge racing the supervisor's close of the clerk's shift either lands before
    the close (and the close's recorded cash counts it) or is refused: the figure the
    close recorded is what the shift holds for ever after."""
    with Racers(seeded.settings, [("clerk1", "T02"), ("super1", "T01")]) as racers:
        for _ in range(ROUNDS):
            shift_id = login_as(seeded, "clerk1", "T02").actor.shift_id
            posted, closed = racers.race(
                ("recharge_in_shift", shift_id, SV_CARD, 5000, key()),
                ("close_shift", shift_id, key()))
            assert closed.ok
            assert posted.ok or posted.value == "ShiftClosed"
            close = models.Operation.get(models.Operation.kind == "shift_close",
                                         models.Operation.memo == f"shift {shift_id}")
            recorded = json.loads(close.result)["cash_expected"]
            assert recorded == closes._cash_moved(shift_id)
            assert recorded == (5000 if posted.ok else 0)
    judged(seeded)


def test_a_transfer_approved_and_rejected_at_once_is_one_or_the_other(
        seeded, insurance_holder_card):
    """Finance on two terminals deciding one request both ways at once: it is approved
    (the card credited, the charge's amount kept taken) or rejected (nothing credited,
    the amount given back to the charge), never both."""
    cashier, clerk = login_as(seeded, "cashier1"), login_as(seeded, "clerk1", "T02")
    target = insurance_holder_card
    with Racers(seeded.settings, [("finance1", "T01"), ("finance1", "T02")] * 2) as racers:
        for _ in range(ROUNDS):
            sale = charge.charge(cashier, card_number=INS_CARD, amount=1000, pin=PIN,
                                 key=key())
            request = insurance_transfers.file_request(
                clerk, charge_operation_id=sale.operation_id, target_card_number=target)
            before = balances(target)["principal"]
            outcomes = racers.race(("approve_transfer", request), ("reject_transfer", request),
                                   ("approve_transfer", request), ("reject_transfer", request))
            approved = any(o.ok for o in outcomes[0::2])
            rejected = any(o.ok for o in outcomes[1::2])
            assert approved != rejected, outcomes
            status = models.InsuranceTransfer.get_by_id(request).status
            assert status == ("approved" if approved else "rejected"), outcomes
            assert balances(target)["principal"] == before + (1000 if approved else 0)
            assert operation(sale.operation_id).reversed_amount == (1000 if approved else 0)
    judged(seeded)


def test_a_refund_of_a_members_sale_and_the_members_next_sale_never_deadlock(
        seeded, insurance_holder_card):
    """A sale paid by one card while the member's membership card earns its points
    locks both cards in id order; a refund of such a sale, racing the member's next
    sale, must lock them in that same order (points come back from the membership
    card): otherwise the two wait on each other in a circle, and PostgreSQL kills one
    (retried, a second lost at the till each time; after six, "store unavailable")."""
    cashier = login_as(seeded, "cashier1")
    paying = insurance_holder_card  # issued after the demo's cards: a higher id
    assert cards.get_card(paying).id > cards.get_card(MEM_CARD).id
    recharge.recharge(login_as(seeded, "clerk1", "T02"), card_number=paying,
                      amount=ROUNDS * 10000, tender="cash", key=key())
    logins = [("cashier1", "T01"), ("cashier1", "T02")] * 2
    with Racers(seeded.settings, logins) as racers:
        for _ in range(ROUNDS):
            sales = [charge.charge(cashier, card_number=paying, amount=1000, pin="246810",
                                   key=key(), member_card_number=MEM_CARD).operation_id
                     for _ in range(2)]
            outcomes = racers.race(
                ("refund", sales[0], 1000, key()),
                ("charge_for_member", paying, 100, key(), "246810", MEM_CARD),
                ("refund", sales[1], 1000, key()),
                ("charge_for_member", paying, 100, key(), "246810", MEM_CARD))
            assert all(o.ok for o in outcomes), outcomes
        assert racers.deadlocks() == 0, "refunds and sales deadlocked"
    judged(seeded)


def test_an_allocation_racing_the_main_cards_replacement_never_deadlocks(seeded):
    """A main card replaced while it allocates to its sub card: the allocation locks the
    two cards in id order; the replacement locks the main card, then moves its sub
    cards (their rows). Once the main card is itself a replacement (an id above its sub
    card's) the two wait on each other in a circle, unless the replacement locks the
    sub cards in the same order."""
    clerk = login_as(seeded, "clerk1", "T02")
    add_blanks("CORP", ROUNDS + 1, "8888019")
    main = MAIN_CARD
    with Racers(seeded.settings, [("clerk1", "T01"), ("clerk1", "T02")] * 2) as racers:
        for _ in range(ROUNDS):
            blank = new_written_blank(clerk, main)
            outcomes = racers.race(("allocate", main, SUB_CARD, 100, key()),
                                   ("replace", main, blank, key()),
                                   ("allocate", main, SUB_CARD, 100, key()),
                                   ("replace", main, blank, key()))
            assert sum(o.ok for o in outcomes[1::2]) == 1, outcomes
            assert not any(balances(main).values()), "money left on the replaced main card"
            assert cards.get_card(SUB_CARD).main_card_id == cards.get_card(blank).id
            main = blank
        assert racers.deadlocks() == 0, "allocations and replacements deadlocked"
    judged(seeded)
