"""Issue a card (发卡): product, blank card from stock, member (or anonymous), write it
(F6 magstripe, F8 smart card), the customer's PIN twice, fee and deposit; Enter issues.
A fee or deposit other than the product's, or one sub card too many, asks for review."""

from __future__ import annotations

import uuid

from textual.app import ComposeResult
from textual.binding import Binding

from kiosk.errors import InvalidInput, N_
from kiosk.money import format_yuan, plain_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.member_search import PicksMember
from kiosk.screens.form import DIGITS, Choice, Field, FormScreen, money_field, pin_field
from kiosk.services import issuing
from kiosk.services.issuing import IssueRequest

TENDER_CHOICES = (("cash", N_("cash")), ("bank", N_("bank card")))
# The service-fee invoice (服务费发票): issued, or declined by the customer.
INVOICE_CHOICES = (("yes", N_("issue it")), ("no", N_("declined")))
HOLDER_CHOICES = (("personal", N_("personal card")), ("company", N_("company card")))


def fee_deposit_and_pin(form: FormScreen) -> tuple[int, int] | None:
    """The fee and the deposit typed, and the customer's new PIN typed twice, checked;
    None after saying what is wrong (the PINs wiped)."""
    fee, deposit = form.money("fee", allow_zero=True), form.money("deposit", allow_zero=True)
    if fee is None or deposit is None:
        return None
    try:
        issuing.check_new_pin(form.value("pin"), form.value("pin2"))
    except InvalidInput as error:
        form.clear_secrets()
        form.query_one("#pin").focus()
        form.say_error(error)
        return None
    return fee, deposit


