"""Batch recharge lists, insurance-to-stored-value requests and the physical card
migration: import checks reported by line, reviews, idempotent runs, once-only moves."""

import datetime as dt
import json
import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook

from kiosk.errors import InvalidInput, KioskError, NotFound, PermissionDenied
from kiosk.hw.sms import SimCodeSender
from kiosk.services import batch_recharge, cards, charge, insurance_transfers, migration, verify
from kiosk.services.charge import Review
from kiosk.services.demo import tiny_png
from kiosk.services.migration import LegacyFilter, MigrationRequest
from kiosk.store import models
from kiosk.tables import TableProblems
from tests.conftest import INS_CARD, MAIN_CARD, SV_CARD, login_as

SUPERVISOR = Review("super1", "Super1234")


@pytest.fixture
def clerk(seeded):
    return login_as(seeded, "clerk1", "T02")


def principal(number):
    return cards.balances(cards.get_card(number))["principal"]


def write_csv(tmp_path, text, name="list.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- batch recharge ---------------------------------------------------------------------
def test_a_list_from_import_to_run(clerk, tmp_path):
    path = write_csv(tmp_path, f"卡号,金额\n{SV_CARD},100.00\n{MAIN_CARD},500\n")
    before = principal(SV_CARD), principal(MAIN_CARD)
    batch_id = batch_recharge.import_list(clerk, path, name="示范科技 11月")
    with pytest.raises(InvalidInput, match="reviewed"):
        batch_recharge.run(clerk, batch_id)
    batch_recharge.submit(clerk, batch_id)
    with pytest.raises(PermissionDenied, match="different"):
        batch_recharge.review(clerk, batch_id, Review("clerk1", "Clerk1234"))
    batch_recharge.review(clerk, batch_id, SUPERVISOR)
    report = batch_recharge.run(clerk, batch_id)
    assert (report.posted, report.already_posted, report.failed) == (2, 0, [])
    assert (principal(SV_CARD), principal(MAIN_CARD)) == (before[0] + 10000, before[1] + 50000)
    again = batch_recharge.run(clerk, batch_id)  # a rerun posts nothing twice
    assert (again.posted, again.already_posted) == (0, 2)
    assert principal(SV_CARD) == before[0] + 10000
    summary = batch_recharge.summaries(clerk)[0]
    assert (summary.status, summary.posted, summary.total) == ("run", 2, 60000)
    assert verify.verify(clerk.runtime.sealer).ok


def test_the_same_list_again_is_imported_only_when_the_clerk_says_it_is_a_new_payment(
        clerk, tmp_path):
    path = write_csv(tmp_path, f"卡号,金额\n{SV_CARD},100.00\n{MAIN_CARD},500\n")
    first = batch_recharge.import_list(clerk, path, name="11月")
    with pytest.raises(batch_recharge.RepeatedList, match=f"list #{first}"):
        batch_recharge.import_list(clerk, path, name="11月 again")
    second = batch_recharge.import_list(clerk, path, name="12月", repeat_confirmed=True)
    assert second != first
    batch_recharge.void(clerk, first)  # a voided list is no reason to ask
    other = write_csv(tmp_path, f"卡号,金额\n{SV_CARD},100.00\n")
    batch_recharge.import_list(clerk, other, name="another")  # different lines: no question


def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(clerk, tmp_path):
    path = write_csv(tmp_path, f"卡号,金额\n{SV_CARD},100.005\n{SV_CARD},20\n{SV_CARD},30\n"
                               f"8888000000009999,10\n{INS_CARD},5\n")
    with pytest.raises(TableProblems) as caught:
        batch_recharge.import_list(clerk, path, name="bad")
    lines = {problem.line: problem.render(lambda text: text) for problem in caught.value.problems}
    assert set(lines) == {2, 4, 5, 6}
    assert "decimals" in lines[2] and "already on line 3" in lines[4]
    assert "no card" in lines[5] and "insurance" in lines[6]
    assert models.BatchList.select().count() == 0


def test_xlsx_lists_and_void_and_withdraw(clerk, tmp_path):
    book = Workbook()
    book.active.append(["card", "amount"])
    book.active.append([SV_CARD, 12.5])
    path = tmp_path / "list.xlsx"
    book.save(path)
    batch_id = batch_recharge.import_list(clerk, path, name="xlsx")
    assert models.BatchLine.get(models.BatchLine.batch == batch_id).amount == 1250
    batch_recharge.submit(clerk, batch_id)
    batch_recharge.withdraw(clerk, batch_id)
    batch_recharge.void(clerk, batch_id)
    with pytest.raises(InvalidInput):
        batch_recharge.submit(clerk, batch_id)


@pytest.mark.parametrize("name, data, fragment", [
    ("list.txt", b"x", "Only .csv"), ("list.xlsx", b"not a zip", "readable .xlsx"),
    ("list.csv", b"\xff\xfe\x00\x00garbage\x00", "UTF-8"), ("list.csv", b"", "no rows")])
def test_unreadable_files_get_a_clear_message(clerk, tmp_path, name, data, fragment):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InvalidInput, match=fragment):
        batch_recharge.import_list(clerk, path, name="x")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_fuzzed_list_files_never_crash_or_post(clerk, tmp_path, data):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    before = models.Operation.select().count()
    try:
        batch_recharge.import_list(clerk, path, name="fuzz")
    except KioskError:
        pass
    assert models.Operation.select().count() == before


