"""The store POS's requests in the services, from an empty store (kiosk init + the first
run, no demo data) on SQLite and PostgreSQL: a POS registered by the administrator, its
sale declined for a forbidden line and re-rung, charged once however often it is sent,
refunded by lines with a supervisor's review; a cancel that comes first wins."""

from __future__ import annotations

import pytest

from kiosk.errors import KioskError
from kiosk.services import (admin, card_stock, charge, issuing, operators, pos_sales,
                            recharge)
from kiosk.services.pos_sales import PosLine, RefundLine, RefundRequest, SaleRequest
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import CHAIN_ADMIN, at_the_till, log_in

HEAD_OFFICE = "10000001"
PIN = "246810"
DRUG = PosLine("6901234", "阿莫西林胶囊", "药品", 2350)
MASK = PosLine("6905678", "医用口罩", "医疗器械", 1000)
SUPPLEMENT = PosLine("6909999", "维生素C片", "保健品", 6800)


def sale(order_no="A1", *lines, channel_order_no=None):
    lines = lines or (DRUG, MASK)
    return SaleRequest(order_no, tuple(lines), sum(line.amount for line in lines),
                       channel_order_no)


@pytest.fixture
def shop(chain, runtime):
    """A product that may not pay for 保健品, a card of it with ¥500, a cashier, and a
    POS registered for the head office's terminal T01."""
    admin.save_product(chain, "YB", name="亿保卡", kind="stored_value",
                       forbidden_categories="保健品")
    admin.open_product(chain, HEAD_OFFICE, "YB", True)
    card_stock.receive_range(chain, product_code="YB", prefix="88880001", first="0000000",
                             count=2)
    number = issuing.next_blank(chain, "YB")
    issuing.record_written(chain, number)
    issuing.issue(chain, issuing.IssueRequest(number, None, PIN, 0, 0), key="issue")
    recharge.recharge(at_the_till(chain), card_number=number, amount=50000, tender="cash",
                      key="in")
    admin.add_operator(chain, HEAD_OFFICE, "cashier1", "王芳", "cashier", "OneTime123")
    first = log_in(runtime, HEAD_OFFICE, "cashier1", "OneTime123")
    operators.change_password(first, old_password="OneTime123", new_password="Cashier123")
    cashier = log_in(runtime, HEAD_OFFICE, "cashier1", "Cashier123")
    token = pos_sales.register(chain, code="POS1", name="收银机1", outlet_code=HEAD_OFFICE,
                               terminal_code="T01")
    pos = pos_sales.authenticate(runtime, token, cashier.actor.terminal_id)
    return {"card": number, "cashier": cashier, "pos": pos, "token": token, "admin": chain}


def charges():
    return models.Operation.select().where(models.Operation.kind == "charge").count()


def test_a_pos_sale_from_an_empty_store(shop, runtime):
    cashier, pos, card = shop["cashier"], shop["pos"], shop["card"]
    state, new = pos_sales.receive_sale(runtime, pos, sale("A1", DRUG, MASK, SUPPLEMENT))
    assert new and state.state == "pending" and state.amount == 10150
    assert [s.request_id for s in pos_sales.pending(cashier)] == [state.request_id]
    with pytest.raises(charge.ForbiddenCategory):
        pos_sales.check_card(cashier, state, card)
    declined = pos_sales.state_of(pos, "sale", "A1")
    assert (declined.state, declined.reason) == ("declined", "forbidden_category")
    assert "保健品" in declined.error.render()

    state, new = pos_sales.receive_sale(runtime, pos, sale("A1"))  # re-rung without it
    assert new and state.attempt == 2 and state.amount == 3350
    assert pos_sales.check_card(cashier, state, card).number == card
    result = pos_sales.charge(cashier, state, card_number=card, pin=PIN)
    assert result.amount == 3350 and result.principal_after == 50000 - 3350

    again, new = pos_sales.receive_sale(runtime, pos, sale("A1"))
    assert not new and again.state == "approved"
    assert again.result["journal_no"] == result.operation_id
    assert "￥33.50" in pos_sales.receipt_text(runtime, again)
    with pytest.raises(KioskError, match="paid already"):
        pos_sales.charge(cashier, state, card_number=card, pin=PIN)
    with pytest.raises(pos_sales.RequestConflict):
        pos_sales.receive_sale(runtime, pos, sale("A1", DRUG))
    assert charges() == 1

    # a refund of one line, reviewed by the administrator (the only other operator)
    refund, new = pos_sales.receive_refund(runtime, pos, RefundRequest(
        "R1", "A1", (RefundLine("6905678"),)))
    assert new and refund.amount == 1000
    pos_sales.check_refund(cashier, refund)
    done = pos_sales.refund(cashier, refund, charge.Review(*CHAIN_ADMIN))
    assert done.amount == 1000
    with pytest.raises(KioskError, match="at most"):
        pos_sales.receive_refund(runtime, pos, RefundRequest("R2", "A1", (RefundLine(
            "6905678", 1),)))
    rest, _ = pos_sales.receive_refund(runtime, pos, RefundRequest("R3", "A1"))
    assert rest.amount == 2350 and [line["code"] for line in rest.lines] == ["6901234"]
    assert verify(runtime.sealer).ok


