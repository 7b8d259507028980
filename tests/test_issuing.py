"""Card issue, loss, replacement, tiers, PINs, restrictions and clearing: the member
centre's card services, their review rules and their failures, on both backends."""

import json

import pytest

from kiosk.errors import InvalidInput, KioskError, PermissionDenied
from kiosk.services import card_care, cards, charge, issuing, verify
from kiosk.services.card_care import Replacement, Restrictions
from kiosk.services.charge import Review, SaleLine
from kiosk.errors import ReviewRequired
from kiosk.services.issuing import IssueRequest
from kiosk.store import models
from tests.conftest import MAIN_CARD, SV_CARD, login_as

NEW_PIN = "246810"
SUPERVISOR = Review("super1", "Super1234")


@pytest.fixture
def clerk(seeded):
    return login_as(seeded, "clerk1", "T02")


def zhang_wei():
    return models.Member.get(models.Member.phone == "13800138000").id


def written_blank(session, product="SV"):
    number = issuing.next_blank(session, product)
    issuing.record_written(session, number)
    return number


def issue_new(session, *, fee=1000, deposit=0, key="issue-1", review=None, **extra):
    number = extra.pop("card_number", None) or written_blank(session)
    request = IssueRequest(card_number=number, member_id=extra.pop("member_id", zhang_wei()),
                           pin=NEW_PIN, fee=fee, deposit=deposit, **extra)
    return issuing.issue(session, request, key=key, review=review)


def balances(number):
    return cards.balances(cards.get_card(number))


def test_issue_takes_the_fee_and_activates_the_card(clerk):
    result = issue_new(clerk)
    card = cards.get_card(result.card_number)
    assert card.status == "active" and card.member.name == "张伟" and not card.anonymous
    assert clerk.hasher.verify(card.pin_hash, NEW_PIN) and NEW_PIN not in card.pin_hash
    assert result.fee == 1000 and result.receipt_id
    again = issue_new(clerk, card_number=card.number)  # the same key: replayed, once
    assert again.replayed and again.operation_id == result.operation_id
    assert verify.verify(clerk.runtime.sealer).ok


def test_a_blank_card_must_be_written_first(clerk):
    number = issuing.next_blank(clerk, "SV")
    with pytest.raises(InvalidInput, match="Write the card"):
        issue_new(clerk, card_number=number)
    assert cards.get_card(number).status == "blank"


def test_a_fee_other_than_the_products_needs_a_reviewer(clerk):
    with pytest.raises(ReviewRequired):
        issue_new(clerk, fee=500)
    with pytest.raises(PermissionDenied):
        issue_new(clerk, fee=500, review=Review("cashier1", "Cashier123"))
    result = issue_new(clerk, fee=500, review=SUPERVISOR)
    operation = models.Operation.get_by_id(result.operation_id)
    assert operation.reviewer.login_id == "super1" and operation.amount == 500


@pytest.mark.parametrize("pin, fragment", [("12345", "6 digits"), ("111111", "too easy"),
                                           ("123456", "too easy"), ("12a456", "6 digits")])
