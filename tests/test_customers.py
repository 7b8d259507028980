"""Customers (客户) from an empty store: kept by the clerk, their credit set by finance;
their account recharged, allocated to main cards within the credit, paid back with a
receipt; money paid for a main card; allocation templates run main card to sub cards;
raced by four terminals; the ledger still verifies."""

from __future__ import annotations

import os
from dataclasses import replace

import peewee as pw
import pytest

from kiosk.errors import InvalidInput, KioskError, NotFound, PermissionDenied
from kiosk.services import allocation_templates, customer_money, customers, month_report, prepaid
from kiosk.services.allocation_templates import TemplateLine
from kiosk.services.customers import CustomerDetails
from kiosk.services.operations import InsufficientFunds
from kiosk.services.verify import verify
from kiosk.store import models, schema
from kiosk.store.db import database
from tests.conftest import IN_CI
from tests.fuel_shop import COMPANY_PURCHASE, FuelShop, balances, command_line, key

ROUNDS = 20 if IN_CI or os.environ.get("KIOSK_SLOW") == "1" else 3


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime)


def test_a_customer_is_registered_changed_and_given_credit_by_finance(shop):
    saved = customers.save_customer(shop.clerk, CustomerDetails(
        "", "示范运输有限公司", invoice_title="示范运输有限公司", tax_number="91310000ma1fl0000x",
        contact="王经理", phone="021-63210000"))
    assert saved.code == "100000010001" and saved.tax_number == "91310000MA1FL0000X"
    assert (saved.balance, saved.credit_limit, saved.available) == (0, 0, 0)
    changed = customers.save_customer(shop.clerk, CustomerDetails(
        saved.code, "示范运输有限公司", invoice_title="示范运输（上海）有限公司"))
    assert changed.invoice_title == "示范运输（上海）有限公司" and changed.contact == ""
    second = customers.save_customer(shop.clerk, CustomerDetails("", "个体户张三",
                                                                 kind="person"))
    assert second.code == "100000010002"
    with pytest.raises(PermissionDenied):  # the clerk may not give credit
        customers.set_credit(shop.clerk, saved.code, credit_limit=100000, credit_rating="A")
    with pytest.raises(InvalidInput, match="rating"):
        customers.set_credit(shop.finance, saved.code, credit_limit=100000, credit_rating="Z")
    credited = customers.set_credit(shop.finance, saved.code, credit_limit=100000,
                                    credit_rating="aa")
    assert (credited.credit_limit, credited.credit_rating, credited.available) == (
        100000, "AA", 100000)
    assert [row.code for row in customers.find(shop.clerk, "示范")] == [saved.code]
    events = [e.action for e in models.AuditEvent.select().where(
        models.AuditEvent.subject == f"customer:{saved.code}")]
    assert events == ["customer.registered", "customer.changed", "customer.credit"]
    for bad, message in ((CustomerDetails("", ""), "name"),
                         (CustomerDetails("AB", "x"), "4 to 20"),
                         (CustomerDetails("", "x", tax_number="123"), "taxpayer"),
                         (CustomerDetails("", "x\x00y"), "Control")):
        with pytest.raises(InvalidInput, match=message):
            customers.save_customer(shop.clerk, bad)
    with pytest.raises(NotFound):
        customers.get(shop.clerk, "999999")


