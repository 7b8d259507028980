"""Insurers that keep their cards' balances and deduct online (亿保卡 at the pharmacy),
from an empty store, against a real HTTP insurer on 127.0.0.1 (tests/insurer_server.py):
the journal posts only what the insurer confirmed, a lost answer is settled by query or
cancel under the sale's key, and nothing is ever deducted twice for one sale, on four
terminals at once. Insurers without the interface keep the balance held by us."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from kiosk.errors import InvalidInput, KioskError, PermissionDenied
from kiosk.services import admin, cards, charge, insurer_cards, insurer_online, receipts
from kiosk.services.accounts import issuer_account
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import IN_CI
from tests.insurer_server import InsurerServer
from tests.racing import Racers
from tests.test_insurer_cards import (FINANCE_2, HELD, INSURER, OUTLET, card_file, card_number,
                                      id_number, key, operator, pin_of, reviewed, set_up_insurer)


def register_held_cards(finance1, finance2, tmp_path, count: int = 1) -> list[str]:
    """Cards of 泰康 whose balance the insurer keeps (由保险公司记账)."""
    rows = [(card_number(n), f"持卡人{n}", id_number(n), HELD) for n in range(1, count + 1)]
    insurer_cards.run(finance2, reviewed(finance1, FINANCE_2, card_file(tmp_path, rows)))
    return [number for number, *_ in rows]


@pytest.fixture
def online(chain, runtime, tmp_path):
    finance1, finance2, cashier = set_up_insurer(chain, runtime)
    number, = register_held_cards(finance1, finance2, tmp_path)
    with InsurerServer(opening=50000) as server:
        insurer_online.set_link(chain, INSURER, online=True, url=server.url,
                                timeout_seconds=1)
        yield SimpleNamespace(chain=chain, runtime=runtime, finance=finance1,
                              cashier=cashier, card=number, pin=pin_of(id_number(1)),
                              server=server)


def sell(o, amount: int, sale_key: str | None = None, **more):
    return charge.charge(o.cashier, card_number=o.card, amount=amount, pin=o.pin,
                         key=sale_key or key(), **more)


def posted_charges(card: str) -> list[models.Operation]:
    return list(models.Operation.select().join(models.Card, on=models.Operation.card == models.Card.id)
                .where(models.Card.number == card, models.Operation.kind == "charge"))


def deduction(sale_key: str) -> models.InsurerDeduction:
    return models.InsurerDeduction.get(models.InsurerDeduction.key == sale_key)


def test_an_online_insurer_deducts_and_the_journal_posts_what_it_confirmed(online):
    view = charge.for_sale(online.cashier, online.card)
    assert view.at_insurer and view.principal == 50000 and view.refusal is None
    sale_key = key()
    result = sell(online, 12000, sale_key)
    assert result.insurer_reference and result.principal_after == 38000
    assert online.server.book.deducted() == {sale_key: 12000}
    assert cards.balances(cards.get_card(online.card))["principal"] == 0  # never ours
    till = issuer_account(INSURER, outlet_id=online.cashier.actor.outlet_id,
                          terminal_id=online.cashier.actor.terminal_id)
    assert till.balance == 12000  # the insurer owes the outlet, as for a held card
    again = sell(online, 12000, sale_key)
    assert again.replayed and again.operation_id == result.operation_id
    assert online.server.book.deducted() == {sale_key: 12000}
    assert deduction(sale_key).status == "posted"
    receipt = models.Receipt.get(models.Receipt.operation == result.operation_id)
    rows = dict(receipts.stored_document(receipt).rows)
    assert rows["Deducted online by the insurer"] == result.insurer_reference
    assert rows["Balance at the insurer"].endswith("380.00") and "Principal balance" not in rows
    assert verify(online.runtime.sealer).ok


# -- a refund at the counter: the insurer gives it back first ------------------------------
@pytest.fixture
def supervisor(online):
    from tests.test_insurer_cards import operator
    operator(online.chain, online.runtime, "super1", "Super1234", "supervisor", "T02")
    return charge.Review("super1", "Super1234")


def refund(o, sale, amount: int, review, refund_key: str | None = None):
    return charge.refund(o.cashier, original_operation_id=sale.operation_id, amount=amount,
                         key=refund_key or key(), review=review)


def test_a_refund_of_an_online_charge_is_given_back_by_the_insurer_then_posted(
        online, supervisor):
    sale = sell(online, 12000)
    refund_key = key()
    done = refund(online, sale, 3000, supervisor, refund_key)
    assert online.server.book.balance(online.card) == 41000  # 50000 - 12000 + 3000
    assert online.server.book.deducted() == {paid_key(sale): 12000, refund_key: -3000}
    assert deduction(refund_key).status == "posted"
    assert cards.balances(cards.get_card(online.card))["principal"] == 0  # never ours
    till = issuer_account(INSURER, outlet_id=online.cashier.actor.outlet_id,
                          terminal_id=online.cashier.actor.terminal_id)
    assert models.Account.get_by_id(till.id).balance == 9000  # owed: what is left of it
    again = refund(online, sale, 3000, supervisor, refund_key)  # the same refund again
    assert again.replayed and again.operation_id == done.operation_id
    assert online.server.book.balance(online.card) == 41000
    receipt = models.Receipt.get(models.Receipt.operation == done.operation_id)
    rows = dict(receipts.stored_document(receipt).rows)
    assert rows["Given back online by the insurer"] and rows["Balance at the insurer"].endswith(
        "410.00")
    with pytest.raises(KioskError, match="At most ¥90.00"):
        charge.check_refund(online.cashier, sale.operation_id, 9001)
    refund(online, sale, 9000, supervisor)
    assert online.server.book.balance(online.card) == 50000
    assert verify(online.runtime.sealer).ok


def test_a_refund_waits_for_the_insurer_to_be_linked_online_again(online, supervisor):
    sale = sell(online, 5000)
    insurer_online.set_link(online.chain, INSURER, online=False)
    with pytest.raises(insurer_online.NoLongerOnline):
        refund(online, sale, 1000, supervisor)
    assert models.Operation.get_by_id(sale.operation_id).reversed_amount == 0
    insurer_online.set_link(online.chain, INSURER, online=True, url=online.server.url,
                            timeout_seconds=1)
    refund(online, sale, 1000, supervisor)
    assert online.server.book.balance(online.card) == 46000


def test_a_lost_answer_to_a_refund_is_found_by_query_and_posted_once(online, supervisor):
    sale = sell(online, 5000)
    online.server.lose_answers = 1  # the insurer gives it back; its answer never comes
    refund(online, sale, 2000, supervisor)
    assert "query" in online.server.calls
    assert online.server.book.balance(online.card) == 47000
    assert models.Operation.get_by_id(sale.operation_id).reversed_amount == 2000


def test_the_insurers_refusal_of_a_refund_posts_nothing(online, supervisor):
    from kiosk.services.insurer_online import RefundRefused
    sale = sell(online, 5000)
    reference = models.InsurerDeduction.get(models.InsurerDeduction.key == paid_key(sale))
    online.server.book.refund(online.card, 5000, "at-its-own-desk", reference.reference)
    with pytest.raises(RefundRefused, match="more than was deducted"):
        refund(online, sale, 1000, supervisor)
    assert models.Operation.get_by_id(sale.operation_id).reversed_amount == 0
    assert models.Operation.select().where(models.Operation.kind == "refund").count() == 0


def test_a_refund_given_back_but_not_posted_is_taken_back_at_the_insurer(online, supervisor,
                                                                       monkeypatch):
    sale = sell(online, 5000)
    refund_key = key()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(charge.receipts, "queue", full_disk)
    with pytest.raises(OSError):
        refund(online, sale, 2000, supervisor, refund_key)
    assert online.server.book.balance(online.card) == 45000  # given back, then taken back
    assert deduction(refund_key).status == "cancelled"
    assert models.Operation.get_by_id(sale.operation_id).reversed_amount == 0
    assert verify(online.runtime.sealer).ok


def test_a_charge_the_insurer_deducted_cannot_become_stored_value_either(online):
    """The insurer holds that money: neither a refund nor a transfer gives it out here."""
    from kiosk.services import insurance_transfers
    result = sell(online, 12000)
    holder = cards.get_card(online.card).member_id
    target = models.Card.create(number="6200000000000001", status="active", member=holder,
                                product=models.CardProduct.get(models.CardProduct.code == "SV"))
    with pytest.raises(KioskError, match="cannot become stored value"):
        insurance_transfers.file_request(online.chain, charge_operation_id=result.operation_id,
                                         target_card_number=target.number)
    assert models.InsuranceTransfer.select().count() == 0
    assert models.Operation.get_by_id(result.operation_id).reversed_amount == 0


def test_the_insurers_refusal_posts_nothing(online):
    sale_key = key()
    with pytest.raises(insurer_online.InsurerRefused) as refused:
        sell(online, 60000, sale_key)
    assert refused.value.params["balance"] == "¥500.00"
    assert posted_charges(online.card) == [] and online.server.book.deducted() == {}
    assert deduction(sale_key).status == "refused"


def test_a_lost_answer_after_the_deduction_is_found_by_query_and_posted_once(online):
    online.server.lose_answers = 1
    sale_key = key()
    result = sell(online, 3000, sale_key)
    assert result.insurer_reference and "query" in online.server.calls
    assert online.server.book.deducted() == {sale_key: 3000}
    assert len(posted_charges(online.card)) == 1


def test_a_deduction_never_made_is_cancelled_and_cannot_arrive_late(online):
    online.server.refuse_service = 1  # the deduction is not made; the query answers
    sale_key = key()
    with pytest.raises(insurer_online.NotCharged):
        sell(online, 3000, sale_key)
    assert deduction(sale_key).status == "cancelled" and posted_charges(online.card) == []
    late = online.server.book.deduct(online.card, 3000, sale_key)  # the lost request
    assert late.status == "cancelled" and online.server.book.deducted() == {}
    with pytest.raises(insurer_online.NotCharged):  # the same sale: start it again
        sell(online, 3000, sale_key)
    assert sell(online, 3000).insurer_reference  # a new sale pays


def test_an_insurer_that_never_answers_leaves_it_unknown_until_asked_again(online):
    online.server.down = True
    sale_key = key()
    with pytest.raises(insurer_online.OutcomeUnknown):
        sell(online, 2000, sale_key)
    assert deduction(sale_key).status == "pending" and posted_charges(online.card) == []
    assert charge.for_sale(online.cashier, online.card).refusal is not None
    online.server.down = False
    result = sell(online, 2000, sale_key)  # Enter again: the same key, deducted once
    assert result.insurer_reference and online.server.book.deducted() == {sale_key: 2000}


def test_settlement_cancels_what_no_charge_posted(online):
    online.server.down = True
    abandoned = key()
    with pytest.raises(insurer_online.OutcomeUnknown):
        sell(online, 2000, abandoned)
    online.server.down = False
    online.server.book.deduct(online.card, 2000, abandoned)  # it had arrived after all
    paid = sell(online, 1000)
    with pytest.raises(PermissionDenied):
        insurer_online.settle(online.cashier)
    assert insurer_online.settle(online.finance) == insurer_online.SettleReport(0, 0, 0)
    report = insurer_online.settle(online.finance, older_than_minutes=0)
    assert report == insurer_online.SettleReport(cancelled=1, posted=0, open=0)
    assert deduction(abandoned).status == "cancelled"
    assert online.server.book.deducted() == {paid_key(paid): 1000}
    assert online.server.book.balance(online.card) == 49000


def paid_key(result) -> str:
    return models.Operation.get_by_id(result.operation_id).idempotency_key


def refused_on_the_locked_card(online, monkeypatch, *, insurer_goes_down=False) -> str:
    """A ¥40 sale the insurer deducts, then refused on the locked card (say, a daily
    limit reached meanwhile: the hint before had passed); its key. With
    `insurer_goes_down`, the cancellation that follows gets no answer."""
    original, calls = charge._check_sale_rules, []

    def refuses_the_second_time(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            online.server.down = insurer_goes_down
            raise charge.RestrictionViolated()
        return original(*args, **kwargs)
    monkeypatch.setattr(charge, "_check_sale_rules", refuses_the_second_time)
    sale_key = key()
    with pytest.raises(charge.RestrictionViolated):
        sell(online, 4000, sale_key)
    return sale_key


def test_a_charge_refused_after_the_insurer_deducted_cancels_the_deduction(online,
                                                                            monkeypatch):
    sale_key = refused_on_the_locked_card(online, monkeypatch)
    assert deduction(sale_key).status == "cancelled" and posted_charges(online.card) == []
    assert online.server.book.deducted() == {}
    assert online.server.book.balance(online.card) == 50000


def test_a_cancellation_the_insurer_did_not_answer_is_finished_by_settlement(online,
                                                                              monkeypatch):
    sale_key = refused_on_the_locked_card(online, monkeypatch, insurer_goes_down=True)
    assert deduction(sale_key).status == "cancelling" and posted_charges(online.card) == []
    assert online.server.book.deducted() == {sale_key: 4000}  # still, at the insurer
    assert insurer_online.settle(online.finance, older_than_minutes=0).open == 1
    online.server.down = False
    assert insurer_online.settle(online.finance, older_than_minutes=0).cancelled == 1
    assert deduction(sale_key).status == "cancelled" and online.server.book.deducted() == {}
    assert models.AuditEvent.select().where(
        models.AuditEvent.action == "insurer.cancel").count() == 1


def test_a_cancellation_is_recorded_with_its_audit_event_or_not_at_all(online, monkeypatch):
    sale_key = refused_on_the_locked_card(online, monkeypatch, insurer_goes_down=True)
    online.server.down = False
    real_append = insurer_online.audit.append

    def audit_fails(session, action, **fields):
        if action == "insurer.cancel":
            raise OSError(28, "No space left on device")
        return real_append(session, action, **fields)

    monkeypatch.setattr(insurer_online.audit, "append", audit_fails)
    with pytest.raises(OSError):
        insurer_online.settle(online.finance, older_than_minutes=0)
    assert deduction(sale_key).status == "cancelling"  # settled again later, audited then
    monkeypatch.setattr(insurer_online.audit, "append", real_append)
    assert insurer_online.settle(online.finance, older_than_minutes=0).cancelled == 1
    assert deduction(sale_key).status == "cancelled"
    assert verify(online.runtime.sealer).ok


def test_an_insurer_without_the_interface_keeps_the_balance_held_by_us(online, tmp_path):
    insurer_online.set_link(online.chain, INSURER, online=False)
    with pytest.raises(charge.InsufficientFunds):  # held by us: this card holds nothing
        sell(online, 100)
    assert online.server.calls == []
    links = insurer_online.links(online.chain)
    assert [(link.issuer, link.mode) for link in links] == [(INSURER, "held")]


def test_setting_an_insurer_online_is_the_administrators(online):
    with pytest.raises(PermissionDenied):
        insurer_online.set_link(online.cashier, INSURER, online=True, url="sim")
    with pytest.raises(InvalidInput, match="address"):
        insurer_online.set_link(online.chain, INSURER, online=True, url="")
    with pytest.raises(InvalidInput, match="http"):
        insurer_online.set_link(online.chain, INSURER, online=True, url="ftp://x")
    with pytest.raises(InvalidInput, match="timeout"):
        insurer_online.set_link(online.chain, INSURER, online=True, url="sim",
                                timeout_seconds=0)
    assert models.AuditEvent.select().where(models.AuditEvent.action == "insurer.link").count() == 1


# -- four terminals at once ------------------------------------------------------------------
ROUNDS = 12 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


@pytest.mark.race
def test_four_terminals_charging_one_online_card_never_deduct_twice_or_post_unconfirmed(
        chain, runtime, tmp_path):
    finance1, finance2, _ = set_up_insurer(chain, runtime)
    number, = register_held_cards(finance1, finance2, tmp_path)
    pin = pin_of(id_number(1))
    logins = []
    for n in range(4):
        terminal = f"T0{n + 1}"
        if n:
            admin.add_terminal(chain, OUTLET, terminal)
        operator(chain, runtime, f"cashier{n + 2}", "Cashier123", "cashier", terminal)
        logins.append((OUTLET, f"cashier{n + 2}", "Cashier123", terminal))
    with InsurerServer(opening=20000) as server, Racers(runtime.settings, logins) as racers:
        insurer_online.set_link(chain, INSURER, online=True, url=server.url,
                                timeout_seconds=1)
        server.chaos = 0.2  # a fifth of the answers are lost after the deduction
        for round_number in range(ROUNDS):
            # Two sales, each sent by two terminals at once (a POS retried at another
            # till): 3000 + 3000 from a card the insurer holds 20000 on.
            keys = [f"r{round_number}-a", f"r{round_number}-b"]
            outcomes = racers.race(*[("charge", number, 3000, keys[n % 2], pin)
                                     for n in range(4)])
            assert all(o.ok or o.value in ("InsurerRefused", "OutcomeUnknown",
                                           "NotCharged", "CancelPending")
                       for o in outcomes), outcomes
            for sale_key in keys:  # both racers of a sale that posted got the one charge
                ids = {o.value for o, k in zip(outcomes, keys * 2) if o.ok and k == sale_key}
                assert len(ids) <= 1, outcomes
        server.chaos = 0.0
        insurer_online.settle(finance1, older_than_minutes=0)
    deducted = server.book.deducted()
    charges = {op.idempotency_key: op.amount for op in posted_charges(number)}
    assert charges == deducted  # posted exactly what the insurer confirmed, once per sale
    assert server.book.balance(number) == 20000 - sum(deducted.values()) >= 0
    assert all(row.status in ("posted", "cancelled", "refused")
               for row in models.InsurerDeduction.select())
    assert verify(runtime.sealer).ok


@pytest.mark.race
def test_refunds_of_one_online_charge_at_once_post_exactly_what_the_insurer_gave_back(
        chain, runtime, tmp_path):
    """Two refunds of ¥60 of a ¥100 charge, each sent by two terminals at once, a fifth
    of the insurer's answers lost: at most one refund posts, and what posted is what
    the insurer gave back (the other is refused, or cancelled at the insurer)."""
    from tests.test_insurer_cards import operator
    finance1, finance2, cashier = set_up_insurer(chain, runtime)
    number, = register_held_cards(finance1, finance2, tmp_path)
    admin.add_terminal(chain, OUTLET, "T02")
    operator(chain, runtime, "super1", "Super1234", "supervisor", "T02")
    operator(chain, runtime, "cashier2", "Cashier234", "cashier", "T02")
    logins = [(OUTLET, "cashier1", "Cashier123", "T01"),
              (OUTLET, "cashier2", "Cashier234", "T02")] * 2
    with InsurerServer(opening=10_000_000) as server, \
            Racers(runtime.settings, logins) as racers:
        insurer_online.set_link(chain, INSURER, online=True, url=server.url,
                                timeout_seconds=1)
        for round_number in range(ROUNDS):
            sale = charge.charge(cashier, card_number=number, amount=10000,
                                 pin=pin_of(id_number(1)), key=f"sale-{round_number}")
            server.chaos = 0.2
            keys = [f"refund-{round_number}-a", f"refund-{round_number}-b"]
            outcomes = racers.race(*[("refund", sale.operation_id, 6000, keys[n % 2])
                                     for n in range(4)])
            server.chaos = 0.0
            assert not [o for o in outcomes if o.status == "crash"], outcomes
            posted = {op.idempotency_key for op in models.Operation.select().where(
                models.Operation.reverses == sale.operation_id)}
            assert len(posted) <= 1, outcomes
        insurer_online.settle(finance1, older_than_minutes=0)
    given_back = {k: -amount for k, amount in server.book.deducted().items() if amount < 0}
    refunds = {op.idempotency_key: op.amount for op in models.Operation.select().where(
        models.Operation.kind == "refund")}
    assert refunds == given_back  # posted exactly what the insurer gave back, once each
    charged = sum(op.amount for op in posted_charges(number))
    assert server.book.balance(number) == 10_000_000 - charged + sum(refunds.values())
    assert all(row.status in ("posted", "cancelled", "refused")
               for row in models.InsurerDeduction.select())
    assert verify(runtime.sealer).ok


def test_the_command_line_links_an_insurer_and_settles(online, monkeypatch):
    from click.testing import CliRunner

    from kiosk.cli import main
    from kiosk.store import db
    for name, value in (("KIOSK_HASH_TIME_COST", "1"), ("KIOSK_HASH_MEMORY_KIB", "64"),
                        ("KIOSK_LANG", "en"), ("KIOSK_OUTLET", OUTLET),
                        ("KIOSK_OPERATOR", "admin"), ("KIOSK_OPERATOR_PASSWORD", "Admin1234")):
        monkeypatch.setenv(name, value)
    settings = online.runtime.settings

    def kiosk(*args):
        result = CliRunner().invoke(main, ["--db", settings.db_url, "--home",
                                           str(settings.home), "insurer", *args])
        db.close()
        return result

    assert f"{INSURER}" in kiosk("links").output and "online" in kiosk("links").output
    assert kiosk("link", INSURER).exit_code == 2  # --online URL or --held
    assert kiosk("link", INSURER, "--held").exit_code == 0
    assert "held" in kiosk("links").output
    linked = kiosk("link", INSURER, "--online", online.server.url, "--timeout", "1")
    assert linked.exit_code == 0 and "online at" in linked.output
    online.server.down = True
    with pytest.raises(insurer_online.OutcomeUnknown):
        sell(online, 2000)
    assert kiosk("settle", "--minutes", "0").exit_code == 1  # the insurer still silent
    online.server.down = False
    monkeypatch.setenv("KIOSK_OPERATOR", "finance1")
    monkeypatch.setenv("KIOSK_OPERATOR_PASSWORD", "Finance123")
    settled = kiosk("settle", "--minutes", "0")
    assert settled.exit_code == 0 and "cancelled 1" in settled.output


# -- the screens -----------------------------------------------------------------------------
def counter_app(online):
    from dataclasses import replace

    from tests.app_helpers import make_app
    return make_app(replace(online.runtime, settings=replace(online.runtime.settings,
                                                              outlet_code=OUTLET)))


async def test_the_counter_shows_the_insurers_balance_and_its_deduction(online):
    from tests.app_helpers import (past_key_guard, press_keys, swipe_card, wait_for_message,
                                   wait_for_screen)
    app = counter_app(online)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, online.card)
        lines = [str(line.render()) for line in app.screen.query(".card-line")]
        assert any("Balance at the insurer ¥500.00" in line for line in lines), lines
        online.server.down = True
        await press_keys(pilot, *"30", "enter", *online.pin, "enter")
        await wait_for_message(pilot, "did not answer")
        assert type(app.screen).__name__ == "CardScreen" and posted_charges(online.card) == []
        online.server.down = False
        await press_keys(pilot, *online.pin, "enter")  # asked again under the same key
        await wait_for_screen(pilot, "ResultScreen")
        shown = " ".join(str(line.render()) for line in app.screen.query("#result Static"))
        assert "Deducted online by the insurer" in shown and "¥470.00" in shown
        past_key_guard(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, "StartScreen")
    assert list(online.server.book.deducted().values()) == [3000]
    assert len(posted_charges(online.card)) == 1


async def test_the_cashier_refunds_an_online_charge_from_the_journal(online, supervisor):
    from tests.app_helpers import past_key_guard, swipe_card, wait_for_screen
    from tests.test_app import refund_whole_first_row
    app = counter_app(online)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, online.card)
        await pilot.press(*"30", "enter", *online.pin, "enter")
        await wait_for_screen(pilot, "ResultScreen")
        past_key_guard(pilot)
        await pilot.press("enter", "f3")
        await wait_for_screen(pilot, "JournalScreen")
        await refund_whole_first_row(pilot)  # Enter, the whole ¥30.00, super1 signs
        shown = " ".join(str(line.render()) for line in app.screen.query("#result Static"))
        assert "¥30.00" in shown, shown
    assert online.server.book.balance(online.card) == 50000
    assert models.Operation.select().where(models.Operation.kind == "refund").count() == 1


async def test_a_cancelled_deduction_is_charged_anew_under_a_new_key(online):
    from tests.app_helpers import press_keys, swipe_card, wait_for_message, wait_for_screen
    app = counter_app(online)
    async with app.run_test(size=(80, 24)) as pilot:
        await swipe_card(pilot, online.card)
        first_key = app.screen.sale_key
        online.server.refuse_service = 1  # the deduction never made: cancelled
        await press_keys(pilot, *"20", "enter", *online.pin, "enter")
        await wait_for_message(pilot, "was cancelled")
        assert app.screen.sale_key != first_key
        await press_keys(pilot, *online.pin, "enter")
        await wait_for_screen(pilot, "ResultScreen")
    assert deduction(first_key).status == "cancelled"
    assert list(online.server.book.deducted().values()) == [2000]


async def test_the_administrator_sets_an_insurer_online_in_the_admin_screen(online):
    from tests.app_helpers import open_admin_form, type_into, wait_for_message
    insurer_online.set_link(online.chain, INSURER, online=False)
    app = counter_app(online)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_admin_form(pilot, "e")
        await type_into(pilot, "issuer", INSURER)
        app.screen.query_one("#mode").focus()
        await pilot.press("right")  # online at the insurer
        await type_into(pilot, "url", "ftp://nowhere")
        app.screen.submit()
        await wait_for_message(pilot, "http")
        await type_into(pilot, "url", online.server.url)
        app.screen.submit()
        await wait_for_message(pilot, "Saved")
    [link] = insurer_online.links(online.chain)
    assert (link.mode, link.url, link.timeout_seconds) == ("online", online.server.url, 10)


def test_the_store_pos_sale_on_an_online_card(online):
    from kiosk.services import pos_sales
    from kiosk.services.pos_sales import PosLine, SaleRequest
    token = pos_sales.register(online.chain, code="POS1", name="收银机1", outlet_code=OUTLET,
                               terminal_code="T01")
    pos = pos_sales.authenticate(online.runtime, token, online.cashier.actor.terminal_id)
    drug = PosLine("6901234", "阿莫西林胶囊", "药品", 2350)
    state, _ = pos_sales.receive_sale(online.runtime, pos, SaleRequest("B1", (drug,), 2350))
    online.server.refuse_service = 1  # the deduction never made: cancelled at the insurer
    with pytest.raises(insurer_online.NotCharged):
        pos_sales.charge(online.cashier, state, card_number=online.card, pin=online.pin)
    declined = pos_sales.state_of(pos, "sale", "B1")
    assert (declined.state, declined.reason) == ("declined", "insurer_cancelled")
    state, new = pos_sales.receive_sale(online.runtime, pos, SaleRequest("B1", (drug,), 2350))
    assert new and state.attempt == 2  # the POS sent it again: a new attempt, a new key
    result = pos_sales.charge(online.cashier, state, card_number=online.card, pin=online.pin)
    assert result.insurer_reference and list(online.server.book.deducted().values()) == [2350]
    big = PosLine("6905678", "血糖仪", "医疗器械", 60000)
    state, _ = pos_sales.receive_sale(online.runtime, pos, SaleRequest("B2", (big,), 60000))
    with pytest.raises(insurer_online.InsurerRefused):
        pos_sales.charge(online.cashier, state, card_number=online.card, pin=online.pin)
    assert pos_sales.state_of(pos, "sale", "B2").reason == "insufficient_funds"
