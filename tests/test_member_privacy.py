"""Member phone and ID numbers are masked wherever members are listed or shown; a role
with member.reveal sees them in full, and each look is an audit event."""

from dataclasses import replace

import pytest

from kiosk.errors import PermissionDenied
from kiosk.identity import mask_id_number, mask_phone
from kiosk.services import members
from kiosk.services.members import MemberQuery
from kiosk.store import models
from kiosk.screens.member_form import MemberFormScreen
from tests.app_helpers import (log_in, make_app, seeded_runtime, wait_for_message,
                               wait_for_screen, wait_until)
from tests.conftest import login_as

PHONE, ID_NUMBER = "13800138000", "110101199003078515"  # the demo's 张伟


def zhang_wei() -> int:
    return models.Member.get(models.Member.phone == PHONE).id


def reveals() -> list[tuple[str, str, str]]:
    return [(event.action, event.subject, event.operator_login) for event in
            models.AuditEvent.select().where(models.AuditEvent.action == "member.reveal")
            .order_by(models.AuditEvent.seq)]


def test_masks():
    assert mask_phone(PHONE) == "138****8000"
    assert mask_id_number(ID_NUMBER) == "110***********8515"


def test_search_and_get_show_masked_phone_and_id_number(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    (row,) = members.search(clerk, MemberQuery(id_number=ID_NUMBER))
    assert row.phone == "138****8000" and row.name == "张伟"
    member_id = zhang_wei()
    record = members.get(clerk, member_id)
    assert (record.details.phone, record.details.id_number) == ("138****8000",
                                                                "110***********8515")
    full = members.reveal(login_as(seeded, "super1"), member_id)
    members.edit(clerk, member_id, replace(full, phone="13912345678"))
    (_, field, old, new), = members.get(clerk, member_id).history
    assert (field, old, new) == ("phone", "138****8000", "139****5678")


def test_reveal_needs_the_permission_and_is_audited_each_time(seeded):
    clerk, supervisor = login_as(seeded, "clerk1", "T02"), login_as(seeded, "super1")
    with pytest.raises(PermissionDenied, match="member.reveal"):
        members.reveal(clerk, zhang_wei())
    assert reveals() == []
    for _ in range(2):
        details = members.reveal(supervisor, zhang_wei())
        assert (details.phone, details.id_number) == (PHONE, ID_NUMBER)
    assert reveals() == [("member.reveal", f"member:{zhang_wei()}", "super1")] * 2


def test_a_form_sent_back_masked_changes_only_what_was_typed(seeded):
    clerk, member_id = login_as(seeded, "clerk1", "T02"), zhang_wei()
    shown = members.get(clerk, member_id).details
    assert members.edit(clerk, member_id, replace(shown, level="银卡")) == ["level"]
    stored = models.Member.get_by_id(member_id)
    assert (stored.phone, stored.id_number, stored.level) == (PHONE, ID_NUMBER, "银卡")
    assert members.edit(clerk, member_id, replace(shown, level="银卡", phone="13912345678")) \
        == ["phone"]
    assert models.Member.get_by_id(member_id).phone == "13912345678"


async def open_member_form(pilot, login: tuple[str, str]):
    await log_in(pilot, *login)
    pilot.app.push_screen(MemberFormScreen(zhang_wei()))
    await wait_for_screen(pilot, "MemberFormScreen")
    await wait_until(pilot, lambda: pilot.app.screen.value("phone") == "138****8000",
                     "the form shows the member masked")


async def test_f8_on_the_member_form_shows_phone_and_id_number_in_full(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_member_form(pilot, ("super1", "Super1234"))
        await pilot.press("f8")
        await wait_until(pilot, lambda: (app.screen.value("phone"), app.screen.value(
            "id_number")) == (PHONE, ID_NUMBER), "F8 shows the details in full")
    assert [action for action, _, _ in reveals()] == ["member.reveal"]


async def test_f8_for_a_clerk_says_the_right_is_missing_and_keeps_the_mask(tmp_path):
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_member_form(pilot, ("clerk1", "Clerk1234"))
        await pilot.press("f8")
        await wait_for_message(pilot, "member.reveal")
        assert app.screen.value("phone") == "138****8000"
    assert reveals() == []


def test_a_refused_right_is_named_in_the_screens_language(seeded):
    from kiosk.i18n import translator
    clerk = login_as(seeded, "clerk1", "T02")
    with pytest.raises(PermissionDenied) as refused:
        members.reveal(clerk, zhang_wei())
    assert refused.value.render(translator("zh_CN")) == (  # no English right code in it
        "您的角色无权查看会员完整的手机号和证件号（权限：查看完整会员资料）。")
    assert "see a member's phone and ID number in full" in str(refused.value)


async def test_the_change_history_names_fields_and_shows_the_outlets_time(tmp_path):
    from kiosk.services.business_date import local_time
    runtime = seeded_runtime(tmp_path)
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "super1", "Super1234")
        members.edit(app.session, zhang_wei(), replace(
            members.reveal(app.session, zhang_wei()), id_number="110101199003074514"))
        pilot.app.push_screen(MemberFormScreen(zhang_wei()))
        await wait_for_screen(pilot, "MemberFormScreen")
        await wait_until(pilot, lambda: "→" in str(app.screen.query_one("#details").render()),
                         "the history is shown")
        details = str(app.screen.query_one("#details").render())
    change = models.MemberChange.get()
    shanghai = local_time(change.changed_at, "Asia/Shanghai").strftime("%Y-%m-%d %H:%M")
    assert f"{shanghai} ID number: 110***********8515 → 110***********4514" in details
