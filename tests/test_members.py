"""Member search: every field, paging, and hostile text treated as text."""

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from kiosk.errors import InvalidInput
from kiosk.identity import id_check_digit, initial_pin_from_id, normalise_id_number, normalise_phone
from kiosk.services import members
from kiosk.services.members import DuplicatePhone, MemberDetails, MemberQuery, search
from kiosk.store import models
from tests.conftest import SV_CARD, login_as


def names(rows):
    return [row.name for row in rows]


def test_by_phone_name_prefix_and_card(system):
    assert names(search(system, MemberQuery(phone="13800138000"))) == ["张伟"]
    assert names(search(system, MemberQuery(name_prefix="李"))) == ["李秀英"]
    assert names(search(system, MemberQuery(card_number=SV_CARD))) == ["张伟"]
    assert names(search(system, MemberQuery(level="银卡", region="徐汇"))) == ["王磊"]


def test_paging(system):
    first = search(system, MemberQuery(), page_size=2)
    second = search(system, MemberQuery(), page=1, page_size=2)
    assert len(first) == 2 and len(second) == 2 and not set(names(first)) & set(names(second))


@pytest.mark.parametrize("text", ["' OR 1=1 --", "%", "_", "*", "[", "\\", "张%", "\"; DROP TABLE member; --"])
def test_injection_and_wildcards_are_just_text(system, text):
    assert search(system, MemberQuery(name_prefix=text)) == []
    assert search(system, MemberQuery(phone=text)) == []
    assert search(system, MemberQuery(old_card_number=text)) == []
    assert search(system, MemberQuery(card_number=text, name_prefix=text)) == []
    assert len(search(system, MemberQuery())) == 4  # the table is still there


def test_fields_combine(system):
    assert names(search(system, MemberQuery(name_prefix="张", card_number=SV_CARD))) == ["张伟"]
    assert search(system, MemberQuery(name_prefix="李", card_number=SV_CARD)) == []


# -- registration and edits ------------------------------------------------------------


def test_demo_id_numbers_are_valid():
    for member in ("110101199003078515", "310101196512120025", "310104198807150019"):
        assert normalise_id_number(member) == member


@pytest.mark.parametrize("text, fragment", [
    ("11010119900307851", "17 digits"), ("110101199013078515", "not a real date"),
    ("110101199003078516", "check digit"), ("11010119900307851x", "check digit")])
def test_bad_id_numbers(text, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        normalise_id_number(text)


@given(st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)), st.integers(0, 999))
def test_generated_id_numbers_round_trip(born, serial):
    first17 = f"310101{born:%Y%m%d}{serial:03d}"
    number = first17 + id_check_digit(first17)
    assert normalise_id_number(number.lower()) == number
    assert initial_pin_from_id(number) == number[-6:].replace("X", "0")


@given(st.text(max_size=25))
def test_any_text_is_a_phone_or_a_clear_error(text):
    try:
        assert normalise_phone(text).isdigit()
    except InvalidInput:
        pass


def test_register_and_duplicate_phone_needs_confirmation(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    details = MemberDetails(name="张小伟", phone="138 0013 8000", id_number="")
    with pytest.raises(DuplicatePhone, match="1 member"):
        members.register(clerk, details)
    member_id = members.register(clerk, details, shared_phone_confirmed=True)
    assert models.Member.get_by_id(member_id).phone == "13800138000"


def test_edits_keep_history(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    member_id = members.register(clerk, MemberDetails(name="赵六", phone="13912345678"))
    changed = members.edit(clerk, member_id, MemberDetails(name="赵六", phone="13912345679",
                                                           level="银卡"))
    assert changed == ["phone", "level"]
    history = [(c.field, c.old_value, c.new_value) for c in
               models.MemberChange.select().order_by(models.MemberChange.id)]
    assert history == [("phone", "13912345678", "13912345679"), ("level", "", "银卡")]


def test_oversize_and_hostile_names_are_refused_by_the_service(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    with pytest.raises(InvalidInput, match="1 to 50"):
        members.register(clerk, MemberDetails(name="张" * 51, phone="13912345678"))
    member_id = members.register(clerk, MemberDetails(name="=HYPERLINK(\"x\")",
                                                      phone="13912345678"))
    assert models.Member.get_by_id(member_id).name == "=HYPERLINK(\"x\")"  # stored as text


def test_cashier_may_not_register(cashier):
    from kiosk.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        members.register(cashier, MemberDetails(name="x", phone="13912345678"))
