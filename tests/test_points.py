"""Member cards (博爱 CRM) from an empty store: a membership card earns points on a sale
paid by any tender, points are redeemed (PIN) and expire by the chain's rule, the tier
upgrade hint comes with the sale that crosses the threshold, tiers go down at the
yearly review, a qualifying non-member's sale prompts the cashier, the member's name
is on track 1, an old card's points come with its migration, and the member is told
by SMS when an insurance-to-stored-value transfer is credited. On both backends."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest

from kiosk.errors import DeviceError, InvalidInput, N_, NotFound, PermissionDenied
from kiosk.hw.msr import SimWriter
from kiosk.hw.sms import SimCodeSender
from kiosk.services import (admin, card_stock, charge, insurance_transfers, issuing, members,
                            migration, operators, points, policies, recharge)
from kiosk.services.accounts import balances
from kiosk.services.cards import WrongPin, get_card
from kiosk.services.session import Session
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import log_in

OUTLET = "10000001"
PIN = "135790"


def key() -> str:
    return uuid.uuid4().hex


def operator(chain, runtime, login: str, role: str, password: str = "Good1234"):
    admin.add_operator(chain, OUTLET, login, login, role, "Start1234")
    first = log_in(runtime, OUTLET, login, "Start1234")
    operators.change_password(first, old_password="Start1234", new_password=password)
    return log_in(runtime, OUTLET, login, password)


def issue(clerk, product: str, member_id: int | None) -> str:
    number = issuing.next_blank(clerk, product)
    issuing.write_card(clerk, SimWriter(), number, member_id=member_id)
    issuing.issue(clerk, issuing.IssueRequest(number, member_id, PIN, 0, 0), key=key())
    return number


@pytest.fixture
def crm(chain, runtime):
    return build_crm(chain, runtime)


def build_crm(chain, runtime) -> dict:
    """A membership product (1 point per yuan; 银卡 at 500, 金卡 at 2000) and a stored-value
    product opened at the head office, a clerk, a cashier, the member 张三丰 with a
    membership card and a stored-value card holding ¥1,000."""
    admin.save_product(chain, "MEM", name="会员卡", kind="membership", points_per_yuan=1,
                       tier_thresholds="银卡:500,金卡:2000")
    admin.save_product(chain, "SV", name="储值卡", kind="stored_value")
    for code, prefix in (("MEM", "88880002"), ("SV", "88880001")):
        admin.open_product(chain, OUTLET, code, True)
        card_stock.receive_range(chain, product_code=code, prefix=prefix, first="0000000",
                                 count=6)
    clerk = operator(chain, runtime, "clerk1", "clerk")
    cashier = operator(chain, runtime, "cashier1", "cashier")
    member_id = members.register(clerk, members.MemberDetails(
        "张三丰", "13800138000", id_number="110101199003078515"))  # named prepaid cards need it
    member_card = issue(clerk, "MEM", member_id)
    stored = issue(clerk, "SV", member_id)
    recharge.recharge(clerk, card_number=stored, amount=100000, tender="cash", key=key())
    return dict(chain=chain, runtime=runtime, clerk=clerk, cashier=cashier,
                member_id=member_id, member_card=member_card, stored=stored)


def points_of(number: str) -> int:
    return (models.Account.select().join(models.Card)
            .where(models.Card.number == number, models.Account.kind == "points").get().balance)


def at(session: Session, when: dt.datetime) -> Session:
    """The same operator with the clock at `when` (UTC)."""
    return Session(replace(session.runtime, clock=lambda: when), session.actor)


def judged(runtime) -> None:
    report = verify(runtime.sealer)
    assert report.ok, report.violations


def test_a_sale_paid_in_cash_earns_points_on_the_membership_card(crm):
    cashier, card = crm["cashier"], crm["member_card"]
    assert points.member_card(cashier, card).holder == "张**"
    sale_key = key()
    result = points.member_sale(cashier, card_number=card, amount=12345, tender="cash",
                                key=sale_key)
    assert (result.points_earned, result.points_after) == (123, 123)
    again = points.member_sale(cashier, card_number=card, amount=12345, tender="cash",
                               key=sale_key)
    assert again.replayed and points_of(card) == 123  # a retry never earns twice
    with pytest.raises(points.NotAMembershipCard):
        points.member_sale(cashier, card_number=crm["stored"], amount=100, tender="cash",
                           key=key())
    with pytest.raises(InvalidInput, match="Unknown tender"):
        points.member_sale(cashier, card_number=card, amount=100, tender="gold", key=key())
    receipt = models.Receipt.get(models.Receipt.operation == result.operation_id)
    assert "Points earned" in receipt.document and "现金" in receipt.document
    judged(crm["runtime"])


def test_a_charge_on_another_card_earns_on_the_member_card_and_a_refund_takes_it_back(crm):
    cashier, card, stored = crm["cashier"], crm["member_card"], crm["stored"]
    admin.save_product(crm["chain"], "SV", points_per_yuan=5)  # never both cards
    sale = charge.charge(cashier, card_number=stored, amount=30000, pin=PIN, key=key(),
                         member_card_number=card)
    assert (sale.points_earned, sale.points_after, sale.points_card_number) == (300, 300, card)
    assert points_of(card) == 300 and points_of(stored) == 0
    supervisor = operator(crm["chain"], crm["runtime"], "super1", "supervisor")
    charge.refund(cashier, original_operation_id=sale.operation_id, amount=10000, key=key(),
                  review=charge.Review("super1", "Good1234"))
    assert points_of(card) == 200 and points_of(stored) == 0
    assert supervisor is not None
    judged(crm["runtime"])


def test_the_upgrade_hint_comes_with_the_sale_that_crosses_the_threshold(crm):
    cashier, card = crm["cashier"], crm["member_card"]
    below = points.member_sale(cashier, card_number=card, amount=49900, tender="cash",
                               key=key())
    assert below.tier_offer == ""
    crossing = points.member_sale(cashier, card_number=card, amount=100, tender="bank",
                                  key=key())
    assert (crossing.points_after, crossing.tier_offer) == (500, "银卡")
    points.member_sale(cashier, card_number=card, amount=50000, tender="cash", key=key())
    paid_by_card = charge.charge(cashier, card_number=crm["stored"], amount=100000, pin=PIN,
                                 key=key(), member_card_number=card)
    assert paid_by_card.tier_offer == "金卡"


def test_points_are_redeemed_with_the_pin_never_beyond_the_balance(crm):
    cashier, card = crm["cashier"], crm["member_card"]
    points.member_sale(cashier, card_number=card, amount=80000, tender="cash", key=key())
    with pytest.raises(WrongPin):
        points.redeem(cashier, card_number=card, points=100, pin="000000", key=key())
    with pytest.raises(InvalidInput, match="has 800 points"):
        points.redeem(cashier, card_number=card, points=801, pin=PIN, key=key())
    once = key()
    result = points.redeem(cashier, card_number=card, points=300, pin=PIN, key=once,
                           memo="毛巾一条")
    assert result.points_after == 500
    assert points.redeem(cashier, card_number=card, points=300, pin=None, key=once,
                         memo="毛巾一条").replayed
    assert points_of(card) == 500
    judged(crm["runtime"])


def test_points_expire_by_the_chains_rule_oldest_first(crm):
    cashier, card, chain = crm["cashier"], crm["member_card"], crm["chain"]
    start = dt.datetime(2026, 1, 10, 4)
    points.member_sale(at(cashier, start), card_number=card, amount=50000, tender="cash",
                       key=key())
    points.member_sale(at(cashier, start + dt.timedelta(days=200)), card_number=card,
                       amount=30000, tender="cash", key=key())
    points.redeem(at(cashier, start + dt.timedelta(days=210)), card_number=card, points=200,
                  pin=PIN, key=key())
    assert points.expire_points(chain, dt.date(2027, 6, 1)).cards == 0  # no rule: never
    policies.set_policy(chain, "points_expiry_months", 12)
    assert points.expire_points(chain, dt.date(2027, 1, 9)).points == 0  # not a year yet
    report = points.expire_points(chain, dt.date(2027, 1, 10))
    assert (report.cards, report.points) == (1, 300)  # 500 earned, 200 spent from them
    assert points_of(card) == 300
    assert points.expire_points(chain, dt.date(2027, 1, 10)).points == 0  # run twice
    assert points.expire_points(chain, dt.date(2027, 7, 29)).points == 300
    assert points_of(card) == 0
    judged(crm["runtime"])


def test_tiers_go_down_at_the_yearly_review(crm):
    cashier, card, chain = crm["cashier"], crm["member_card"], crm["chain"]
    points.member_sale(at(cashier, dt.datetime(2026, 3, 1, 4)), card_number=card,
                       amount=250000, tender="cash", key=key())
    models.Card.update(tier="金卡").where(models.Card.number == card).execute()
    assert points.review_tiers(chain, dt.date(2027, 1, 1)) == []  # 2,500 earned this year
    points.member_sale(at(cashier, dt.datetime(2027, 2, 1, 4)), card_number=card,
                       amount=60000, tender="cash", key=key())
    changes = points.review_tiers(chain, dt.date(2028, 1, 1))
    assert [(c.old_tier, c.new_tier, c.earned) for c in changes] == [("金卡", "银卡", 600)]
    assert models.Card.get(models.Card.number == card).tier == "银卡"
    assert points.review_tiers(chain, dt.date(2028, 1, 2)) == []  # once a year
    assert points.review_tiers(chain, dt.date(2029, 1, 2))[0].new_tier == ""
    judged(crm["runtime"])


def test_a_returned_member_sale_no_longer_counts_at_the_tier_review(crm):
    cashier, card, chain, runtime = crm["cashier"], crm["member_card"], crm["chain"], crm["runtime"]
    operator(chain, runtime, "super1", "supervisor")
    sale = points.member_sale(at(cashier, dt.datetime(2027, 2, 1, 4)), card_number=card,
                              amount=250000, tender="cash", key=key())
    points.return_member_sale(at(cashier, dt.datetime(2027, 2, 2, 4)),
                              original_operation_id=sale.operation_id, amount=200000,
                              key=key(), review=charge.Review("super1", "Good1234"))
    models.Card.update(tier="金卡").where(models.Card.number == card).execute()
    changes = points.review_tiers(chain, dt.date(2028, 1, 1))
    assert [(c.new_tier, c.earned) for c in changes] == [("银卡", 500)]  # 2,500 less 2,000


def test_a_qualifying_non_members_sale_prompts_the_cashier(crm):
    cashier, clerk, chain = crm["cashier"], crm["clerk"], crm["chain"]
    anonymous = issue(clerk, "SV", None)
    recharge.recharge(clerk, card_number=anonymous, amount=90000, tender="cash", key=key())
    sale = charge.charge(cashier, card_number=anonymous, amount=20000, pin=PIN, key=key())
    assert sale.membership_offer == 0  # no rule yet
    policies.set_policy(chain, "membership_min_sale_yuan", 100)
    assert charge.charge(cashier, card_number=anonymous, amount=9999, pin=PIN,
                         key=key()).membership_offer == 0
    assert charge.charge(cashier, card_number=anonymous, amount=10000, pin=PIN,
                         key=key()).membership_offer == 10000
    # The member with a membership card is one already, swiped or not.
    assert charge.charge(cashier, card_number=crm["stored"], amount=20000, pin=PIN,
                         key=key()).membership_offer == 0
    assert charge.charge(cashier, card_number=anonymous, amount=20000, pin=PIN, key=key(),
                         member_card_number=crm["member_card"]).membership_offer == 0


def test_track_one_carries_the_members_name(crm):
    clerk = crm["clerk"]
    writer = SimWriter()
    number = issuing.next_blank(clerk, "MEM")
    issuing.write_card(clerk, writer, number, member_id=crm["member_id"])
    assert writer.last.track1.startswith(f"B{number}^ZHANG/SANFENG^")
    blank = issuing.next_blank(clerk, "MEM")
    issuing.write_card(clerk, writer, blank, replacing=crm["member_card"])
    assert "^ZHANG/SANFENG^" in writer.last.track1
    anonymous = issuing.next_blank(clerk, "SV")
    issuing.write_card(clerk, writer, anonymous)
    assert f"B{anonymous}^^" in writer.last.track1


def test_an_old_cards_points_come_with_its_migration(crm, tmp_path):
    clerk, chain = crm["clerk"], crm["chain"]
    path = tmp_path / "old.csv"
    path.write_text("卡号,余额,门店,状态,类型,积分\n6100000000000101,10.00,,正常,会员卡,1200\n"
                    "6100000000000102,5.00,,正常,会员卡,x\n", encoding="utf-8")
    with pytest.raises(Exception) as caught:
        migration.import_balances(chain, path)
    assert [problem.line for problem in caught.value.problems] == [3]
    path.write_text("卡号,余额,门店,状态,类型,积分\n6100000000000101,10.00,,正常,会员卡,1200\n",
                    encoding="utf-8")
    assert migration.import_balances(chain, path) == 1
    row = migration.listing(clerk, migration.LegacyFilter())[0]
    assert row.points == 1200
    sender = SimCodeSender()
    migration.send_code(clerk, crm["member_id"], sender)
    code = sender.sent[-1][1].split("验证码为")[1][:6]
    result = migration.migrate(clerk, migration.MigrationRequest(
        "6100000000000101", crm["member_id"], code))
    assert (result.points, result.points_after) == (1200, 1200)
    assert points_of(crm["stored"]) == 1200
    judged(crm["runtime"])


def insurance_transfer_filed(crm):
    """The member's 泰康卡 holding ¥500, ¥200 charged on it and filed for transfer to
    their stored-value card: (request id, a finance operator's session)."""
    chain, clerk = crm["chain"], crm["clerk"]
    admin.save_product(chain, "TK", name="泰康卡", kind="insurance", issuer="泰康")
    admin.open_product(chain, OUTLET, "TK", True)
    card_stock.receive_range(chain, product_code="TK", prefix="88880003", first="0000000",
                             count=2)
    insurance = issue(clerk, "TK", crm["member_id"])
    account = models.Account.select().join(models.Card).where(
        models.Card.number == insurance, models.Account.kind == "principal").get()
    models.Account.update(balance=50000).where(models.Account.id == account.id).execute()
    sale = charge.charge(crm["cashier"], card_number=insurance, amount=20000, pin=PIN,
                         key=key())
    request_id = insurance_transfers.file_request(clerk, charge_operation_id=sale.operation_id,
                                                  target_card_number=crm["stored"])
    return request_id, operator(chain, crm["runtime"], "finance1", "finance")


def test_the_member_is_told_by_sms_when_a_transfer_is_credited(crm):
    request_id, finance = insurance_transfer_filed(crm)
    sender = SimCodeSender()
    decision = insurance_transfers.decide(finance, request_id, approve=True, sender=sender)
    assert decision.told_phone == "138****8000" and decision.tell_problem is None
    phone, text = sender.sent[-1]
    assert phone == "13800138000"
    assert "泰康卡转储值卡200.00元已到账" in text and crm["stored"][-4:] in text
    assert insurance_transfers.listing(finance)[0].told
    again = insurance_transfers.decide(finance, request_id, approve=True, sender=sender)
    assert again.replayed and len(sender.sent) == 1  # told once


def test_without_an_sms_gateway_the_credit_stands_and_the_screen_says_so(crm):
    request_id, finance = insurance_transfer_filed(crm)
    decision = insurance_transfers.decide(finance, request_id, approve=True)
    assert decision.status == "approved" and decision.told_phone == ""
    assert "No SMS sender" in decision.tell_problem.message_id


class FailingSender(SimCodeSender):
    """An SMS gateway that is down until `up` is set."""

    up = False

    def send(self, phone: str, text: str) -> None:
        if not self.up:
            raise DeviceError(N_("The code could not be sent; check the SMS gateway."))
        super().send(phone, text)


def test_an_sms_that_failed_is_shown_and_sent_again(crm):
    request_id, finance = insurance_transfer_filed(crm)
    sender = FailingSender()
    decision = insurance_transfers.decide(finance, request_id, approve=True, sender=sender)
    assert decision.status == "approved" and decision.told_phone == ""
    assert "could not be sent" in decision.tell_problem.message_id
    assert "check the SMS gateway" in str(decision.tell_problem)  # the gateway's reason
    [row] = insurance_transfers.listing(finance)
    assert row.status == "approved" and not row.told  # the credit stands, untold
    with pytest.raises(PermissionDenied):
        insurance_transfers.tell_again(crm["clerk"], request_id, sender)
    sender.up = True
    again = insurance_transfers.tell_again(finance, request_id, sender)
    assert again.told_phone == "138****8000" and again.tell_problem is None
    assert "泰康卡转储值卡200.00元已到账" in sender.sent[-1][1]
    assert insurance_transfers.listing(finance)[0].told
    assert balances(get_card(crm["stored"]))["principal"] == 120000  # credited once
    assert models.Operation.select().where(
        models.Operation.kind == "insurance_transfer").count() == 1


def test_only_an_approved_transfer_is_texted_again(crm):
    request_id, finance = insurance_transfer_filed(crm)
    with pytest.raises(InvalidInput, match="approved"):
        insurance_transfers.tell_again(finance, request_id, SimCodeSender())
    with pytest.raises(NotFound):
        insurance_transfers.tell_again(finance, request_id + 100, SimCodeSender())


def test_the_nightly_and_yearly_batches_from_the_command_line(crm, runtime):
    from click.testing import CliRunner

    from kiosk.cli import main
    from kiosk.store import db
    from tests.conftest import CHAIN_ADMIN
    cashier, card = crm["cashier"], crm["member_card"]
    points.member_sale(at(cashier, dt.datetime(2026, 1, 10, 4)), card_number=card,
                       amount=250000, tender="cash", key=key())
    models.Card.update(tier="金卡").where(models.Card.number == card).execute()
    settings = runtime.settings

    def kiosk(*args, language="en"):
        env = {"KIOSK_HOME": str(settings.home), "KIOSK_DB": settings.db_url,
               "KIOSK_OUTLET": OUTLET, "KIOSK_TERMINAL": "T01", "KIOSK_LANG": language,
               "KIOSK_OPERATOR": CHAIN_ADMIN[0], "KIOSK_OPERATOR_PASSWORD": CHAIN_ADMIN[1]}
        result = CliRunner(env=env).invoke(main, list(args))
        db.close()
        assert result.exit_code == 0, result.output
        return result.output

    assert "never expire" in kiosk("points", "expire", "--date", "2027-01-10")
    policies.set_policy(crm["chain"], "points_expiry_months", 12)
    assert "2500 points on 1 cards" in kiosk("points", "expire", "--date", "2027-01-10")
    assert points_of(card) == 0
    assert "1 张卡已降级" in kiosk("points", "review-tiers", "--date", "2027-01-11",
                                 language="zh_CN")
    assert models.Card.get(models.Card.number == card).tier == ""
    assert "0 cards went down" in kiosk("points", "review-tiers", "--date", "2027-01-12")
    judged(runtime)


def test_a_member_sale_brought_back_takes_its_points_back_never_more_than_the_sale(crm):
    cashier, card, chain, runtime = crm["cashier"], crm["member_card"], crm["chain"], crm["runtime"]
    operator(chain, runtime, "super1", "supervisor")
    review = charge.Review("super1", "Good1234")
    sale = points.member_sale(cashier, card_number=card, amount=30000, tender="cash",
                              key=key())
    points.redeem(cashier, card_number=card, points=250, pin=PIN, key=key())
    first = points.return_member_sale(cashier, original_operation_id=sale.operation_id,
                                      amount=10000, key=key(), review=review)
    assert (first.points, first.points_after) == (50, 0)  # 100 due, 250 already spent
    with pytest.raises(Exception, match="At most"):
        points.return_member_sale(cashier, original_operation_id=sale.operation_id,
                                  amount=20001, key=key(), review=review)
    points.member_sale(cashier, card_number=card, amount=50000, tender="cash", key=key())
    once = key()
    rest = points.return_member_sale(cashier, original_operation_id=sale.operation_id,
                                     amount=20000, key=once, review=review)
    assert rest.points == 250 and rest.returned_total == 30000  # the 50 short made up
    assert points.return_member_sale(cashier, original_operation_id=sale.operation_id,
                                     amount=20000, key=once, review=review).replayed
    assert points_of(card) == 250
    with pytest.raises(Exception, match="Only a member's sale"):
        points.check_return(cashier, first.operation_id, 100)
    judged(runtime)


def test_an_outlet_that_has_not_opened_the_membership_product_refuses_it(crm):
    from kiosk.services.charge import NoMatchingInstitution
    cashier, card, chain = crm["cashier"], crm["member_card"], crm["chain"]
    points.member_sale(cashier, card_number=card, amount=10000, tender="cash", key=key())
    admin.open_product(chain, OUTLET, "MEM", False)
    with pytest.raises(NoMatchingInstitution):
        points.member_sale(cashier, card_number=card, amount=10000, tender="cash", key=key())
    with pytest.raises(NoMatchingInstitution):
        points.redeem(cashier, card_number=card, points=10, pin=PIN, key=key())
    assert points_of(card) == 100


def test_a_member_sale_paid_in_cash_is_in_the_shifts_cash_and_its_return_goes_out(crm):
    """The cashier took the member's cash at this counter: the shift's cash expected
    counts it, and a return gives it back out of the drawer by the same tender."""
    from kiosk.services import closes
    from kiosk.services.verify import verify
    cashier, card, chain, runtime = crm["cashier"], crm["member_card"], crm["chain"], crm["runtime"]
    operator(chain, runtime, "super1", "supervisor")
    sale = points.member_sale(cashier, card_number=card, amount=5000, tender="cash", key=key())
    points.member_sale(cashier, card_number=card, amount=2000, tender="bank", key=key())
    report = closes.shift_report(cashier)
    assert (report.cash_expected, report.by_tender["cash"], report.by_tender["bank"]) == \
        (5000, 5000, 2000)
    points.return_member_sale(cashier, original_operation_id=sale.operation_id, amount=1500,
                              key=key(), review=charge.Review("super1", "Good1234"))
    report = closes.shift_report(cashier)
    assert (report.cash_expected, report.by_tender["cash"]) == (3500, 3500)
    assert report.operations["member_sale"] == {"count": 2, "amount": 7000}
    assert verify(runtime.sealer).ok


def test_a_sale_by_a_tender_retired_since_is_still_given_back_by_it(crm):
    """The chain retires a tender after a member paid with it: the return still gives the
    money back out of that tender's drawer (the hostile tester's finding: refused)."""
    from kiosk.services import closes
    cashier, card, chain, runtime = crm["cashier"], crm["member_card"], crm["chain"], crm["runtime"]
    operator(chain, runtime, "super1", "supervisor")
    admin.save_tender(chain, "wechat", "微信支付", "outlet_bank")
    sale = points.member_sale(cashier, card_number=card, amount=3000, tender="wechat",
                              key=key())
    admin.save_tender(chain, "wechat", "微信支付", "outlet_bank", active=False)
    points.return_member_sale(cashier, original_operation_id=sale.operation_id, amount=3000,
                              key=key(), review=charge.Review("super1", "Good1234"))
    assert closes.shift_report(cashier).by_tender.get("wechat", 0) == 0



def test_the_shift_report_counts_points_redemptions_without_an_amount():
    """A redemption moves points, not money: the report shows how many, not ¥0.00."""
    from kiosk.screens.shift_close import shift_report_rows
    from kiosk.services.closes import ShiftReport
    report = ShiftReport(1, "cashier1", "2026-12-07", operations={
        "charge": {"count": 2, "amount": 3000},
        "points_redemption": {"count": 1, "amount": 0}})
    rows = dict(shift_report_rows(lambda text: text, report))
    assert rows["charge"] == "2 / ¥30.00" and rows["points redemption"] == "1"
