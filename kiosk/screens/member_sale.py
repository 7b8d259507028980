"""A membership card (会员卡) swiped at the counter identifies the member for the sale.

- The sale paid by another tender: type the amount, choose the tender (cash, bank card
  ...), Enter: the membership card earns the sale's points.
- The sale paid by another card: swipe it (a stored-value or insurance card) and charge
  it as usual; the membership card earns the points.
- F7 redeems points: the points, a note (what for), the customer's PIN, Enter.
- F2 pays with the membership card's own balance (the usual charge screen)."""

from __future__ import annotations

import uuid

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from kiosk.errors import N_
from kiosk.messages import CardSwiped
from kiosk.money import MoneyError, format_yuan, parse_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.card import CustomerPinScreen, card_summary
from kiosk.screens.form import MONEY
from kiosk.services import charge as charging
from kiosk.services import points, tenders


class MemberScreen(CustomerPinScreen):
    BINDINGS = [key_hint("enter", N_("Record sale")), Binding("f7", "redeem", N_("Redeem points")),
                Binding("f2", "pay_with_card", N_("Pay with this card")),
                Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, card) -> None:
        super().__init__()
        self.card = card
        self.sale_key = f"member-sale-{uuid.uuid4().hex}"
        self.redeem_key = f"redeem-{uuid.uuid4().hex}"
        self.busy = False

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        with Vertical(id="card"):
            yield Label(self.tr("MEMBER: swipe the paying card, or record a sale paid by "
                                "another tender"), id="mode")
            for line in card_summary(self.tr, self.card):
                yield Static(line, classes="card-line")
            with Horizontal(classes="row"):
                yield Label(self.tr("Sale amount"), classes="field-label")
                yield Input(id="amount", max_length=12, restrict=MONEY)
                yield Select([], id="tender", allow_blank=True,
                             prompt=self.tr("Tender"))
            with Horizontal(classes="row"):
                yield Label(self.tr("Redeem points"), classes="field-label")
                yield Input(id="points", max_length=9, restrict=r"[0-9]*")
                yield Input(id="memo", max_length=points.MAX_MEMO,
                            placeholder=self.tr("For (gift, deduction)"))
            with Horizontal(classes="row"):
                yield Label(self.tr("Customer PIN"), classes="field-label")
                yield Input(id="pin", password=True, max_length=6, restrict=r"[0-9]*")
        yield from self.compose_keys()

    def on_mount(self) -> None:
        refusal = getattr(self.card, "refusal", None)
        if refusal is not None:
            self.say(self.describe(refusal), error=True)
        self.query_one("#amount").focus()
        self.call(self._tenders_loaded, tenders.choices, self.app.session)

    # -- the sale paid by another tender ---------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.busy:
            return
        if event.input.id == "amount":
            self._record_sale()
        elif event.input.id == "points":
            if self._points() is not None:
                self.query_one("#memo").focus()
        elif event.input.id == "memo":
            self.query_one("#pin").focus()
            self.say(self.tr("Customer: type your PIN and press Enter."))
        elif event.input.id == "pin":
            self._redeem()

    def _record_sale(self) -> None:
        try:
            amount = parse_yuan(self.query_one("#amount", Input).value)
        except MoneyError as error:
            self.say_error(error)
            return
        tender = self.query_one("#tender", Select).value
        if tender is Select.BLANK:
            self.query_one("#tender").focus()
            self.say(self.tr("Choose the tender the customer paid with."), error=True)
            return
        self.busy = True
        self.say(self.tr("Recording {amount}...").format(amount=format_yuan(amount)))
        self.call(self._recorded, points.member_sale, self.app.session, card_number=self.card.number,
                  amount=amount, tender=tender, key=self.sale_key)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "tender" and event.value is not Select.BLANK:
            self.query_one("#amount").focus()

    # -- redeeming points ------------------------------------------------------------------
    def action_redeem(self) -> None:
        if not self.busy:
            self.query_one("#points").focus()
            self.say(self.tr("Type the points to redeem and press Enter."))

    def _points(self) -> int | None:
        text = self.query_one("#points", Input).value
        if not text.isdigit() or int(text) <= 0:
            self.query_one("#points").focus()
            self.say(self.tr("Type the points to redeem: a whole number above zero."),
                     error=True)
            return None
        return int(text)

    def _redeem(self) -> None:
        count = self._points()
        if count is None:
            return
        self.busy = True
        self.say(self.tr("Redeeming {points} points...").format(points=count))
        self.call(self._redeemed, points.redeem, self.app.session, card_number=self.card.number,
                  points=count, pin=self.query_one("#pin", Input).value, key=self.redeem_key,
                  memo=self.query_one("#memo", Input).value)

    # -- another card pays -----------------------------------------------------------------
    def on_card_swiped(self, message: CardSwiped) -> None:
        if self.busy:
            return
        number = self.swiped_number(message)
        if not number:
            return
        if number == self.card.number:
            self.action_pay_with_card()
            return
        self.busy = True
        self.say(self.tr("Reading card..."))
        self.call(self._payer_read, charging.for_sale, self.app.session, number)

    def action_pay_with_card(self) -> None:
        if not self.busy:
            self.app.switch_screen(registry.card(self.card))

    # -- results ---------------------------------------------------------------------------
    def _tenders_loaded(self, choices) -> None:
        select = self.query_one("#tender", Select)
        select.set_options([(choice.name, choice.code) for choice in choices])
        if choices:
            select.value = choices[0].code

    def _payer_read(self, payer) -> None:
        self.busy = False
        self.app.switch_screen(registry.card(payer, member=self.card))

    def _recorded(self, result) -> None:
        self._show_result("member_sale", result)

    def _redeemed(self, result) -> None:
        self.query_one("#pin", Input).value = ""  # a PIN never stays on screen
        self._show_result("points_redemption", result)

    def _show_result(self, kind: str, result) -> None:
        self.busy = False
        self.app.switch_screen(registry.result(kind, result, self.card))
        self.app.print_queued()