def test_a_wrong_pin_declines_and_the_next_attempt_pays(shop, runtime):
    cashier, pos, card = shop["cashier"], shop["pos"], shop["card"]
    state, _ = pos_sales.receive_sale(runtime, pos, sale())
    with pytest.raises(KioskError):
        pos_sales.charge(cashier, state, card_number=card, pin="111111")
    assert pos_sales.state_of(pos, "sale", "A1").reason == "wrong_pin"
    state, new = pos_sales.receive_sale(runtime, pos, sale())
    assert new and state.attempt == 2
    pos_sales.charge(cashier, state, card_number=card, pin=PIN)
    assert charges() == 1


def test_a_cancel_first_means_no_charge_and_a_charge_first_refuses_the_cancel(shop, runtime):
    cashier, pos, card = shop["cashier"], shop["pos"], shop["card"]
    state, _ = pos_sales.receive_sale(runtime, pos, sale())
    assert pos_sales.cancel(runtime, pos, "sale", "A1").state == "cancelled"
    with pytest.raises(pos_sales.NoLongerPending):
        pos_sales.charge(cashier, state, card_number=card, pin=PIN)
    # the cancel lands between the counter's last check and the charge's commit
    state, _ = pos_sales.receive_sale(runtime, pos, sale())
    real_charge = charge.charge

    def cancelled_meanwhile(*args, **kwargs):
        pos_sales.cancel(runtime, pos, "sale", "A1")
        return real_charge(*args, **kwargs)

    charge.charge = cancelled_meanwhile
    try:
        with pytest.raises(pos_sales.NoLongerPending):
            pos_sales.charge(cashier, state, card_number=card, pin=PIN)
    finally:
        charge.charge = real_charge
    assert charges() == 0
    assert pos_sales.state_of(pos, "sale", "A1").state == "cancelled"
    state, _ = pos_sales.receive_sale(runtime, pos, sale())
    pos_sales.charge(cashier, state, card_number=card, pin=PIN)
    assert pos_sales.cancel(runtime, pos, "sale", "A1").state == "approved"
    assert charges() == 1


def test_tokens_are_hashed_bound_to_a_terminal_and_revocable(shop, runtime):
    token, admin_session = shop["token"], shop["admin"]
    stored = models.PosTerminal.get(models.PosTerminal.code == "POS1").token_hash
    assert token not in stored and token.split(".", 1)[1] not in stored
    with pytest.raises(pos_sales.BadToken):
        pos_sales.authenticate(runtime, token + "x", None)
    with pytest.raises(pos_sales.WrongTerminal):
        pos_sales.authenticate(runtime, token, shop["cashier"].actor.terminal_id + 99)
    pos_sales.set_active(admin_session, "POS1", False)
    with pytest.raises(pos_sales.BadToken):
        pos_sales.authenticate(runtime, token, None)
    pos_sales.set_active(admin_session, "POS1", True)
    fresh = pos_sales.new_token(admin_session, "POS1")
    with pytest.raises(pos_sales.BadToken):
        pos_sales.authenticate(runtime, token, None)
    assert pos_sales.authenticate(runtime, fresh, None).code == "POS1"
    with pytest.raises(KioskError):
        pos_sales.register(shop["cashier"], code="POS2", name="", outlet_code=HEAD_OFFICE,
                           terminal_code="T01")
    assert [pos.code for pos in pos_sales.listing(admin_session)] == ["POS1"]