# -- insurance card to stored value ---------------------------------------------------------
@pytest.fixture
def insurance_charge(seeded):
    """李秀英 has the insurance card; give her a stored-value card too."""
    member = cards.get_card(INS_CARD).member_id
    models.Card.update(member=member).where(models.Card.number == SV_CARD).execute()
    cashier = login_as(seeded, "cashier1")
    return charge.charge(cashier, card_number=INS_CARD, amount=10000, pin="123456", key="ins")


def test_insurance_transfer_request_approval_and_monthly_list(clerk, seeded, insurance_charge):
    request_id = insurance_transfers.file_request(
        clerk, charge_operation_id=insurance_charge.operation_id, target_card_number=SV_CARD)
    assert insurance_transfers.file_request(  # the same request again is the same request
        clerk, charge_operation_id=insurance_charge.operation_id,
        target_card_number=SV_CARD) == request_id
    with pytest.raises(PermissionDenied):
        insurance_transfers.decide(clerk, request_id, approve=True)
    cashier = login_as(seeded, "cashier1")
    with pytest.raises(KioskError, match="filed for transfer"):
        charge.refund(cashier, original_operation_id=insurance_charge.operation_id,
                      amount=100, key="r", review=SUPERVISOR)
    finance = login_as(seeded, "finance1")
    before = principal(SV_CARD)
    result = insurance_transfers.decide(finance, request_id, approve=True)
    assert principal(SV_CARD) == before + 10000 and result.endorsement == "泰康卡转储值卡100.00元"
    with pytest.raises(InvalidInput, match="already decided"):
        insurance_transfers.decide(finance, request_id, approve=False)
    with pytest.raises(InvalidInput, match="decided already: approved"):  # not asked again
        insurance_transfers.check_decidable(finance, request_id)
    assert insurance_transfers.decide(finance, request_id, approve=True).replayed
    with pytest.raises(InvalidInput, match="was approved already"):  # filed again: said so
        insurance_transfers.file_request(
            clerk, charge_operation_id=insurance_charge.operation_id,
            target_card_number=SV_CARD)
    with pytest.raises(NotFound, match="no journal no. 99999"):
        insurance_transfers.file_request(clerk, charge_operation_id=99999,
                                         target_card_number=SV_CARD)
    month = seeded.clock().strftime("%Y-%m")
    rows = insurance_transfers.listing(finance, month=month)
    assert [(row.status, row.endorsement) for row in rows] == [("approved", "泰康卡转储值卡100.00元")]
    from kiosk.hw.printer import SimPrinter
    printer = SimPrinter(seeded.settings.receipts_dir)
    assert insurance_transfers.print_monthly_list(finance, printer, month) == 1
    printed = (seeded.settings.receipts_dir / f"insurance-transfers-{month}.txt").read_text()
    assert re.search(rf"^Month +{month}$", printed, re.M)  # the month whole, on its line
    assert "泰康卡转储值卡100.00元" in printed
    assert verify.verify(clerk.runtime.sealer).ok


def test_rejected_requests_credit_nothing(clerk, seeded, insurance_charge):
    request_id = insurance_transfers.file_request(
        clerk, charge_operation_id=insurance_charge.operation_id, target_card_number=SV_CARD)
    before = principal(SV_CARD)
    insurance_transfers.decide(login_as(seeded, "finance1"), request_id, approve=False,
                               reason="not covered")
    assert principal(SV_CARD) == before
    with pytest.raises(InvalidInput, match=r"was rejected \(not covered\): refund"):
        insurance_transfers.file_request(
            clerk, charge_operation_id=insurance_charge.operation_id,
            target_card_number=SV_CARD)


def test_transfers_need_the_same_members_insurance_charge(clerk, seeded):
    cashier = login_as(seeded, "cashier1")
    sale = charge.charge(cashier, card_number=INS_CARD, amount=100, pin="123456", key="i2")
    with pytest.raises(InvalidInput, match="same member"):
        insurance_transfers.file_request(clerk, charge_operation_id=sale.operation_id,
                                         target_card_number=SV_CARD)
    own = charge.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="s2")
    with pytest.raises(InvalidInput, match="insurance card"):
        insurance_transfers.file_request(clerk, charge_operation_id=own.operation_id,
                                         target_card_number=SV_CARD)


