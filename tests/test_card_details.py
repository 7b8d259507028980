"""Card details (卡资料修改) and restrictions copied between cards (对转), from an empty
store: the holder, plate and remark changed with review and kept field by field; a
closed card's details stay; limits copied from one card and onto every sub card."""

from __future__ import annotations

import pytest

from kiosk.errors import InvalidInput, PermissionDenied, ReviewRequired
from kiosk.services import card_care, card_details, cards, members, prepaid
from kiosk.services.card_care import Restrictions
from kiosk.services.card_details import CardDetails
from kiosk.services.charge import Review
from kiosk.store import models
from tests.fuel_shop import SUPERVISOR, FuelShop, key


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime)


def member(shop, name="张伟", id_number="110101199003078515", phone="13800138000") -> int:
    return members.register(shop.clerk, members.MemberDetails(
        name=name, phone=phone, id_number=id_number))


def test_a_named_cards_holder_plate_and_remark_change_with_review(shop):
    number = shop.card(1000)
    first, second = member(shop), member(shop, "李娜", "310101196512120025", "13900139000")
    card_details.change_details(shop.clerk, number, CardDetails(first), review=SUPERVISOR)
    assert cards.get_card(number).member_id == first and not cards.get_card(number).anonymous
    with pytest.raises(ReviewRequired):
        card_details.change_details(shop.clerk, number, CardDetails(second, "沪a 12345"))
    with pytest.raises(InvalidInput, match="plate"):
        card_details.change_details(shop.clerk, number, CardDetails(None, "12345"),
                                    review=SUPERVISOR)
    with pytest.raises(PermissionDenied):  # a reviewer without the right
        card_details.change_details(shop.clerk, number, CardDetails(second, "沪A12345"),
                                    review=Review("finance1", "Finance123"))
    view = card_details.change_details(shop.clerk, number,
                                       CardDetails(second, "沪·AD12345", "车队 3 号车"),
                                       review=SUPERVISOR)
    assert (view.holder, view.plate_number, view.remark) == ("李*", "沪AD12345", "车队 3 号车")
    assert [(c.field, c.old, c.new, c.by, c.reviewer) for c in view.history] == [
        ("Remark", "", "车队 3 号车", "clerk1", "super1"),  # newest first
        ("Plate number", "", "沪AD12345", "clerk1", "super1"),
        ("Holder", "张*", "李*", "clerk1", "super1"),
        ("Holder", "", "张*", "clerk1", "super1")]
    with pytest.raises(InvalidInput, match="Nothing"):
        card_details.change_details(shop.clerk, number,
                                    CardDetails(None, "沪AD12345", "车队 3 号车"),
                                    review=SUPERVISOR)
    events = [e.action for e in models.AuditEvent.select().where(
        models.AuditEvent.subject == f"card:{number}", models.AuditEvent.action == "card.details")]
    assert len(events) == 2


def test_a_prepaid_cards_new_holder_needs_an_id_and_a_closed_card_stays(shop):
    number = shop.card()
    no_id = member(shop, "王磊", "", "13700137000")
    with pytest.raises(prepaid.PrepaidRuleBroken, match="ID number"):
        card_details.change_details(shop.clerk, number, CardDetails(no_id), review=SUPERVISOR)
    models.CardProduct.update(prepaid=False).execute()  # closed today: outside the rules
    card_care.clear_card(shop.clerk, number, key=key(), review=SUPERVISOR)
    with pytest.raises(InvalidInput, match="closed or replaced"):
        card_details.change_details(shop.clerk, number, CardDetails(None, "沪A12345"),
                                    review=SUPERVISOR)


def test_limits_are_copied_from_a_card_and_onto_every_sub_card(shop):
    main = shop.main_card(shop.customer())
    subs = [shop.sub_card(main) for _ in range(2)]
    other = shop.card()
    card_care.set_restrictions(shop.clerk, main, Restrictions(30000, "10000001", "", "保健品"))
    assert card_details.copy_restrictions(shop.clerk, main, [other, main]) == 1
    assert card_care.restrictions_of(shop.clerk, other) == Restrictions(
        30000, "10000001", "", "保健品")
    assert card_details.copy_to_sub_cards(shop.clerk, main) == 2
    assert all(card_care.restrictions_of(shop.clerk, n).daily_limit == 30000 for n in subs)
    with pytest.raises(InvalidInput, match="other than"):
        card_details.copy_restrictions(shop.clerk, main, [main])
    with pytest.raises(InvalidInput, match="no sub cards"):
        card_details.copy_to_sub_cards(shop.clerk, other)
    copied = models.AuditEvent.select().where(models.AuditEvent.action == "card.restrictions",
                                              models.AuditEvent.details.contains("copied_from"))
    assert copied.count() == 3
