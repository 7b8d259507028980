"""Old-card migration and member stored value (灵玑云) from an empty store, on both
backends: store mode and unified mode (门店模式/统一模式) of the member, old-card and
journal queries, the unified one only with a chain-wide right; the store ledgers by
business format (业态) with the members holding stored value; the journal's principal
and bonus split and the cards of a journal row; a migrated card's record with its
vouchers and remarks."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.services.business_date import calendar_business_date
from kiosk.errors import InvalidInput, NotFound, PermissionDenied
from kiosk.hw.sms import SimCodeSender
from kiosk.services import admin, journal, ledgers, members, migration, operators, recharge
from kiosk.services.demo import tiny_png
from kiosk.services.scope import STORE, UNIFIED
from kiosk.store import models
from tests.conftest import log_in
from tests.test_points import OUTLET, build_crm, key, operator

OTHER = "10000002"
OLD_CARDS = ("卡号,余额,门店,状态\n6100000000000101,120.50,10000001,正常\n"
             "6100000000000201,30.00,10000002,正常\n")


def other_operator(chain, runtime, login: str, role: str):
    """An operator of the second outlet (its terminal T01), password changed."""
    admin.add_operator(chain, OTHER, login, login, role, "Start1234")
    first = log_in(runtime, OTHER, login, "Start1234")
    operators.change_password(first, old_password="Start1234", new_password="Good1234")
    return log_in(runtime, OTHER, login, "Good1234")


@pytest.fixture
def chain_shop(chain, runtime, tmp_path):
    """build_crm's head office (a pharmacy, 药房), a second outlet (a clinic, 诊所) with a
    clerk and a member of its own, finance at the head office, and two old cards
    imported by the head office: one of each outlet."""
    shop = build_crm(chain, runtime)
    admin.save_outlet(chain, admin.OutletDetails(OUTLET, "总店", business_format="药房"))
    admin.save_outlet(chain, admin.OutletDetails(OTHER, "二店", business_format="诊所"))
    admin.add_terminal(chain, OTHER, "T01")
    shop["finance"] = operator(chain, runtime, "finance1", "finance")
    shop["other_clerk"] = other_operator(chain, runtime, "clerk2", "clerk")
    shop["other_member"] = members.register(shop["other_clerk"], members.MemberDetails(
        "李四", "13900139000", id_number="310101196512120025"))
    path = tmp_path / "old.csv"
    path.write_text(OLD_CARDS, encoding="utf-8")
    assert migration.import_balances(chain, path) == 2
    return shop


def migrate_with_voucher(shop, tmp_path, remarks="原卡已回收") -> migration.MigrationResult:
    voucher = tmp_path / "receipt.png"
    voucher.write_bytes(tiny_png())
    sender = SimCodeSender()
    migration.send_code(shop["clerk"], shop["member_id"], sender)
    code = sender.sent[-1][1].split("验证码为")[1][:6]
    return migration.migrate(shop["clerk"], migration.MigrationRequest(
        "6100000000000101", shop["member_id"], code, (str(voucher),), remarks))


def test_store_mode_reads_this_outlet_and_unified_mode_needs_a_chain_right(chain_shop):
    clerk, finance, other_clerk = (chain_shop["clerk"], chain_shop["finance"],
                                   chain_shop["other_clerk"])
    everyone = members.MemberQuery()
    assert [row.name for row in members.search(clerk, everyone, mode=STORE)] == ["张三丰"]
    assert [row.name for row in members.search(other_clerk, everyone, mode=STORE)] == ["李四"]
    with pytest.raises(PermissionDenied):
        members.search(clerk, everyone, mode=UNIFIED)
    assert {row.name for row in members.search(finance, everyone, mode=UNIFIED)} == {
        "张三丰", "李四"}
    # Picking a member by phone (migration, card details) finds the chain's member.
    assert [row.name for row in members.search(clerk, members.MemberQuery(
        phone="13900139000"))] == ["李四"]
    with pytest.raises(InvalidInput):
        members.search(clerk, everyone, mode="everything")

    stored = chain_shop["stored"]
    assert journal.by_card_or_member(clerk, card_number=stored, mode=STORE)
    assert journal.by_card_or_member(other_clerk, card_number=stored, mode=STORE) == []
    with pytest.raises(PermissionDenied):
        journal.by_card_or_member(other_clerk, card_number=stored, mode=UNIFIED)
    other_finance = other_operator(chain_shop["chain"], chain_shop["runtime"], "finance2",
                                   "finance")
    assert journal.by_card_or_member(other_finance, card_number=stored, mode=UNIFIED)

    rules = migration.LegacyFilter()
    assert [row.number for row in migration.listing(clerk, rules)] == ["6100000000000101"]
    assert [row.number for row in migration.listing(other_clerk, rules, mode=STORE)] == [
        "6100000000000201"]
    with pytest.raises(PermissionDenied):
        migration.listing(clerk, rules, mode=UNIFIED)
    assert [row.number for row in migration.listing(finance, rules, mode=UNIFIED)] == [
        "6100000000000101", "6100000000000201"]


def test_the_journal_splits_principal_and_bonus_and_a_row_leads_to_its_cards(
        chain_shop, tmp_path):
    chain, clerk, stored = chain_shop["chain"], chain_shop["clerk"], chain_shop["stored"]
    today = calendar_business_date(clerk)  # the outlet's date, not UTC's
    admin.add_promotion(chain, "SV", "充500送50", 50000, 5000, today - dt.timedelta(days=1),
                        today + dt.timedelta(days=1))
    recharge.recharge(clerk, card_number=stored, amount=50000, tender="cash", key=key())
    moved = migrate_with_voucher(chain_shop, tmp_path)
    rows = journal.by_card_or_member(clerk, card_number=stored)
    assert [(row.kind, row.principal, row.bonus) for row in rows] == [
        ("migration", 12050, 0), ("recharge", 50000, 5000), ("recharge", 100000, 0),
        ("card_issue", 0, 0)]
    cards = journal.operation_cards(clerk, rows[1].operation_id)
    assert cards.old_card == "" and [(c.number, c.holder, c.principal, c.bonus)
                                     for c in cards.cards] == [
        (stored, "张三丰", 100000 + 50000 + 12050, 5000)]
    cards = journal.operation_cards(clerk, moved.operation_id)
    assert cards.kind == "migration" and cards.old_card == "6100000000000101"
    assert [c.number for c in cards.cards] == [stored]
    with pytest.raises(NotFound):  # another outlet's operation, in store mode
        journal.operation_cards(chain_shop["other_clerk"], moved.operation_id)
    with pytest.raises(PermissionDenied):
        journal.operation_cards(chain_shop["cashier"], moved.operation_id)


def test_a_migrated_cards_record_shows_the_member_vouchers_and_remarks(chain_shop, tmp_path):
    clerk = chain_shop["clerk"]
    with pytest.raises(InvalidInput, match="not migrated"):
        migration.migrated_record(clerk, "6100000000000101")
    moved = migrate_with_voucher(chain_shop, tmp_path)
    record = migration.migrated_record(clerk, "6100000000000101")
    assert (record.member_name, record.member_phone, record.balance, record.remarks,
            record.operator_name, record.operation_id) == (
        "张三丰", "138****8000", 12050, "原卡已回收", "clerk1", moved.operation_id)
    assert record.card_number.endswith(chain_shop["stored"][-4:]) and "*" in record.card_number
    [voucher] = record.vouchers
    assert voucher.kind == "png" and voucher.size == len(tiny_png())
    saved = migration.save_voucher(clerk, "6100000000000101", voucher.name)
    assert saved.read_bytes() == tiny_png() and saved.parent.name == "reports"
    copy = migration.save_voucher(clerk, "6100000000000101", voucher.name,
                                  target=tmp_path / "copy.png")
    assert copy.read_bytes() == tiny_png()
    with pytest.raises(NotFound):  # only a voucher its record lists, never another file
        migration.voucher_image(clerk, "6100000000000101", "../../kiosk.db")
    with pytest.raises(NotFound):  # the head office's card, from the other outlet
        migration.migrated_record(chain_shop["other_clerk"], "6100000000000101")
    assert migration.migrated_record(chain_shop["finance"], "6100000000000101",
                                     mode=UNIFIED).member_name == "张三丰"
    with pytest.raises(PermissionDenied):
        migration.migrated_record(chain_shop["cashier"], "6100000000000101")
    assert models.AuditEvent.select().where(
        models.AuditEvent.action == "migration.voucher").count() == 2


def test_the_store_ledgers_by_business_format_and_the_members_holding_stored_value(
        chain_shop):
    finance, stored = chain_shop["finance"], chain_shop["stored"]
    assert ledgers.business_formats(finance) == ["药房", "诊所"]
    holders = ledgers.stored_value_holders(finance, OUTLET)
    assert [(h.member, h.phone, h.card_number, h.principal, h.bonus, h.total)
            for h in holders] == [("张三丰", "138****8000", stored, 100000, 0, 100000)]
    assert ledgers.stored_value_holders(finance, OUTLET, business_format="药房") == holders
    assert ledgers.stored_value_holders(finance, OUTLET, business_format="诊所") == []
    today = calendar_business_date(finance)
    own = ledgers.general_ledger(finance, OUTLET, today)
    assert ledgers.general_ledger(finance, OTHER, today, business_format="药房") == own
    assert ledgers.general_ledger(finance, OUTLET, today, business_format="诊所") == {}
    daily = ledgers.daily_balance_ledger(finance, OUTLET, today, today, business_format="诊所")
    assert {row.closing for row in daily} == {0}
    with pytest.raises(InvalidInput, match="business format"):
        ledgers.stored_value_holders(finance, OUTLET, business_format="便利店")
    with pytest.raises(PermissionDenied):
        ledgers.stored_value_holders(chain_shop["clerk"], OUTLET)
    table = ledgers.ledger_table(finance, OUTLET, "holders", today, today,
                                 business_format="药房")
    assert table.shown(lambda text: text)[1] == ["张三丰", "138****8000", stored, "1000.00",
                                                "0.00", "1000.00"]


def test_an_outlets_business_format_is_kept_and_checked(chain_shop):
    chain = chain_shop["chain"]
    assert models.Outlet.get(models.Outlet.code == OTHER).business_format == "诊所"
    with pytest.raises(InvalidInput, match="business format"):
        admin.save_outlet(chain, admin.OutletDetails(OTHER, "二店", business_format="x" * 21))
    with pytest.raises(PermissionDenied):
        admin.save_outlet(chain_shop["finance"], admin.OutletDetails(OTHER, "二店"))


def test_the_ledger_of_members_holding_stored_value_from_the_command_line(
        chain_shop, store_url, tmp_path):
    from click.testing import CliRunner

    from kiosk.cli import main
    from kiosk.store import db
    home = chain_shop["runtime"].settings.home
    db.close()
    path = tmp_path / "holders.csv"
    result = CliRunner(env={"KIOSK_LANG": "zh_CN"}).invoke(main, [
        "--db", store_url, "--home", str(home), "ledger", "holders", "--format", "药房",
        "--csv", str(path)])
    db.close()
    assert result.exit_code == 0, result.output
    text = path.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == "会员,手机号,卡号,本金,赠金,合计"
    assert f"张三丰,138****8000,{chain_shop['stored']},1000.00,0.00,1000.00" in text
    unknown = CliRunner().invoke(main, ["--db", store_url, "--home", str(home), "ledger",
                                        "holders", "--format", "便利店"])
    db.close()
    assert unknown.exit_code == 2 and "便利店" in unknown.output


def test_old_cards_and_a_migrated_cards_record_from_the_command_line(
        chain_shop, store_url, tmp_path):
    from click.testing import CliRunner

    from kiosk.cli import main
    from kiosk.store import db
    migrate_with_voucher(chain_shop, tmp_path)
    [voucher] = migration.migrated_record(chain_shop["clerk"], "6100000000000101").vouchers
    db.close()
    env = {"KIOSK_HASH_TIME_COST": "1", "KIOSK_HASH_MEMORY_KIB": "64", "KIOSK_LANG": "en",
           "KIOSK_HOME": str(chain_shop["runtime"].settings.home), "KIOSK_DB": store_url,
           "KIOSK_OUTLET": OUTLET, "KIOSK_TERMINAL": "T01"}

    def kiosk(login: str, *args):
        result = CliRunner(env={**env, "KIOSK_OPERATOR": login,
                                "KIOSK_OPERATOR_PASSWORD": "Good1234"}).invoke(main, list(args))
        db.close()
        return result
    shown = kiosk("clerk1", "legacy", "record", "6100000000000101")
    assert shown.exit_code == 0, shown.output
    assert "张三丰 138****8000" in shown.output and "原卡已回收" in shown.output
    assert f"voucher {voucher.name}  png  {len(tiny_png())}" in shown.output
    out = tmp_path / "v.png"
    copied = kiosk("clerk1", "legacy", "voucher", "6100000000000101", voucher.name,
                   "--out", str(out))
    assert copied.exit_code == 0 and out.read_bytes() == tiny_png()
    listed = kiosk("clerk1", "legacy", "list")
    assert listed.exit_code == 0 and "6100000000000201" not in listed.output
    refused = kiosk("clerk1", "legacy", "list", "--unified")
    assert refused.exit_code == 2 and "may not" in refused.output
    chain_wide = kiosk("finance1", "legacy", "list", "--unified")
    assert chain_wide.exit_code == 0 and "6100000000000201" in chain_wide.output