def test_the_account_is_recharged_allocated_within_its_credit_and_paid_back(shop):
    code = shop.customer(credit=50000)
    main = shop.main_card(code)
    card = models.Card.get(models.Card.number == main)
    assert card.customer.code == code and card.company and card.member.name == "示范运输有限公司"
    paid = customer_money.recharge(shop.clerk, customer_code=code, amount=100000,
                                   tender="bank", key="in-1")
    assert paid.account_after == 100000
    assert customer_money.recharge(shop.clerk, customer_code=code, amount=100000,
                                   tender="bank", key="in-1").replayed
    given = customer_money.allocate(shop.clerk, customer_code=code, card_number=main,
                                    amount=140000, key=key())
    assert (given.account_after, given.principal_after) == (-40000, 140000)
    with pytest.raises(customer_money.OverCredit, match="100.00 left"):
        customer_money.allocate(shop.clerk, customer_code=code, card_number=main,
                                amount=10001, key=key())
    with pytest.raises(KioskError, match="owes ¥400.00"):
        customer_money.receive_payment(shop.clerk, customer_code=code, amount=40001,
                                       tender="bank", key=key())
    repaid = customer_money.receive_payment(shop.clerk, customer_code=code, amount=30000,
                                            tender="cash", key=key())
    assert repaid.account_after == -10000
    back = customer_money.allocate(shop.clerk, customer_code=code, card_number=main,
                                   amount=-20000, key=key())
    assert (back.account_after, back.principal_after) == (10000, 120000)
    view = customers.get(shop.clerk, code)
    assert (view.balance, view.owed, view.available) == (10000, 0, 60000)
    report = month_report.month_report(shop.finance, shop.finance.now().strftime("%Y-%m"))
    assert report.customer_accounts == (0, 150000, 140000, 10000)
    assert balances(main)["principal"] == 120000
    operation = models.Operation.get_by_id(paid.operation_id)
    receipt = models.Receipt.get(models.Receipt.operation == operation.id)
    assert "示范运输有限公司" in receipt.document and "Account balance" in receipt.document
    assert verify(shop.runtime.sealer).ok


def test_money_for_a_main_card_and_the_prepaid_sale_rules(shop):
    code = shop.customer()
    main, other = shop.main_card(code), shop.card()
    paid = customer_money.main_card_receipt(shop.clerk, customer_code=code, card_number=main,
                                            amount=20000, tender="cash", key=key())
    assert (paid.principal_after, paid.account_after) == (20000, 0)
    with pytest.raises(InvalidInput, match="not a main card"):
        customer_money.main_card_receipt(shop.clerk, customer_code=code, card_number=other,
                                         amount=100, tender="cash", key=key())
    with pytest.raises(prepaid.PrepaidRuleBroken, match="No-cash"):
        customer_money.recharge(shop.clerk, customer_code=code, amount=500000,
                                tender="cash", key=key())
    with pytest.raises(prepaid.PrepaidRuleBroken, match="limit"):  # the card's own cap
        customer_money.main_card_receipt(shop.clerk, customer_code=code, card_number=main,
                                         amount=480001, tender="bank", key=key(),
                                         purchase=COMPANY_PURCHASE)
    large = customer_money.recharge(shop.clerk, customer_code=code, amount=500000,
                                    tender="bank", key=key(), purchase=COMPANY_PURCHASE)
    sale = models.PrepaidSale.get(models.PrepaidSale.operation == large.operation_id)
    assert (sale.buyer_kind, sale.amount) == ("company", 500000)
    assert verify(shop.runtime.sealer).ok


def test_a_template_allocates_to_every_sub_card_in_one_operation(shop):
    code = shop.customer(funds=200000)
    main = shop.main_card(code, balance=100000)
    first, second = shop.sub_card(main), shop.sub_card(main)
    stranger_main = shop.main_card(shop.customer("别家公司"))
    stranger = shop.sub_card(stranger_main)
    with pytest.raises(InvalidInput, match="not a sub card"):
        allocation_templates.save(shop.clerk, code, name="每月", main_card_number=main,
                                  lines=[TemplateLine(stranger, 100)])
    with pytest.raises(InvalidInput, match="twice"):
        allocation_templates.save(shop.clerk, code, name="每月", main_card_number=main,
                                  lines=[TemplateLine(first, 100), TemplateLine(first, 5)])
    template = allocation_templates.save(
        shop.clerk, code, name="每月", main_card_number=main,
        lines=[TemplateLine(first, 50000), TemplateLine(second, 30000)])
    assert template.total == 80000
    with pytest.raises(InvalidInput, match="already"):
        allocation_templates.save(shop.clerk, code, name="每月", main_card_number=main,
                                  lines=[TemplateLine(first, 1)])
    done = allocation_templates.run(shop.clerk, template.template_id, key="month-1")
    assert (done.total, done.main_after) == (80000, 20000)
    assert allocation_templates.run(shop.clerk, template.template_id, key="month-1").replayed
    assert [balances(n)["principal"] for n in (main, first, second)] == [20000, 50000, 30000]
    with pytest.raises(InsufficientFunds, match="holds ¥200.00"):
        allocation_templates.run(shop.clerk, template.template_id, key=key())
    assert [balances(n)["principal"] for n in (main, first, second)] == [20000, 50000, 30000]
    changed = allocation_templates.save(
        shop.clerk, code, name="每月", main_card_number=main,
        lines=[TemplateLine(second, 10000)], template_id=template.template_id)
    assert [line.card_number for line in changed.lines] == [second]
    assert [t.name for t in allocation_templates.templates(shop.clerk, code)] == ["每月"]
    allocation_templates.delete(shop.clerk, template.template_id)
    assert allocation_templates.templates(shop.clerk, code) == []
    assert verify(shop.runtime.sealer).ok


