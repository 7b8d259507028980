"""A customer's money (客户充值 / 收款 / 主卡收款 / 分配): what to do, the main card where
one is concerned, the amount and the tender; Enter does it and shows the outcome. A
large purchase asks for the buyer or the accounts (the prepaid-card rules) first."""

from __future__ import annotations

import uuid

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.form import DIGITS, Field, FormScreen, money_field
from kiosk.screens.issue_card import TENDER_CHOICES
from kiosk.screens.purchase import AsksForPurchase
from kiosk.services import customer_money, customers

ACTIONS = (("recharge", N_("customer recharge")), ("receipt", N_("receipt of what is owed")),
           ("main_card", N_("payment for a main card")),
           ("to_card", N_("allocate to a main card")),
           ("from_card", N_("take back from a main card")))
NEEDS_CARD = ("main_card", "to_card", "from_card")


class CustomerMoneyScreen(AsksForPurchase, FormScreen):
    HEADING = N_("Customer account")
    BINDINGS = [key_hint("enter", N_("Next/confirm")), Binding("escape", "back", N_("Back"))]
    FIELDS = [Field("action", N_("Action"), choices=ACTIONS),
              Field("card_number", N_("Main card number"), 32, DIGITS),
              money_field("amount", N_("Amount")),
              Field("tender", N_("Paid by"), choices=TENDER_CHOICES)]

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.key = f"{type(self).__name__}-{uuid.uuid4().hex}"

    def compose_top(self) -> ComposeResult:
        yield Static("", id="summary")

    def on_mount(self) -> None:
        self.call(self._loaded, customers.get, self.app.session, self.code)

    def _loaded(self, view: customers.CustomerView) -> None:
        self.query_one("#summary", Static).update("\n".join([
            f"{view.code} {view.name}   {self.tr('Invoice title')}: {view.invoice_title or '-'}",
            self.tr("Balance {balance}   owed {owed}   credit {limit} {rating}   may still "
                    "allocate {available}").format(
                balance=format_yuan(view.balance), owed=format_yuan(view.owed),
                limit=format_yuan(view.credit_limit), rating=view.credit_rating,
                available=format_yuan(view.available)),
            f"{self.tr('Main cards')}: {' '.join(view.main_cards) or '-'}"]))
        if len(view.main_cards) == 1 and not self.value("card_number"):
            self.call(self._cards_loaded, customers.cards_of, self.app.session, self.code)

    def _cards_loaded(self, rows: list[customers.CustomerCard]) -> None:
        mains = [row.number for row in rows if row.main]
        if len(mains) == 1:
            self.set_value("card_number", mains[0])

    def submit(self) -> None:
        amount = self.money("amount")
        if amount is None:
            return
        action, session, tender = self.value("action"), self.app.session, self.value("tender")
        card = self.value("card_number")
        if action in NEEDS_CARD and not card:
            self.say(self.tr("Type the main card's number."), error=True)
            self.query_one("#card_number").focus()
            return
        if action == "recharge":
            self.call(self._done, customer_money.recharge, session, customer_code=self.code,
                      amount=amount, tender=tender, key=self.key, purchase=self.purchase)
        elif action == "receipt":
            self.call(self._done, customer_money.receive_payment, session,
                      customer_code=self.code, amount=amount, tender=tender, key=self.key,
                      purchase=self.purchase)
        elif action == "main_card":
            self.call(self._done, customer_money.main_card_receipt, session,
                      customer_code=self.code, card_number=card, amount=amount,
                      tender=tender, key=self.key, purchase=self.purchase)
        else:
            signed = amount if action == "to_card" else -amount
            self.call(self._done, customer_money.allocate, session, customer_code=self.code,
                      card_number=card, amount=signed, key=self.key)

    def buyer_kind(self) -> str:
        return "company"

    def _done(self, result) -> None:
        lines = [f"{self.tr('Amount')} {format_yuan(abs(result.amount))}   "
                 f"{self.tr('Account balance')} {format_yuan(result.account_after)}"]
        if getattr(result, "card_number", ""):
            lines.append(f"{self.tr('Card')} …{result.card_number[-4:]}   "
                         f"{self.tr('Principal balance')} "
                         f"{format_yuan(result.principal_after)}")
        lines.append(f"{self.tr('Journal no.')} #{result.operation_id}")
        self.app.switch_screen(registry.outcome(self.tr(dict(ACTIONS)[self.value("action")]),
                                             lines, replayed=result.replayed))
        self.app.print_queued()

    def action_back(self) -> None:
        self.app.pop_screen()