def test_weak_or_malformed_pins_are_refused(clerk, pin, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        issuing.check_new_pin(pin)
    with pytest.raises(InvalidInput, match="differ"):
        issuing.check_new_pin(NEW_PIN, "246811")


def test_anonymous_card_then_named(clerk):
    result = issue_new(clerk, member_id=None)
    assert cards.get_card(result.card_number).anonymous
    issuing.name_anonymous_card(clerk, result.card_number, zhang_wei())
    card = cards.get_card(result.card_number)
    assert not card.anonymous and card.member_id == zhang_wei()


def test_sub_cards_up_to_the_limit_then_review(clerk):
    main = cards.get_card(MAIN_CARD)
    limit = main.product.sub_card_limit
    existing = models.Card.select().where(models.Card.main_card == main.id).count()
    for index in range(limit - existing):
        number = written_blank(clerk, "CORP")
        issue_new(clerk, card_number=number, main_card_number=MAIN_CARD, fee=0, deposit=2000,
                  key=f"sub-{index}")
    number = written_blank(clerk, "CORP")
    with pytest.raises(ReviewRequired, match="sub cards"):
        issue_new(clerk, card_number=number, main_card_number=MAIN_CARD, fee=0, deposit=2000,
                  key="sub-over")
    result = issue_new(clerk, card_number=number, main_card_number=MAIN_CARD, fee=0,
                       deposit=2000, key="sub-over", review=SUPERVISOR)
    sub = cards.get_card(result.card_number)
    assert sub.main_card_id == main.id and sub.company and balances(sub.number)["deposit"] == 2000


def test_a_cashier_cannot_issue(seeded):
    cashier = login_as(seeded, "cashier1")
    with pytest.raises(PermissionDenied):
        issuing.next_blank(cashier, "SV")


def test_smart_card_binding(clerk):
    number = issuing.next_blank(clerk, "SV")
    issuing.record_written(clerk, number, uid="04A1B2C3")
    issue_new(clerk, card_number=number)
    assert cards.look_up_by_uid(clerk, "04A1B2C3").number == number
    other = issuing.next_blank(clerk, "SV")
    with pytest.raises(InvalidInput, match="already bound"):
        issuing.record_written(clerk, other, uid="04A1B2C3")


# -- loss and replacement ---------------------------------------------------------------
HOLDER_ID_LAST4 = "8515"  # 张伟's ID number ends so


def test_loss_stops_the_card_and_cancel_restores_it(clerk, seeded, tmp_path):
    from kiosk.hw.printer import SimPrinter
    with pytest.raises(InvalidInput, match="do not match"):
        card_care.report_loss(clerk, SV_CARD, "0000")
    slip = card_care.report_loss(clerk, SV_CARD, HOLDER_ID_LAST4, SimPrinter(tmp_path))
    assert (slip.status, slip.slip_printed) == ("lost", True)
    assert "888800******0018" in (tmp_path / "loss-0018.txt").read_text()
    again = card_care.report_loss(clerk, SV_CARD, HOLDER_ID_LAST4)  # twice is harmless
    assert again.status == "lost" and not again.slip_printed  # no printer: it says so
    cashier = login_as(seeded, "cashier1")
    with pytest.raises(cards.CardUnusable, match="reported lost"):
        charge.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k-lost")
    card_care.cancel_loss(clerk, SV_CARD, HOLDER_ID_LAST4)
    charge.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k-found")


def test_replacement_moves_everything_and_voids_the_old_card(clerk, seeded):
    before = balances(SV_CARD)
    card_care.report_loss(clerk, SV_CARD, HOLDER_ID_LAST4)
    new = written_blank(clerk)
    request = Replacement(SV_CARD, new, reason="lost", fee=1000)
    result = card_care.replace_card(clerk, request, key="replace-1")
    assert balances(new) == before and not any(balances(SV_CARD).values())
    old, fresh = cards.get_card(SV_CARD), cards.get_card(new)
    assert old.status == "replaced" and old.replaced_by_id == fresh.id
    assert [card.id for card in fresh.replacing] == [old.id]
    assert fresh.member_id == old.member_id and fresh.pin_hash == old.pin_hash
    assert card_care.replace_card(clerk, request, key="replace-1").replayed
    cashier = login_as(seeded, "cashier1")
    with pytest.raises(cards.CardUnusable, match="replaced"):
        charge.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k-old")
    charge.charge(cashier, card_number=new, amount=100, pin="123456", key="k-new")
    assert result.principal_after == before["principal"]
    assert verify.verify(clerk.runtime.sealer).ok


def test_sub_cards_follow_a_replaced_main_card(clerk):
    new = written_blank(clerk, "CORP")
    card_care.replace_card(clerk, Replacement(MAIN_CARD, new, "damaged", fee=0), key="r-main")
    assert models.Card.select().where(models.Card.main_card == cards.get_card(new).id).count() == 2


def test_a_replacement_fee_other_than_the_rule_needs_review(clerk):
    new = written_blank(clerk)
    with pytest.raises(ReviewRequired):
        card_care.replace_card(clerk, Replacement(SV_CARD, new, "damaged", fee=500), key="r")


def test_tier_upgrade_is_offered_and_done_by_replacement(clerk):
    card = cards.get_card(SV_CARD)
    points = balances(SV_CARD)["points"]
    expected = card_care.tiers(card.product)
    offer = cards.look_up(clerk, SV_CARD).tier_offer
    reached = [name for name, threshold in expected if points >= threshold]
    assert offer == (reached[-1] if reached else "")
    if not offer:
        models.Card.update(tier="").execute()
        models.Account.update(balance=20000).where(
            models.Account.code == f"card:{SV_CARD}:points").execute()
        offer = cards.look_up(clerk, SV_CARD).tier_offer
    assert offer == "金卡"
    new = written_blank(clerk)
    card_care.replace_card(clerk, Replacement(SV_CARD, new, "upgrade", fee=0, tier=offer),
                           key="upgrade")
    assert cards.get_card(new).tier == "金卡" and cards.look_up(clerk, new).tier_offer == ""


# -- PIN --------------------------------------------------------------------------------
def test_pin_change_unlock_and_reset(clerk):
    card_care.change_pin(clerk, SV_CARD, "123456", NEW_PIN, NEW_PIN)
    card = cards.get_card(SV_CARD)
    assert clerk.hasher.verify(card.pin_hash, NEW_PIN)
    for _ in range(3):
        with pytest.raises((cards.WrongPin, cards.PinLocked)):
            cards.check_pin(clerk, cards.get_card(SV_CARD), "000000")
    assert cards.get_card(SV_CARD).pin_locked
    for wrong in ("", "1234"):  # the holder's ID is checked: not anyone holding the card
        with pytest.raises(InvalidInput, match="last four"):
            card_care.unlock_pin(clerk, SV_CARD, wrong)
        with pytest.raises(InvalidInput, match="last four"):
            card_care.reset_pin(clerk, SV_CARD, holder_check=wrong)
    assert cards.get_card(SV_CARD).pin_locked
    card_care.unlock_pin(clerk, SV_CARD, "8515")
    cards.check_pin(clerk, cards.get_card(SV_CARD), NEW_PIN)
    assert card_care.reset_pin(clerk, SV_CARD, holder_check="8515") == "id_rule"
    cards.check_pin(clerk, cards.get_card(SV_CARD), "078515")  # last six of 张伟's ID
    actions = [e.action for e in models.AuditEvent.select().where(
        models.AuditEvent.subject == f"card:{SV_CARD}")]
    assert {"pin.change", "pin.unlock", "pin.reset"} <= set(actions)


def test_an_anonymous_cards_pin_is_unlocked_only_with_a_review(clerk):
    from kiosk.services import demo
    anonymous = demo.card_number("888800000000010")
    with pytest.raises(ReviewRequired):
        card_care.unlock_pin(clerk, anonymous)
    card_care.unlock_pin(clerk, anonymous, review=Review("super1", "Super1234"))
    unlocked = models.AuditEvent.select().where(
        models.AuditEvent.subject == f"card:{anonymous}",
        models.AuditEvent.action == "pin.unlock").get()
    super1 = models.Operator.get(models.Operator.login_id == "super1")
    assert json.loads(unlocked.details) == {"reviewer": super1.id}  # who answers for it


def test_a_wrong_old_pin_counts_towards_the_lock(clerk):
    with pytest.raises(cards.WrongPin):
        card_care.change_pin(clerk, SV_CARD, "000000", NEW_PIN, NEW_PIN)
    assert cards.get_card(SV_CARD).pin_failures == 1


# -- restrictions -------------------------------------------------------------------------
def test_restrictions_are_enforced_by_the_charge(clerk, seeded):
    card_care.set_restrictions(clerk, SV_CARD, Restrictions(
        daily_limit=5000, forbidden_categories="保健品"))
    cashier = login_as(seeded, "cashier1")
    with pytest.raises(charge.ForbiddenCategory):
        charge.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="c1",
                      lines=(SaleLine("鱼油", "保健品", 100),))
    with pytest.raises(charge.RestrictionViolated, match="Daily limit"):
        charge.charge(cashier, card_number=SV_CARD, amount=6000, pin="123456", key="c2")
    card_care.set_restrictions(clerk, SV_CARD, Restrictions(allowed_outlets="31010001"))
    charge.charge(cashier, card_number=SV_CARD, amount=6000, pin="123456", key="c3")