def test_a_store_made_before_customers_gains_them(shop):
    """Migration 14 on a store whose schema is at 13: the customer table, the card's
    customer and the templates' tables appear; what was there stays."""
    number = shop.card(1000)
    db = database.obj
    with database.atomic():
        for table in ("allocation_template_line", "allocation_template"):
            db.execute_sql(f'DROP TABLE "{table}"')
        if isinstance(db, pw.PostgresqlDatabase):
            db.execute_sql('ALTER TABLE "card" DROP COLUMN "customer_id"')
            db.execute_sql('DROP TABLE "customer" CASCADE')
        models.Meta.update(value="13").where(
            models.Meta.key == schema.SCHEMA_VERSION_KEY).execute()
    assert schema.migrate() == (13, schema.LATEST_VERSION)
    assert "customer_id" in {column.name for column in db.get_columns("card")}
    assert ["customer_id"] in [index.columns for index in db.get_indexes("card")]
    assert balances(number)["principal"] == 1000
    code = shop.customer(funds=1000)
    assert customers.get(shop.clerk, code).balance == 1000


def test_finance_keeps_customers_and_runs_templates_from_the_command_line(shop, store_url,
                                                                         tmp_path):
    code = shop.customer(funds=100000)
    main_card = shop.main_card(code, balance=50000)
    sub = shop.sub_card(main_card)
    template = allocation_templates.save(shop.clerk, code, name="每月", main_card_number=main_card,
                                        lines=[TemplateLine(sub, 30000)])
    kiosk = command_line(shop, store_url, "clerk1")

    saved = kiosk("customer", "save", "--name", "别家公司", "--invoice-title", "别家公司")
    assert saved.exit_code == 0 and "100000010002" in saved.output, saved.output
    refused = kiosk("customer", "credit", "100000010002", "--limit", "1000")
    assert refused.exit_code == 2 and "finance" in refused.output
    credited = kiosk("customer", "credit", "100000010002", "--limit", "1000", "--rating", "B",
                     operator="finance1")
    assert credited.exit_code == 0 and "available 1000.00" in credited.output
    listed = kiosk("customer", "list")
    assert listed.exit_code == 0 and "500.00" in listed.output and "别家公司" in listed.output
    out = tmp_path / "customers.csv"
    assert kiosk("customer", "list", "--csv", str(out)).exit_code == 0 and out.exists()
    assert "每月" in kiosk("customer", "templates", code).output
    ran = kiosk("customer", "run-template", str(template.template_id),
                str(template.template_id))
    assert ran.exit_code == 1, ran.output  # the second run: ¥200 left, ¥300 wanted
    assert "300.00" in ran.output and "holds" in ran.output
    cards_listed = kiosk("customer", "cards", code)
    assert sub in cards_listed.output and "300.00" in cards_listed.output


