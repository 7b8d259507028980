"""The service-fee invoice (服务费发票) the customer may decline, from an empty store: the
fee of a card's issue, a replacement and a batch of sub cards goes to the fees invoiced
or to those whose invoice was declined, the voucher says which, the month's report adds
them up apart, and a reversal takes the fee back from where it went."""

from __future__ import annotations

import json

import pytest

from kiosk.services import admin, card_care, month_report, reversals, sub_cards
from kiosk.services.issuing import IssueRequest, issue
from kiosk.services.verify import verify
from kiosk.store import models
from tests.fuel_shop import PIN, PRODUCT, SUPERVISOR, FuelShop, key
from tests.app_helpers import back_from_outcome
from tests.app_helpers import fuel_app, open_centre, type_into
from tests.app_helpers import wait_for_message, wait_until


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime)


def fees() -> dict[str, int]:
    return {kind: sum(a.balance for a in models.Account.select().where(models.Account.kind == kind))
            for kind in ("fee_income", "fee_income_no_invoice")}


def voucher_rows(receipt_id: int) -> dict[str, str]:
    document = json.loads(models.Receipt.get_by_id(receipt_id).document)
    return {block[1]: block[2] for block in document["blocks"] if block[0] == "row"}


def test_a_declined_invoice_keeps_the_fee_apart_and_the_voucher_says_so(shop):
    old, main = shop.card(), shop.main_card(shop.customer())
    admin.save_product(shop.admin, PRODUCT, issue_fee=1000)
    taken = issue(shop.clerk, IssueRequest(shop.blank(), None, PIN, 1000, 0), key=key())
    declined = issue(shop.clerk, IssueRequest(shop.blank(), None, PIN, 1000, 0, invoice=False),
                     key=key())
    assert fees() == {"fee_income": 1000, "fee_income_no_invoice": 1000}
    assert voucher_rows(taken.receipt_id)["Service-fee invoice"] == "issued"
    assert voucher_rows(declined.receipt_id)["Service-fee invoice"] == "not issued (declined)"
    new = shop.blank()
    replaced = card_care.replace_card(shop.clerk, card_care.Replacement(
        old, new, "lost", 1000, invoice=False), key=key())
    assert voucher_rows(replaced.receipt_id)["Service-fee invoice"] == "not issued (declined)"
    batch = sub_cards.SubCardBatch((shop.blank(), shop.blank()), PIN, 1000, 0,
                                   main_number=main, invoice=False)
    sub_cards.issue_sub_cards(shop.clerk, batch, key=key())
    assert fees() == {"fee_income": 1000, "fee_income_no_invoice": 4000}
    reversals.reverse_payment(shop.clerk, original_operation_id=declined.operation_id,
                              amount=1000, reason="wrong card", key=key(), review=SUPERVISOR)
    assert fees() == {"fee_income": 1000, "fee_income_no_invoice": 3000}
    report = month_report.month_report(shop.finance, shop.finance.now().strftime("%Y-%m"))
    assert report.service_fees == (1000, 3000)
    assert verify(shop.runtime.sealer).ok


async def test_the_clerk_marks_the_invoice_declined_at_issue(tmp_path):
    app, shop = fuel_app(tmp_path, language="zh_CN")
    admin.save_product(shop.admin, PRODUCT, issue_fee=1000)
    shop.stock(1)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "2", "IssueCardScreen", "clerk1")
        screen = app.screen
        await wait_until(pilot, lambda: screen.query("#card_number") and
                         screen.value("card_number"), "a blank card offered")
        screen.query_one("#invoice").focus()
        await pilot.press("right")  # declined
        assert screen.value("invoice") == "no"
        await pilot.press("f6")
        await wait_for_message(pilot, "卡已写入")
        await type_into(pilot, "pin", PIN)
        await type_into(pilot, "pin2", PIN)
        await pilot.press("enter")
        await back_from_outcome(pilot, "IssueCardScreen")
    assert fees() == {"fee_income": 0, "fee_income_no_invoice": 1000}
    printed = [path.read_text(encoding="utf-8")
               for path in app.runtime.settings.receipts_dir.glob("*.txt")]
    assert any("服务费发票" in text and "不开具" in text for text in printed)
