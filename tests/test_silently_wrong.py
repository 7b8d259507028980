"""Input that used to go through silently wrong: a first row lost as a header, a typo of
ten billion yuan in a batch list, an old card lost in the old system migrated."""

from dataclasses import replace

import pytest

from kiosk.errors import InvalidInput
from kiosk.hw.sms import SimCodeSender
from kiosk.services import batch_recharge, migration
from kiosk.services.migration import LegacyFilter, MigrationRequest
from kiosk.store import models
from kiosk.tables import TableProblems, looks_like_header
from tests.conftest import MAIN_CARD, SV_CARD, login_as


@pytest.fixture
def clerk(seeded):
    return login_as(seeded, "clerk1", "T02")


def write(tmp_path, text, name="list.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def lines(batch_id):
    return [(line.line_no, line.card_number, line.amount) for line in
            models.BatchLine.select().where(models.BatchLine.batch == batch_id)
            .order_by(models.BatchLine.line_no)]


@pytest.mark.parametrize("cells, header", [
    (["卡号", "金额"], True), (["card", "amount"], True), (["卡号", "余额", "门店", "状态"], True),
    ([SV_CARD, "¥100.00"], False), ([SV_CARD, "￥100"], False), ([SV_CARD, "100"], False),
    ([SV_CARD], False), ([SV_CARD, ""], False), (["", "1.234"], False)])
def test_a_first_row_with_a_digit_is_data(cells, header):
    assert looks_like_header(cells) is header


def test_a_headerless_list_keeps_its_first_row_written_with_a_yuan_sign(clerk, tmp_path):
    path = write(tmp_path, f"{SV_CARD},¥100.00\n{MAIN_CARD},¥50\n")
    batch_id = batch_recharge.import_list(clerk, path, name="no header")
    assert lines(batch_id) == [(1, SV_CARD, 10000), (2, MAIN_CARD, 5000)]


def test_a_headerless_first_row_missing_its_amount_is_reported_not_dropped(clerk, tmp_path):
    path = write(tmp_path, f"{SV_CARD}\n{MAIN_CARD},50\n")
    with pytest.raises(TableProblems, match="line 1: Enter an amount"):
        batch_recharge.import_list(clerk, path, name="no amount")


def test_a_batch_line_above_the_line_maximum_is_a_bad_row(clerk, tmp_path):
    # Line 3 is at the line maximum, which a prepaid card's limit would refuse on its
    # own (tests/test_prepaid.py): here the company card is not a prepaid product.
    models.CardProduct.update(prepaid=False).where(models.CardProduct.code == "CORP").execute()
    path = write(tmp_path, f"卡号,金额\n{SV_CARD},9999999999.99\n{MAIN_CARD},50000.00\n")
    with pytest.raises(TableProblems) as raised:
        batch_recharge.import_list(clerk, path, name="typo")
    assert [(problem.line, problem.params) for problem in raised.value.problems] == [
        (2, {"amount": "¥9999999999.99", "most": "¥50000.00"})]
    assert models.BatchList.select().count() == 0


def test_the_limits_are_settings_and_a_list_has_a_maximum_total(clerk, tmp_path):
    path = write(tmp_path, f"{SV_CARD},600\n{MAIN_CARD},500\n")
    lower = replace(clerk, runtime=replace(clerk.runtime, settings=replace(
        clerk.runtime.settings, batch_line_max_yuan=1000, batch_list_max_yuan=1000)))
    with pytest.raises(InvalidInput, match="totals ¥1100.00, more than the ¥1000.00"):
        batch_recharge.import_list(lower, path, name="too much")
    stricter = replace(lower, runtime=replace(lower.runtime, settings=replace(
        lower.runtime.settings, batch_line_max_yuan=550)))
    with pytest.raises(TableProblems, match="line 1: ¥600.00 is more than the ¥550.00"):
        batch_recharge.import_list(stricter, path, name="too much")
    assert models.BatchList.select().count() == 0
    assert batch_recharge.import_list(clerk, path, name="defaults")  # ¥50,000 / ¥5,000,000


def test_the_defaults_are_fifty_thousand_a_line_and_five_million_a_list(runtime):
    settings = runtime.settings
    assert (settings.batch_line_max_yuan, settings.batch_list_max_yuan) == (50_000, 5_000_000)


def test_an_old_card_lost_in_the_old_system_keeps_its_status_and_does_not_migrate(clerk, tmp_path):
    path = write(tmp_path, "卡号,余额,门店,状态,卡类型\n"
                           "6100000000000021,88.00,31010001,已挂失,老储值卡\n"
                           "6100000000000022,9.00,31010001,冻结,老储值卡\n")
    assert migration.import_balances(clerk, path) == 2
    rows = migration.listing(clerk, LegacyFilter(number="61000000000000"))
    assert {row.number: row.status for row in rows if row.number.endswith(("21", "22"))} == {
        "6100000000000021": "已挂失", "6100000000000022": "冻结"}
    member = models.Member.get(models.Member.phone == "13800138000").id
    for number, status in (("6100000000000021", "已挂失"), ("6100000000000003", "挂失")):
        sender = SimCodeSender()
        migration.send_code(clerk, member, sender)
        code = sender.sent[-1][1].split("验证码为")[1][:6]
        with pytest.raises(InvalidInput, match=f"marked '{status}' in the old system"):
            migration.migrate(clerk, MigrationRequest(number, member, code))
        legacy = models.LegacyCard.get(models.LegacyCard.number == number)
        assert legacy.migrated_at is None and legacy.status == status
    assert models.Operation.select().where(models.Operation.kind == "migration").count() == 0