# -- physical card migration -------------------------------------------------------------
OLD_CARD = "6100000000000001"


def sent_code(sender):
    return sender.sent[-1][1].split("验证码为")[1][:6]


def zhang_wei():
    return models.Member.get(models.Member.phone == "13800138000").id


def test_migrate_an_old_card_once(clerk, tmp_path):
    from kiosk.services import cards
    with pytest.raises(NotFound, match="old system's card: migrate it"):
        cards.look_up(clerk, OLD_CARD)
    sender = SimCodeSender()
    assert migration.send_code(clerk, zhang_wei(), sender) == "138****8000"
    voucher = tmp_path / "v.png"
    voucher.write_bytes(tiny_png())
    before = principal(SV_CARD)
    request = MigrationRequest(OLD_CARD, zhang_wei(), sent_code(sender), (str(voucher),),
                               remarks="旧卡余额 350.50")
    result = migration.migrate(clerk, request)
    assert principal(SV_CARD) == before + 35050 and result.amount == 35050
    old = models.LegacyCard.get(models.LegacyCard.number == OLD_CARD)
    assert old.migrated_at and old.operator.login_id == "clerk1" and old.status == "void"
    stored = clerk.runtime.settings.home / "vouchers" / OLD_CARD / json.loads(old.vouchers)[0]
    assert stored.read_bytes() == tiny_png() and stored.stat().st_mode & 0o077 == 0
    assert migration.migrate(clerk, request).replayed  # the same request: no second post
    with pytest.raises(NotFound, match=f"was migrated: its money is on card {SV_CARD[:6]}"):
        cards.look_up(clerk, OLD_CARD)  # typed at the till: where the money went
    assert principal(SV_CARD) == before + 35050
    other = models.Member.get(models.Member.phone == "13700137000").id
    with pytest.raises(InvalidInput, match="already migrated"):
        migration.migrate(clerk, replace(request, member_id=other))
    assert [row.number for row in migration.listing(clerk, LegacyFilter(migrated=True))] == [OLD_CARD]
    from kiosk.services.members import MemberQuery, search
    assert search(clerk, MemberQuery(old_card_number=OLD_CARD))[0].member_id == zhang_wei()
    assert verify.verify(clerk.runtime.sealer).ok


def test_codes_expire_after_ten_minutes_and_wrong_codes_count(clerk):
    sender = SimCodeSender()
    migration.send_code(clerk, zhang_wei(), sender)
    code = sent_code(sender)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(migration.WrongCode, match="type it again"):
        migration.migrate(clerk, MigrationRequest(OLD_CARD, zhang_wei(), wrong))
    later = replace(clerk.runtime, clock=lambda: clerk.now() + dt.timedelta(minutes=11))
    with pytest.raises(migration.WrongCode, match="expired"):
        migration.migrate(replace(clerk, runtime=later),
                          MigrationRequest(OLD_CARD, zhang_wei(), code))
    assert not code in str([row.code_hash for row in models.VerificationCode.select()])


@pytest.mark.parametrize("content, name, fragment", [
    (b"GIF89a....", "fake.jpg", "not a JPG or PNG"),
    (b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024), "big.png", "larger than 2 MB")])
def test_vouchers_are_checked_by_content_and_size(clerk, tmp_path, content, name, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    sender = SimCodeSender()
    migration.send_code(clerk, zhang_wei(), sender)
    with pytest.raises(InvalidInput, match=fragment):
        migration.migrate(clerk, MigrationRequest(OLD_CARD, zhang_wei(), sent_code(sender),
                                                  (str(path),)))
    assert models.LegacyCard.get(models.LegacyCard.number == OLD_CARD).migrated_at is None


def test_at_most_five_vouchers_and_500_characters(clerk, tmp_path):
    sender = SimCodeSender()
    migration.send_code(clerk, zhang_wei(), sender)
    with pytest.raises(InvalidInput, match="500"):
        migration.migrate(clerk, MigrationRequest(OLD_CARD, zhang_wei(), sent_code(sender),
                                                  remarks="x" * 501))
    with pytest.raises(InvalidInput, match="5 voucher"):
        migration.store_vouchers(clerk, OLD_CARD, ["a"] * 6)


def test_import_old_balances(clerk, tmp_path):
    path = write_csv(tmp_path, "卡号,余额,门店,状态,卡类型\n6100000000000011,66.60,31010001,正常,老储值卡\n")
    assert migration.import_balances(clerk, path) == 1
    with pytest.raises(TableProblems, match="imported before"):
        migration.import_balances(clerk, path)
    bad = write_csv(tmp_path, "6100000000000012,1.234,31010001,正常\n", name="bad.csv")
    with pytest.raises(TableProblems, match="line 1"):
        migration.import_balances(clerk, bad)
    rows = migration.listing(clerk, LegacyFilter(min_balance=6000, max_balance=7000))
    assert [row.number for row in rows] == ["6100000000000011"]
    assert [row.number for row in migration.listing(clerk, LegacyFilter(card_type="老会员卡"))] \
        == ["6100000000000003"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(max_size=12), max_size=6), max_size=8))