@pytest.mark.parametrize("rules, fragment", [
    (Restrictions(allowed_outlets="99999999"), "No outlet"),
    (Restrictions(allowed_categories="香烟"), "Unknown category"),
    (Restrictions(daily_limit=-1), "daily limit")])
def test_bad_restrictions_are_refused(clerk, rules, fragment):
    with pytest.raises(KioskError, match=fragment):
        card_care.set_restrictions(clerk, SV_CARD, rules)


# -- clearing ---------------------------------------------------------------------------
def test_clearing_pays_back_principal_and_forfeits_bonus(clerk):
    before = balances(SV_CARD)
    with pytest.raises(ReviewRequired):
        card_care.clear_card(clerk, SV_CARD, key="clear")
    result = card_care.clear_card(clerk, SV_CARD, key="clear", review=SUPERVISOR)
    assert result.amount == before["principal"] + before["deposit"]
    assert result.bonus_forfeited == before["bonus"]
    assert cards.get_card(SV_CARD).status == "cleared" and not any(balances(SV_CARD).values())
    assert verify.verify(clerk.runtime.sealer).ok


def test_a_main_card_with_active_sub_cards_cannot_be_cleared(clerk):
    with pytest.raises(InvalidInput, match="sub cards"):
        card_care.clear_card(clerk, MAIN_CARD, key="clear-main", review=SUPERVISOR)
    assert cards.get_card(MAIN_CARD).status == "active"