def test_the_administrator_registers_a_pos_on_the_command_line(chain, runtime, store_url):
    from click.testing import CliRunner

    from kiosk.cli import main
    from kiosk.store import db
    env = {"KIOSK_HOME": str(runtime.settings.home), "KIOSK_DB": store_url,
           "KIOSK_OUTLET": HEAD_OFFICE, "KIOSK_TERMINAL": "T01", "KIOSK_LANG": "en",
           "KIOSK_OPERATOR": CHAIN_ADMIN[0], "KIOSK_OPERATOR_PASSWORD": CHAIN_ADMIN[1],
           "KIOSK_HASH_TIME_COST": "1", "KIOSK_HASH_MEMORY_KIB": "64"}
    added = CliRunner(env=env).invoke(main, ["admin", "pos", "add", HEAD_OFFICE, "T01",
                                             "POS9", "--name", "前台POS"])
    db.close()
    assert added.exit_code == 0, added.output
    token = added.output.strip().splitlines()[-1]
    assert pos_sales.authenticate(runtime, token, None).code == "POS9"
    listed = CliRunner(env=env).invoke(main, ["admin", "pos", "list"])
    db.close()
    assert "POS9" in listed.output and f"{HEAD_OFFICE}/T01" in listed.output
    assert token not in listed.output


@pytest.mark.race
def test_two_refunds_of_one_line_approved_at_once_refund_it_once(shop, runtime):
    """The POS sends two refunds of the same line (each accepted: neither is approved
    yet); the counter's two windows approve them at the same moment. The line is
    refunded once: the second finds it taken, under the sale's lock, and is refused."""
    import os
    from tests.conftest import IN_CI
    from tests.racing import Racers
    rounds = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3
    cashier, pos, card = shop["cashier"], shop["pos"], shop["card"]
    logins = [(HEAD_OFFICE, "cashier1", "Cashier123", "T01")] * 4
    with Racers(runtime.settings, logins) as racers:
        for round_no in range(rounds):
            order = f"S{round_no}"
            recharge.recharge(at_the_till(shop["admin"]), card_number=card, amount=3350, tender="cash",
                              key=f"in-{order}")  # what the sale takes (the card's limit)
            state, _ = pos_sales.receive_sale(runtime, pos, sale(order))
            paid = pos_sales.charge(cashier, state, card_number=card, pin=PIN)
            numbers = [f"{order}-R{n}" for n in range(4)]
            for number in numbers:
                pos_sales.receive_refund(runtime, pos, RefundRequest(
                    number, order, (RefundLine(MASK.code),)))
            outcomes = racers.race(*[("pos_refund", pos, number, CHAIN_ADMIN)
                                     for number in numbers])
            assert sum(o.ok for o in outcomes) == 1, outcomes
            assert models.Operation.get_by_id(paid.operation_id).reversed_amount == 1000
    assert verify(runtime.sealer).ok


@pytest.mark.race
def test_the_pos_cancelling_while_the_counter_charges_is_one_or_the_other(shop, runtime):
    """The POS withdraws a sale at the moment the customer's PIN is accepted: the sale is
    approved with its charge, or cancelled with nothing charged; never cancelled and
    charged. The same sale sent by the POS four times at once is one request."""
    import os
    from kiosk.store import pos as pos_store
    from tests.conftest import IN_CI
    from tests.racing import Racers
    rounds = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3
    pos, card = shop["pos"], shop["card"]
    logins = [(HEAD_OFFICE, "cashier1", "Cashier123", "T01")] * 4
    with Racers(runtime.settings, logins) as racers:
        for round_no in range(rounds):
            order = f"C{round_no}"
            received = racers.race(*[("pos_receive_sale", pos, sale(order, MASK))] * 4)
            assert sum(o.value[2] for o in received) == 1, received  # one is new
            assert len({o.value[:2] for o in received}) == 1, received
            before = balances_of(card)
            outcomes = racers.race(("pos_charge", pos, order, card, PIN),
                                   ("pos_cancel", pos, order),
                                   ("pos_charge", pos, order, card, PIN),
                                   ("pos_cancel", pos, order))
            row = pos_store.find(pos.pos_id, "sale", order)
            charged = before - balances_of(card)
            if row.state == "approved":
                assert charged == 1000 and row.operation_id is not None, outcomes
                assert models.Operation.get_by_id(row.operation_id).amount == 1000
            else:
                assert row.state == "cancelled" and charged == 0, outcomes
                assert not any(o.ok for o in outcomes[0::2]), outcomes
    assert verify(runtime.sealer).ok


def balances_of(number: str) -> int:
    return sum(account.balance for account in models.Account.select().join(models.Card)
               .where(models.Card.number == number, models.Account.kind == "principal"))