def test_fuzzed_old_balance_files_import_all_or_nothing(clerk, tmp_path, rows):
    import csv
    path = tmp_path / "old.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    before = models.LegacyCard.select().count()
    try:
        imported = migration.import_balances(clerk, path)
    except KioskError:
        imported = 0
    assert models.LegacyCard.select().count() == before + imported


def test_old_cards_belong_to_the_outlet_they_were_imported_for(chain, runtime, tmp_path):
    """The head office imports for its outlets, an outlet for itself only; an outlet
    lists and migrates its own old cards, never another's."""
    from kiosk.services import admin, operators
    from kiosk.tables import TableProblems
    from tests.conftest import log_in
    admin.save_outlet(chain, admin.OutletDetails("10000002", "南京东路店"))
    admin.add_terminal(chain, "10000002", "T01")
    admin.add_operator(chain, "10000002", "clerk2", "李娜", "clerk", "Start1234")
    shop = log_in(runtime, "10000002", "clerk2", "Start1234")
    operators.change_password(shop, old_password="Start1234", new_password="Clerk1234")
    shop = log_in(runtime, "10000002", "clerk2", "Clerk1234")
    path = tmp_path / "old.csv"
    path.write_text("卡号,余额,门店\n6100000000000101,10.00,10000002\n"
                    "6100000000000102,20.00,99999999\n", encoding="utf-8")
    with pytest.raises(TableProblems) as caught:
        migration.import_balances(chain, path)
    assert [p.line for p in caught.value.problems] == [3]  # no outlet 99999999
    path.write_text("卡号,余额,门店\n6100000000000101,10.00,10000002\n", encoding="utf-8")
    assert migration.import_balances(chain, path) == 1  # the head office, for the shop
    assert [row.number for row in migration.listing(shop, migration.LegacyFilter())] == [
        "6100000000000101"]
    assert migration.listing(chain, migration.LegacyFilter()) == []
    with pytest.raises(InvalidInput, match="belongs to outlet 10000002"):
        migration.migrate(chain, migration.MigrationRequest("6100000000000101", 1, "000000"))
    other = tmp_path / "other.csv"
    other.write_text("卡号,余额,门店\n6100000000000103,10.00,10000001\n", encoding="utf-8")
    with pytest.raises(TableProblems) as caught:
        migration.import_balances(shop, other)
    assert "not this outlet" in caught.value.problems[0].render(lambda text: text)


def test_a_list_in_the_wrong_state_is_named_in_the_screens_language(clerk, tmp_path):
    from kiosk.i18n import translator
    path = write_csv(tmp_path, f"卡号,金额\n{SV_CARD},100.00\n")
    batch_id = batch_recharge.import_list(clerk, path, name="state")
    batch_recharge.submit(clerk, batch_id)
    with pytest.raises(InvalidInput) as refused:
        batch_recharge.submit(clerk, batch_id)
    assert "submitted" not in refused.value.render(translator("zh_CN"))


def test_a_list_line_names_the_cards_state_in_the_screens_language(clerk, tmp_path):
    from kiosk.i18n import translator
    models.Card.update(status="lost").where(models.Card.number == SV_CARD).execute()
    path = write_csv(tmp_path, f"卡号,金额\n{SV_CARD},100.00\n")
    with pytest.raises(TableProblems) as caught:
        batch_recharge.import_list(clerk, path, name="lost")
    problem = caught.value.problems[0]
    assert problem.render(translator("zh_CN")) == "第 2 行：卡 0018 不是正常状态（已挂失）"
    assert problem.render(lambda text: text) == "line 2: card 0018 is not active (lost)"


def test_a_role_without_a_cash_shift_takes_no_money_at_the_till(seeded):
    """admin1 has every right but keeps no till: cash taken would be in no shift report."""
    from kiosk.services.operations import NoCashShift
    from kiosk.services import recharge
    admin_at_till = login_as(seeded, "admin1", "T02")
    assert admin_at_till.actor.shift_id is None
    before = cards.balances(cards.get_card(SV_CARD))
    with pytest.raises(NoCashShift):
        recharge.recharge(admin_at_till, card_number=SV_CARD, amount=20000, tender="cash",
                          key="admin-cash")
    assert cards.balances(cards.get_card(SV_CARD)) == before
    clerk = login_as(seeded, "clerk1", "T02")
    recharge.recharge(clerk, card_number=SV_CARD, amount=20000, tender="cash", key="clerk-cash")