class IssueCardScreen(PicksMember, FormScreen):
    HEADING = N_("ISSUE A CARD")
    BINDINGS = [key_hint("enter", N_("Next/issue")),
                Binding("f4", "find_member", N_("Find member")),
                Binding("f5", "next_blank", N_("Next blank")),
                Binding("f6", "write", N_("Write card")),
                Binding("f8", "bind", N_("Bind smart card")), Binding("escape", "back", N_("Back"))]

    def __init__(self, customer_code: str = "") -> None:
        super().__init__()
        self.customer_code = customer_code  # a main card of this customer (客户)
        self.products: list[issuing.ProductChoice] = []
        self.written = ""  # the card number the writer confirmed
        self.key = f"issue-{uuid.uuid4().hex}"
        self.leaving_warned = False  # Esc once on a written card warns; again leaves

    def fields(self) -> list[Field]:
        products = tuple((p.code, p.name) for p in self.products)
        return [
            Field("product", N_("Product"), choices=products),
            Field("card_number", N_("Card number"), 32, DIGITS),
            Field("phone", N_("Member phone"), 20, r"[0-9+\- ]*"),
            Field("holder", N_("Card for"), choices=HOLDER_CHOICES),
            Field("main_card", N_("Main card (sub)"), 32, DIGITS),
            Field("customer", N_("Customer code"), 20, value=self.customer_code),
            Field("tender", N_("Paid by"), choices=TENDER_CHOICES),
            money_field("fee", N_("Card fee")),
            Field("invoice", N_("Service-fee invoice"), choices=INVOICE_CHOICES),
            money_field("deposit", N_("Deposit")),
            pin_field("pin", N_("Customer PIN")),
            pin_field("pin2", N_("PIN again")),
        ]

    def compose_form(self) -> ComposeResult:
        yield from ()  # mounted when the outlet's products have loaded

    def on_mount(self) -> None:
        self.call(self._products_loaded, issuing.products, self.app.session)

    # -- loading and product defaults ---------------------------------------------------
    def _product(self) -> issuing.ProductChoice:
        code = self.value("product")
        return next(p for p in self.products if p.code == code)

    def _apply_product(self) -> None:
        product = self._product()
        self.set_value("fee", plain_yuan(product.fee))
        self.set_value("deposit", plain_yuan(product.deposit))
        self.action_next_blank()

    def on_choice_changed(self, message: Choice.Changed) -> None:
        if message.choice.id == "product":
            self._apply_product()

    def action_next_blank(self) -> None:
        self.call(self._blank_found, issuing.next_blank, self.app.session, self.value("product"))

    # -- member (PicksMember: Enter on the phone, F4) ----------------------------------------
    def member_chosen(self) -> None:
        if self.written:  # written before the member was known: their name is not on it
            self.written = ""
            self._show_member()
            self.say(self.tr("Write the card again (F6): the member's name goes on track 1."))
        else:
            self._show_member()
        self.query_one("#holder").focus()

    def _show_member(self) -> None:
        who = self.member[1] if self.member else self.tr("anonymous card")
        written = self.tr("written") if self.written else self.tr("not written yet")
        self.details(
            f"{self.tr('Holder')}: {who}   {self.tr('Card')}: {written}")

    # -- writing --------------------------------------------------------------------------
    def action_write(self) -> None:
        self.say(self.tr("Swipe the blank card through the writer..."))
        self.call(self._written, issuing.write_card, self.app.session, self.app.devices.writer,
                  self.value("card_number"), member_id=self.member[0] if self.member else None,
                  company=self.value("holder") == "company")

    def action_bind(self) -> None:
        self.say(self.tr("Reading the smart card..."))
        self.call(self._written, issuing.bind_smart_card, self.app.session,
                  self.app.devices.card_reader, self.value("card_number"))

    # -- issuing --------------------------------------------------------------------------
    def submit(self) -> None:
        number = self.value("card_number")
        if number != self.written:
            self.say(self.tr("Write the card (F6) or bind a smart card (F8) first."),
                     error=True)
            return
        money = fee_deposit_and_pin(self)
        if money is None:
            return
        fee, deposit = money
        if self.value("phone") and self.member is None:
            self.say(self.tr("Press Enter on the phone to find the member, or clear it for "
                             "an anonymous card."), error=True)
            return
        request = IssueRequest(
            card_number=number, member_id=self.member[0] if self.member else None,
            pin=self.value("pin"), fee=fee, deposit=deposit, tender=self.value("tender"),
            invoice=self.value("invoice") == "yes",
            main_card_number=self.value("main_card"),
            company=self.value("holder") == "company", customer_code=self.value("customer"))
        self.say(self.tr("Issuing..."))
        self.call(self._issued, issuing.issue, self.app.session, request, key=self.key,
                  review=self.review)

    def _products_loaded(self, products) -> None:
        self.products = products
        self.query_one("#form-area").mount_all(self.form_rows(self.fields()))
        self.call_after_refresh(self._apply_product)
        self.call_after_refresh(lambda: self.query_one("#product").focus())
        self._show_member()

    def _blank_found(self, number: str) -> None:
        self.set_value("card_number", number)
        self.written = ""
        self._show_member()
        product = self._product()
        self.say(self.tr("{count} blank cards of {product} in stock.").format(
            count=product.blanks, product=product.name))

    def _written(self, _result) -> None:
        self.written = self.value("card_number")
        self.leaving_warned = False
        self._show_member()
        self.say(self.tr("Card written and read back. Customer: type a new PIN twice."))
        self.query_one("#pin").focus()

    def _issued(self, result) -> None:
        self.clear_secrets()
        lines = [f"{self.tr('Card')} {result.card_number}",
                 f"{self.tr('Card fee')} {format_yuan(result.fee)}   "
                 f"{self.tr('Deposit')} {format_yuan(result.deposit)}",
                 f"{self.tr('Journal no.')} #{result.operation_id}"]
        self.app.push_screen(registry.outcome(self.tr("Card issued"), lines,
                                              next_step=N_("Issue another card")),
                             self._after_issue)
        self.app.print_queued()

    def _after_issue(self, choice: str) -> None:
        if choice == "menu":
            self.app.pop_screen()
        else:
            self._next_card()

    def _next_card(self) -> None:
        self.key, self.review, self.member, self.written = (
            f"issue-{uuid.uuid4().hex}", None, None, "")
        self.leaving_warned = False
        for name in ("phone", "main_card"):
            self.set_value(name, "")
        self.set_value("customer", self.customer_code)
        # The stock as it is now: the card just issued is no longer a blank one.
        self.call(self._stock_counted, issuing.products, self.app.session)
        self.query_one("#phone").focus()

    def _stock_counted(self, products) -> None:
        self.products = products
        self._apply_product()

    def action_back(self) -> None:
        if self.written and not self.leaving_warned:
            self.leaving_warned = True
            self.say(self.tr("Card {number} is written but not issued: it stays a grey card "
                             "that the day close asks for. Enter issues it; Esc again leaves "
                             "it.").format(number=self.written), error=True)
            return
        self.app.pop_screen()
