"""Voucher print templates (凭证打印模板) from an empty store: a default for every voucher,
the chain's own kept and checked, laid out for the printer (GB18030, ￥, cells); a named
card's issue prints the customer application form (客户业务申请表) from its template."""

from __future__ import annotations

import json

import pytest

from kiosk.errors import InvalidInput, PermissionDenied
from kiosk.hw.printer import SimPrinter
from kiosk.services import card_care, members, receipts, recharge, sub_cards, vouchers
from kiosk.services.issuing import IssueRequest, issue
from kiosk.store import models
from tests.fuel_shop import PIN, FuelShop, command_line, key


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime)


def printed(shop, session) -> dict[str, str]:
    folder = shop.runtime.settings.home / "printed"
    receipts.print_pending(session, SimPrinter(folder))
    return {path.stem: path.read_text(encoding="utf-8") for path in folder.glob("*.txt")}


def test_every_voucher_has_a_default_and_the_chains_own_is_checked(shop):
    listed = vouchers.vouchers(shop.admin)
    assert [row.kind for row in listed] == ["card_issue", "recharge", "loss", "replacement",
                                            "clearing", "application_form"]
    assert not any(row.kept for row in listed)
    with pytest.raises(PermissionDenied):
        vouchers.vouchers(shop.clerk)
    default = vouchers.template(shop.admin, "recharge")
    assert "Amount | {amount}" in default and "Promotion | {promotion}" in default
    preview = vouchers.preview(shop.admin, "application_form")
    assert "CUSTOMER APPLICATION FORM" in preview and "Customer signature：___" in preview
    for body, message in (("卡号 | {card_no}", "no value"), ("{amount:>10}", "no value"),
                          ("金额 {amount", "not closed"), ("", "at least one"),
                          ("\n".join(["x"] * 61), "at most 60"), ("a\tb", "Control")):
        with pytest.raises(InvalidInput, match=message):
            vouchers.save(shop.admin, "recharge", body)
    with pytest.raises(InvalidInput, match="Unknown voucher"):
        vouchers.save(shop.admin, "coupon", "x")


def test_a_recharge_prints_the_chains_template(shop):
    vouchers.save(shop.admin, "recharge", "= 加油卡充值凭证\n卡号 | {card}\n充值金额 | {amount}\n"
                                          "活动 | {promotion}\n---\n^ 请妥善保管\n__ 客户签字\n")
    assert [row.kept for row in vouchers.vouchers(shop.admin)][1]
    number = shop.card()
    done = recharge.recharge(shop.clerk, card_number=number, amount=50000, tender="cash",
                             key=key())
    document = json.loads(models.Receipt.get_by_id(done.receipt_id).document)
    assert document["title"] == "加油卡充值凭证"
    text = printed(shop, shop.clerk)["T01-000002"]  # the card's issue printed first
    lines = text.splitlines()
    assert "充值金额" in text and "￥500.00" in text and "¥" not in text
    assert "活动" not in text  # no promotion ran: its line is left out
    assert any(line.startswith("客户签字：") and line.endswith("____") for line in lines)
    assert all(len(line.encode("gb18030")) <= 32 for line in lines)  # cells, not characters
    vouchers.reset(shop.admin, "recharge")
    assert vouchers.template(shop.admin, "recharge") == vouchers.default_body(
        "recharge", lambda text: text)


def test_a_named_cards_issue_prints_the_application_form_an_anonymous_one_does_not(shop):
    member = members.register(shop.clerk, members.MemberDetails(
        "张伟", "13800138000", "110101199003078515"))
    named, anonymous = shop.blank(), shop.blank()
    done = issue(shop.clerk, IssueRequest(named, member, PIN, 0, 0), key=key())
    assert done.form_receipt_id is not None
    assert issue(shop.clerk, IssueRequest(anonymous, None, PIN, 0, 0),
                 key=key()).form_receipt_id is None
    label = f"T01-{models.Receipt.get_by_id(done.form_receipt_id).receipt_no:06d}"
    form = printed(shop, shop.clerk)[label]
    assert "CUSTOMER APPLICATION FORM" in form and "张伟" in form
    assert "110***********8515" in form and "138****8000" in form
    assert "110101199003078515" not in form
    assert "Customer signature：" in form and "Clerk signature：" in form
    body = (shop.runtime.settings.home / "printed" / f"{label}.bin").read_bytes()
    assert "张伟".encode("gb18030") in body


def test_sub_cards_issued_together_print_one_form_and_a_loss_slip_its_template(shop):
    code = shop.customer()
    main = shop.main_card(code)
    batch = sub_cards.SubCardBatch((shop.blank(), shop.blank()), PIN, 0, 0, main_number=main)
    done = sub_cards.issue_sub_cards(shop.clerk, batch, key=key())
    form = json.loads(models.Receipt.get_by_id(done.form_receipt_id).document)
    rows = {block[1]: block[2] for block in form["blocks"] if block[0] == "row"}
    assert rows["Business"] == "sub cards issued" and rows["Number of cards"] == "2"
    assert rows["Customer"].startswith(code) and rows["Invoice title"] == "示范运输有限公司"
    vouchers.save(shop.admin, "loss", "卡号 | {card}\n状态 | {status}\n__ 持卡人签字")
    printer = SimPrinter(shop.runtime.settings.home / "slips")
    slip = card_care.report_loss(shop.clerk, main, "0000", printer)
    assert slip.slip_printed
    text = (shop.runtime.settings.home / "slips" / f"loss-{main[-4:]}.txt").read_text(
        encoding="utf-8")
    assert "CARD REPORTED LOST" in text and "状态" in text and "持卡人签字：" in text


def test_the_chain_keeps_templates_from_the_command_line(shop, store_url, tmp_path):
    kiosk = command_line(shop, store_url, "admin", language="zh_CN")

    shown = kiosk("admin", "voucher", "show", "card_issue")
    assert shown.exit_code == 0 and "卡号 | {card}" in shown.output, shown.output
    template = tmp_path / "issue.txt"
    template.write_text("= 发卡凭证\n卡号 | {card}\n工本费 | {fee}\n__ 客户签字\n", encoding="utf-8")
    assert kiosk("admin", "voucher", "set", "card_issue", str(template)).exit_code == 0
    preview = kiosk("admin", "voucher", "show", "card_issue", "--preview")
    assert "发卡凭证" in preview.output and "￥10.00" in preview.output
    assert "card_issue" in kiosk("admin", "voucher", "list").output
    bad = tmp_path / "bad.txt"
    bad.write_text("卡号 | {kahao}\n", encoding="utf-8")
    refused = kiosk("admin", "voucher", "set", "card_issue", str(bad))
    assert refused.exit_code == 2 and "kahao" in refused.output
    notepad = tmp_path / "notepad.txt"  # as Notepad on Chinese Windows saves it
    notepad.write_bytes("= 发卡凭证（门店）\n卡号 | {card}\n".encode("gb18030"))
    assert kiosk("admin", "voucher", "set", "card_issue", str(notepad)).exit_code == 0
    assert "发卡凭证（门店）" in kiosk("admin", "voucher", "show", "card_issue").output
    not_text = tmp_path / "photo.txt"
    not_text.write_bytes(bytes(range(128, 256)) * 4)
    refused = kiosk("admin", "voucher", "set", "card_issue", str(not_text))
    assert refused.exit_code == 2 and "GB18030" in refused.output, refused.output
    assert kiosk("admin", "voucher", "reset", "card_issue").exit_code == 0