@pytest.mark.race
def test_four_terminals_allocating_from_one_account_never_pass_its_credit(shop):
    from tests.racing import Racers
    models.CardProduct.update(prepaid=False).execute()  # the parking card holds any sum
    code = shop.customer(credit=30000)
    mains = [shop.main_card(code) for _ in range(2)]
    parking = shop.main_card(code)
    logins = shop.logins("clerk1", "clerk2") * 2
    with Racers(shop.runtime.settings, logins) as racers:
        for _ in range(ROUNDS):
            outcomes = racers.race(*[("customer_allocate", code, mains[i % 2], 20000, key())
                                     for i in range(4)])
            assert sum(o.value for o in outcomes if o.ok) == 20000, outcomes  # ¥300 credit
            assert customers.get(shop.clerk, code).balance == -20000
            outcomes = racers.race(*[("customer_receipt", code, 15000, key())
                                     for _ in range(4)])
            assert sum(o.ok for o in outcomes) == 1, outcomes  # only ¥200 was owed
            assert customers.get(shop.clerk, code).balance == -5000
            for main in mains:  # back to zero for the next round
                held = balances(main)["principal"]
                if held:
                    customer_money.allocate(shop.clerk, customer_code=code, card_number=main,
                                            amount=-held, key=key())
            customer_money.allocate(shop.clerk, customer_code=code, card_number=parking,
                                    amount=15000, key=key())
            assert customers.get(shop.clerk, code).balance == 0
    assert verify(shop.runtime.sealer).ok


@pytest.mark.race
def test_templates_run_on_four_terminals_never_allocate_more_than_the_main_card_holds(shop):
    from tests.racing import Racers
    code = shop.customer(funds=20 * 20000 + 100000)  # 20 rounds of ¥200 allocated
    main = shop.main_card(code)
    subs = [shop.sub_card(main) for _ in range(2)]
    template = allocation_templates.save(
        shop.clerk, code, name="每月", main_card_number=main,
        lines=[TemplateLine(subs[0], 6000), TemplateLine(subs[1], 4000)])
    logins = shop.logins("clerk1", "clerk2") * 2
    with Racers(shop.runtime.settings, logins) as racers:
        for round_no in range(ROUNDS):
            customer_money.allocate(shop.clerk, customer_code=code, card_number=main,
                                    amount=25000, key=key())
            outcomes = racers.race(*[("run_template", template.template_id, key())
                                     for _ in range(4)])
            ran = sum(o.ok for o in outcomes)
            assert ran == 2, outcomes  # ¥250 covers two runs of ¥100
            assert balances(main)["principal"] == 5000
            assert [balances(n)["principal"] for n in subs] == [
                12000 * (round_no + 1), 8000 * (round_no + 1)]
            customer_money.allocate(shop.clerk, customer_code=code, card_number=main,
                                    amount=-5000, key=key())
    assert verify(shop.runtime.sealer).ok


def test_the_forms_save_is_all_or_nothing_and_keeps_what_it_does_not_show(shop):
    """A clerk changing the details and the credit together is refused before anything
    is saved (not the details saved, then the credit refused); finance changing only
    the credit saves it; the address the form does not show stays as it was."""
    code = shop.customer()
    customers.save_customer(shop.clerk, replace(_details(shop, code),
                                                address="上海市黄浦区南京东路1号"))
    renamed = replace(_details(shop, code), name="示范运输股份有限公司")
    with pytest.raises(PermissionDenied):
        customers.save_with_credit(shop.clerk, renamed, credit_limit=50000, credit_rating="A")
    kept = customers.get(shop.clerk, code)
    assert (kept.name, kept.credit_limit) == ("示范运输有限公司", 0)
    saved = customers.save_with_credit(shop.finance, replace(_details(shop, code),
                                                             address=kept.address),
                                       credit_limit=50000, credit_rating="a")
    assert (saved.credit_limit, saved.credit_rating, saved.address) == \
        (50000, "A", "上海市黄浦区南京东路1号")
    assert customers.save_with_credit(shop.clerk, renamed, credit_limit=50000,
                                      credit_rating="A").name == "示范运输股份有限公司"


def _details(shop, code: str) -> CustomerDetails:
    shown = customers.get(shop.clerk, code)
    return CustomerDetails(code, shown.name, shown.kind, shown.invoice_title,
                           shown.tax_number, shown.contact, shown.phone)


def test_a_code_another_clerk_took_a_moment_ago_says_save_again(shop, monkeypatch):
    """Two registrations reaching the same next code: the second is told to save again,
    not given an unexpected error, and nothing of it is kept."""
    taken = shop.customer()
    monkeypatch.setattr(customers, "_next_code", lambda session: taken)
    with pytest.raises(InvalidInput, match="taken a moment ago"):
        customers.save_customer(shop.clerk, CustomerDetails("", "第二运输有限公司"))
    assert [row.name for row in customers.find(shop.clerk, "运输")] == ["示范运输有限公司"]