# -- devices in the issue flow --------------------------------------------------------------
def test_a_writer_unplugged_mid_write_leaves_the_card_not_written(clerk):
    from kiosk.hw.msr import LazyMsr605, WriterError
    from tests.fake_msr605 import FakeMsr605
    fake = FakeMsr605(unplug_on_write=True)
    number = issuing.next_blank(clerk, "SV")
    with pytest.raises(WriterError):
        issuing.write_card(clerk, LazyMsr605(fake.device, 9600), number)
    assert cards.get_card(number).status == "blank"
    with pytest.raises(InvalidInput, match="Write the card"):
        issue_new(clerk, card_number=number)


def test_issue_with_the_writer_on_a_pty(clerk):
    from kiosk.hw.msr import LazyMsr605
    from tests.fake_msr605 import FakeMsr605
    fake = FakeMsr605()
    try:
        number = issuing.next_blank(clerk, "SV")
        issuing.write_card(clerk, LazyMsr605(fake.device, 9600), number)
        assert fake.tracks[2].startswith(number.encode())
        assert issue_new(clerk, card_number=number).card_number == number
    finally:
        fake.close()


def test_a_company_card_for_a_company_member(clerk):
    company = models.Member.get(models.Member.name == "上海示范科技有限公司").id
    number = written_blank(clerk, "CORP")
    result = issue_new(clerk, card_number=number, member_id=company, company=True, fee=0,
                       deposit=2000, key="company")
    card = cards.get_card(result.card_number)
    assert card.company and card.member_id == company and not card.anonymous


def test_an_anonymous_card_cannot_be_reported_lost(clerk):
    number = written_blank(clerk)
    issuing.issue(clerk, issuing.IssueRequest(number, None, "246810", 1000, 0), key="anon")
    with pytest.raises(InvalidInput, match="anonymous card"):
        card_care.report_loss(clerk, number, "0000")
