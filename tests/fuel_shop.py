"""A fuel-card outlet built from an empty store (the `chain` fixture: no demo data), as
the 中石化 manual's rows need it: a fuel-card product opened at the head office (three
sub cards per main card), a clerk (T01), a supervisor (T02) and a finance clerk (T01)
who have changed their one-time passwords, and issued cards with a PIN and money
recharged in cash; customers (companies) with main cards and sub cards."""

from __future__ import annotations

import uuid

from kiosk.hw.tracks import luhn_complete
from kiosk.services import (admin, customer_money, customers, internal_cards, issuing, operators,
                            prepaid, recharge)
from kiosk.services.accounts import card_accounts, open_card_accounts
from kiosk.services.charge import Review
from kiosk.store import models
from tests.conftest import log_in

OUTLET = "10000001"
PRODUCT = "FUEL"
PIN = "246810"
PASSWORDS = {"clerk1": "Clerk1234", "clerk2": "Clerk2345", "super1": "Super1234",
             "finance1": "Finance123", "finance2": "Finance234"}
ROLES = {"clerk1": "clerk", "clerk2": "clerk", "super1": "supervisor", "finance1": "finance",
         "finance2": "finance"}
SUPERVISOR = Review("super1", PASSWORDS["super1"])
SUB_CARD_LIMIT = 3
INTERNAL = "INT"


def key() -> str:
    return uuid.uuid4().hex


class FuelShop:
    def __init__(self, chain, runtime, *, deposit: int = 0) -> None:
        self.admin, self.runtime = chain, runtime
        admin.save_product(chain, PRODUCT, name="加油卡", kind="fuel", deposit=deposit,
                           sub_card_limit=SUB_CARD_LIMIT)
        admin.open_product(chain, OUTLET, PRODUCT, True)
        admin.add_terminal(chain, OUTLET, "T02")
        self.sessions = {}
        for login_id, role in ROLES.items():
            admin.add_operator(chain, OUTLET, login_id, login_id, role, "Start1234")
            terminal = "T02" if login_id in ("super1", "clerk2", "finance2") else "T01"
            first = log_in(runtime, OUTLET, login_id, "Start1234", terminal)
            operators.change_password(first, old_password="Start1234",
                                      new_password=PASSWORDS[login_id])
            self.sessions[login_id] = log_in(runtime, OUTLET, login_id, PASSWORDS[login_id],
                                             terminal)
        self.clerk, self.finance = self.sessions["clerk1"], self.sessions["finance1"]
        self.supervisor = self.sessions["super1"]
        self.serial, self.deposit = 0, deposit

    def logins(self, *names: str) -> list[tuple[str, str, str, str]]:
        """Racers' logins: (outlet, login id, password, terminal)."""
        return [(OUTLET, name, PASSWORDS[name], "T02" if index % 2 else "T01")
                for index, name in enumerate(names)]

    def stock(self, count: int = 1, product: str = PRODUCT) -> list[str]:
        """Blank cards in the outlet's stock, as the card stock receives them."""
        numbers = []
        for _ in range(count):
            self.serial += 1
            number = luhn_complete(f"90000000{self.serial:07d}")
            card = models.Card.create(number=number, product=models.CardProduct.get(
                models.CardProduct.code == product), status="blank",
                outlet=models.Outlet.get(models.Outlet.code == OUTLET))
            open_card_accounts(card)
            numbers.append(number)
        return numbers

    def blank(self, product: str = PRODUCT) -> str:
        """A blank card of the outlet's stock, written (ready for issue)."""
        number = self.stock(product=product)[0]
        issuing.record_written(self.clerk, number)
        return number

    def card(self, balance: int = 0) -> str:
        """A fuel card issued with PIN and deposit, then recharged in cash."""
        number = self.blank()
        issuing.issue(self.clerk, issuing.IssueRequest(number, None, PIN, 0, self.deposit),
                      key=key())
        if balance:
            recharge.recharge(self.clerk, card_number=number, amount=balance, tender="cash",
                              key=key())
        return number


    def internal_card(self, funds: int = 0) -> str:
        """An internal card (内部卡) of the chain's own product INT, loaded by finance."""
        if not models.CardProduct.select().where(models.CardProduct.code == INTERNAL).exists():
            admin.save_product(self.admin, INTERNAL, name="内部卡", kind="internal")
            admin.open_product(self.admin, OUTLET, INTERNAL, True)
        number = self.blank(INTERNAL)
        issuing.issue(self.clerk, issuing.IssueRequest(number, None, PIN, 0, 0), key=key())
        if funds:
            internal_cards.load(self.finance, card_number=number, amount=funds, key=key())
        return number

    def customer(self, name: str = "示范运输有限公司", *, credit: int = 0,
                 funds: int = 0) -> str:
        """A company customer (its code), with a credit limit and money in its account."""
        code = customers.save_customer(self.clerk, customers.CustomerDetails(
            "", name, invoice_title=name, tax_number="91310000MA1FL0000X",
            phone="021-63210000")).code
        if credit:
            customers.set_credit(self.finance, code, credit_limit=credit, credit_rating="A")
        if funds:
            customer_money.recharge(self.clerk, customer_code=code, amount=funds,
                                    tender="bank", key=key(), purchase=COMPANY_PURCHASE)
        return code

    def main_card(self, customer_code: str, balance: int = 0) -> str:
        """A main card of the customer, allocated `balance` from its account."""
        number = self.blank()
        issuing.issue(self.clerk, issuing.IssueRequest(number, None, PIN, 0, self.deposit,
                                                       customer_code=customer_code),
                      key=key())
        if balance:
            customer_money.allocate(self.clerk, customer_code=customer_code,
                                    card_number=number, amount=balance, key=key())
        return number

    def sub_card(self, main_number: str) -> str:
        number = self.blank()
        issuing.issue(self.clerk, issuing.IssueRequest(number, None, PIN, 0, self.deposit,
                                                       main_card_number=main_number),
                      key=key())
        return number


def command_line(shop: FuelShop, store_url: str, login: str, language: str = "en"):
    """`kiosk ...` run in-process as `login` (a FuelShop operator, or the chain's
    administrator `admin`) at T01 of the outlet; returns click's result."""
    from click.testing import CliRunner

    from kiosk.cli import main
    from kiosk.store import db
    password = PASSWORDS.get(login, "Admin1234")
    db.close()
    env = {"KIOSK_HASH_TIME_COST": "1", "KIOSK_HASH_MEMORY_KIB": "64", "KIOSK_LANG": language,
           "KIOSK_HOME": str(shop.runtime.settings.home), "KIOSK_DB": store_url,
           "KIOSK_OUTLET": OUTLET, "KIOSK_TERMINAL": "T01", "KIOSK_OPERATOR": login,
           "KIOSK_OPERATOR_PASSWORD": password}

    def kiosk(*args, operator: str | None = None):
        more = {"KIOSK_OPERATOR": operator, "KIOSK_OPERATOR_PASSWORD": PASSWORDS[operator]} \
            if operator else {}
        result = CliRunner(env={**env, **more}).invoke(main, list(args))
        db.close()
        return result
    return kiosk


# A company paying by bank transfer, as the no-cash rule records it.
COMPANY_PURCHASE = prepaid.Purchase("company", "示范运输有限公司", "", "示范运输有限公司",
                                    "6222020200000000", "总店", "6222020200000001")


def balances(number: str) -> dict[str, int]:
    card = models.Card.get(models.Card.number == number)
    return {kind: account.balance for kind, account in card_accounts(card).items()}
