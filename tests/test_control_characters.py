"""A NUL (or another control character) typed into a member search, a member form or
the back office's journal lookup: refused with a message on both backends (PostgreSQL's
driver used to raise ValueError)."""

from dataclasses import fields, replace

import pytest

from kiosk.services import journal, members
from kiosk.services.members import MemberDetails, MemberQuery
from kiosk.store import models
from kiosk.text import ControlCharacter, plain_text
from tests.conftest import login_as

CONTROLS = ["\x00", "\x1b[2J", "\r\n", "\x7f"]
GOOD = MemberDetails(name="赵六", phone="13912345678", id_number="110101199003074514",
                     level="银卡", source="门店", region="华东", tags="家庭")


def test_plain_text_refuses_c0_controls_and_del_only():
    plain_text("张伟 Zhang", "１３８", "¥100.00", None, 7)
    for control in CONTROLS + ["\t", "\x01"]:
        with pytest.raises(ControlCharacter, match="Control characters"):
            plain_text("ok", f"a{control}b")


def test_member_search_fields_refuse_control_characters(system):
    for field in [field.name for field in fields(MemberQuery)]:
        for control in CONTROLS:
            with pytest.raises(ControlCharacter):
                members.search(system, MemberQuery(**{field: f"138{control}0"}))
        assert members.search(system, MemberQuery(**{field: "no such member"})) == [], field


def test_member_registration_and_edit_refuse_a_nul_in_any_field(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    member_id = members.register(clerk, GOOD)
    before = models.Member.select().count()
    for field in [field.name for field in fields(MemberDetails)]:
        bad = replace(GOOD, **{field: getattr(GOOD, field)[:5] + "\x00"})
        with pytest.raises(ControlCharacter):
            members.register(clerk, bad)
        with pytest.raises(ControlCharacter):
            members.edit(clerk, member_id, bad)
    assert models.Member.select().count() == before
    assert models.MemberChange.select().count() == 0


def test_the_journal_lookup_by_phone_refuses_control_characters(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    for typed in ({"member_phone": "13800138000\x00"}, {"card_number": "8888\x00"}):
        with pytest.raises(ControlCharacter):
            journal.by_card_or_member(clerk, **typed)
    assert journal.by_card_or_member(clerk, member_phone="13800138000")
