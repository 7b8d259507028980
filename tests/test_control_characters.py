"""A NUL (or another control character) typed into a member search, a member form, the
back office's journal lookup or a batch list's name: refused with a message on both backends (PostgreSQL's
driver used to raise ValueError)."""

from dataclasses import fields, replace

import pytest

from kiosk.services import batch_recharge, journal, members
from kiosk.services.members import MemberDetails, MemberQuery
from kiosk.store import models
from kiosk.text import ControlCharacter, plain_text
from tests.conftest import SV_CARD, login_as

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


def test_a_batch_list_name_refuses_control_characters(seeded, tmp_path):
    listing = tmp_path / "list.csv"
    listing.write_text(f"{SV_CARD},100\n", encoding="utf-8")
    clerk = login_as(seeded, "clerk1", "T02")
    with pytest.raises(ControlCharacter):
        batch_recharge.import_list(clerk, listing, name="示范\x00科技")
    assert models.BatchList.select().count() == 0


@pytest.mark.parametrize("call", ["card", "login", "review", "legacy"])
def test_a_nul_reaching_any_lookup_is_refused_with_a_message(seeded, call):
    """Under every service, whichever field a NUL came in by (both databases)."""
    from kiosk.services import cards, charge, migration, operators
    from kiosk.services.bootstrap import terminal_actor
    from kiosk.services.session import Session
    from kiosk.text import ControlCharacter
    from tests.conftest import login_as
    cashier = login_as(seeded, "cashier1")
    calls = {
        "card": lambda: cards.look_up(cashier, "8888\x00000000018"),
        "login": lambda: operators.login(Session(seeded, terminal_actor("31010001", "T01")),
                                         outlet_code="31010001", login_id="cash\x00ier1",
                                         password="Cashier123"),
        "review": lambda: operators.authorise_review(
            cashier, charge.Review("super\x001", "Super1234"), "refund"),
        "legacy": lambda: migration.listing(login_as(seeded, "clerk1", "T02"),
                                            migration.LegacyFilter(number="61\x00")),
    }
    with pytest.raises(ControlCharacter):
        calls[call]()
