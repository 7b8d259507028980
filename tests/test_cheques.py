"""Cheques (支票) from an empty store: received at the counter (nothing credited), cleared
by finance (credited once, with the promotion of the day received, to the card that
replaced it if need be) or bounced (nothing credited), queried; raced by four
terminals; and the ledger still verifies."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from kiosk.services.business_date import calendar_business_date
from kiosk.errors import InvalidInput, KioskError, PermissionDenied
from kiosk.services import admin, card_care, cheques, issuing, recharge
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import IN_CI
from tests.fuel_shop import PRODUCT, FuelShop, balances, key

ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime)


def receive(shop, number, amount=50000, cheque_no="00012345", bank="工商银行", **more):
    return cheques.receive(shop.clerk, card_number=number, amount=amount, cheque_no=cheque_no,
                           bank=bank, key=more.pop("key", None) or key(), **more)


def test_a_cheque_is_credited_only_when_it_clears(shop):
    number = shop.card()
    slip = receive(shop, number, drawer="示范运输公司")
    assert balances(number)["principal"] == 0  # received: nothing credited yet
    slip_doc = json.loads(models.Receipt.get_by_id(slip.receipt_id).document)
    assert slip_doc["title"] == "CHEQUE RECEIVED"
    assert ["Cheque no.", "00012345 工商银行"] in slip_doc["rows"]
    assert models.Operation.get_by_id(slip.operation_id).kind == "cheque_received"
    [view] = cheques.cheques(shop.clerk, status="received")
    assert (view.cheque_no, view.amount, view.drawer, view.received_by) == (
        "00012345", 50000, "示范运输公司", "clerk1")
    with pytest.raises(PermissionDenied):  # the counter does not clear its own cheques
        cheques.clear(shop.clerk, slip.cheque_id, key=key())
    cleared = cheques.clear(shop.finance, slip.cheque_id, key=key())
    assert (cleared.amount, cleared.principal_after) == (50000, 50000)
    assert balances(number)["principal"] == 50000
    [view] = cheques.cheques(shop.finance, search="00012345")
    assert (view.status, view.decided_by, view.credit_operation_id) == (
        "cleared", "finance1", cleared.operation_id)
    with pytest.raises(KioskError, match="already cleared"):
        cheques.clear(shop.finance, slip.cheque_id, key=key())
    with pytest.raises(KioskError, match="already cleared"):
        cheques.bounce(shop.finance, slip.cheque_id, reason="存款不足", key=key())
    assert verify(shop.runtime.sealer).ok


def test_a_bounced_cheque_credits_nothing_and_cannot_clear(shop):
    number = shop.card()
    slip = receive(shop, number)
    with pytest.raises(InvalidInput, match="why"):
        cheques.bounce(shop.finance, slip.cheque_id, reason=" ", key=key())
    bounced = cheques.bounce(shop.finance, slip.cheque_id, reason="存款不足", key="b1")
    assert bounced.reason == "存款不足"
    again = cheques.bounce(shop.finance, slip.cheque_id, reason="存款不足", key="b1")
    assert again.replayed and again.operation_id == bounced.operation_id
    with pytest.raises(KioskError, match="bounced"):
        cheques.clear(shop.finance, slip.cheque_id, key=key())
    assert balances(number)["principal"] == 0
    assert [v.status for v in cheques.cheques(shop.clerk, status="bounced")] == ["bounced"]
    assert verify(shop.runtime.sealer).ok


def test_receiving_is_idempotent_and_a_cheque_is_received_once(shop):
    number = shop.card()
    first = receive(shop, number, key="slip-1")
    again = receive(shop, number, key="slip-1")
    assert again.replayed and again.cheque_id == first.cheque_id
    with pytest.raises(InvalidInput, match="received before"):
        receive(shop, number)  # the same cheque number of the same bank
    receive(shop, number, bank="建设银行")  # another bank's cheque of that number is another
    with pytest.raises(InvalidInput, match="cheque number"):
        receive(shop, number, cheque_no="  ")
    with pytest.raises(KioskError, match="positive"):
        receive(shop, number, amount=0, cheque_no="9")
    assert models.Cheque.select().count() == 2
    assert verify(shop.runtime.sealer).ok


def test_the_promotion_of_the_day_received_and_a_replaced_card(shop):
    today = calendar_business_date(shop.clerk)
    admin.add_promotion(shop.admin, PRODUCT, "充500送50", 50000, 5000,
                        today - dt.timedelta(days=5), today + dt.timedelta(days=5))
    number = shop.card()
    slip = receive(shop, number)
    blank = models.Card.create(number="9000000099999", product=models.Card.get(
        models.Card.number == number).product, status="blank",
        outlet=models.Outlet.get(models.Outlet.code == "10000001"))
    from kiosk.services.accounts import open_card_accounts
    open_card_accounts(blank)
    issuing.record_written(shop.clerk, blank.number)
    card_care.replace_card(shop.clerk, card_care.Replacement(number, blank.number, "damaged", 0),
                           key=key())
    cleared = cheques.clear(shop.finance, slip.cheque_id, key=key())
    assert (cleared.card_number, cleared.bonus) == (blank.number, 5000)
    assert balances(blank.number)["principal"] == 50000 and balances(number)["principal"] == 0
    assert verify(shop.runtime.sealer).ok


def test_a_cheque_is_not_a_tender_of_an_ordinary_recharge(shop):
    with pytest.raises(InvalidInput, match="tender"):
        recharge.recharge(shop.clerk, card_number=shop.card(), amount=100, tender="cheque",
                          key=key())


@pytest.mark.race
def test_one_cheque_cleared_by_four_terminals_credits_once(shop):
    from tests.racing import Racers
    number = shop.card()
    with Racers(shop.runtime.settings, shop.logins("finance1", "finance2") * 2) as racers:
        for round_number in range(ROUNDS):
            slip = receive(shop, number, amount=1000, cheque_no=f"R{round_number}")
            outcomes = racers.race(*[("clear_cheque", slip.cheque_id, key()) for _ in range(4)])
            assert sum(o.ok for o in outcomes) == 1, outcomes
            assert models.Operation.select().where(
                models.Operation.kind == "cheque_recharge").count() == round_number + 1
    assert balances(number)["principal"] == 1000 * ROUNDS
    assert verify(shop.runtime.sealer).ok


@pytest.mark.race
def test_a_cheque_bounced_and_cleared_at_once_is_one_or_the_other(shop):
    from tests.racing import Racers
    number = shop.card()
    with Racers(shop.runtime.settings, shop.logins("finance1", "finance2") * 2) as racers:
        credited = 0
        for round_number in range(ROUNDS):
            slip = receive(shop, number, amount=1000, cheque_no=f"B{round_number}")
            outcomes = racers.race(("clear_cheque", slip.cheque_id, key()),
                                   ("bounce_cheque", slip.cheque_id, key()),
                                   ("clear_cheque", slip.cheque_id, key()),
                                   ("bounce_cheque", slip.cheque_id, key()))
            assert sum(o.ok for o in outcomes) == 1, outcomes
            status = models.Cheque.get_by_id(slip.cheque_id).status
            won = [index for index, o in enumerate(outcomes) if o.ok][0]
            assert status == ("cleared" if won % 2 == 0 else "bounced")
            credited += 1000 if status == "cleared" else 0
    assert balances(number)["principal"] == credited
    assert verify(shop.runtime.sealer).ok


def test_finance_lists_clears_and_bounces_from_the_command_line(shop, store_url, tmp_path):
    from click.testing import CliRunner

    from kiosk.cli import main
    from kiosk.store import db
    number = shop.card()
    paid, refused = receive(shop, number, cheque_no="C-1"), receive(shop, number, cheque_no="C-2")
    db.close()
    env = {"KIOSK_HASH_TIME_COST": "1", "KIOSK_HASH_MEMORY_KIB": "64", "KIOSK_LANG": "en",
           "KIOSK_HOME": str(shop.runtime.settings.home), "KIOSK_DB": store_url,
           "KIOSK_OUTLET": "10000001", "KIOSK_TERMINAL": "T01",
           "KIOSK_OPERATOR": "finance1", "KIOSK_OPERATOR_PASSWORD": "Finance123"}

    def kiosk(*args):
        result = CliRunner(env=env).invoke(main, list(args))
        db.close()
        return result

    listed = kiosk("cheque", "list", "--status", "received")
    assert listed.exit_code == 0 and "C-1" in listed.output and "C-2" in listed.output
    cleared = kiosk("cheque", "clear", str(paid.cheque_id), str(paid.cheque_id))
    assert cleared.exit_code == 1, cleared.output  # the second time: already cleared
    assert "500.00" in cleared.output and "already cleared" in cleared.output
    bounced = kiosk("cheque", "bounce", str(refused.cheque_id), "--reason", "存款不足")
    assert bounced.exit_code == 0, bounced.output
    out = tmp_path / "cheques.csv"
    assert kiosk("cheque", "list", "--csv", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "cleared" in text and "bounced" in text and "存款不足" in text
    assert balances(number)["principal"] == 50000
    assert "ok" in kiosk("verify").output
