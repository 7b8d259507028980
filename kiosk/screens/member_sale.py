"""A membership card (会员卡) swiped at the counter identifies the member for the sale.

- The sale paid by another tender: type the amount and Enter (the first tender, cash);
  for another, ↓ to the tender, ←/→ chooses (bank card ...), Enter: the membership card
  earns the sale's points.
- The sale paid by another card: swipe it (a stored-value or insurance card) and charge
  it as usual; the membership card earns the points.
- F7 redeems points: the points, a note (what for), the customer's PIN, Enter.
- F2 pays with the membership card's own balance (the usual charge screen)."""

from __future__ import annotations

import uuid

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from kiosk.errors import N_
from kiosk.messages import CardSwiped
from kiosk.money import MoneyError, format_yuan, parse_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.card import CustomerPinScreen, card_summary, refused
from kiosk.screens.form import MONEY, Choice
from kiosk.services import charge as charging
from kiosk.services import points, tenders


SALE_ENTER, REDEEM_ENTER = N_("Record sale"), N_("Next / redeem")
REDEEM_FIELDS = ("points", "memo", "pin")


class MemberScreen(CustomerPinScreen):
    # Enter records the sale, or (F7, in the points fields) goes on to redeem them.
    BINDINGS = [key_hint("enter", SALE_ENTER), key_hint("enter", REDEEM_ENTER),
                Binding("f7", "redeem", N_("Redeem points")),
                Binding("f2", "pay_with_card", N_("Pay with this card")),
                Binding("escape", "cancel", N_("Cancel")),
                ("up", "app.focus_previous", ""), ("down", "app.focus_next", "")]

    def __init__(self, card) -> None:
        super().__init__()
        self.card = card
        self.sale_key = f"member-sale-{uuid.uuid4().hex}"
        self.redeem_key = f"redeem-{uuid.uuid4().hex}"
        self.busy = False
        self.redeeming = False  # the points fields have the focus: Enter redeems

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        with Vertical(id="card"):
            yield Label(self.tr("MEMBER: swipe the paying card, or record a sale paid by "
                                "another tender"), id="mode")
            for line in card_summary(self.tr, self.card):
                yield Static(line, classes="card-line")
            if not refused(self.card):  # a refused card's refusal stays; Esc goes back
                yield from self.compose_sale()
        yield from self.compose_keys()

    def compose_sale(self) -> ComposeResult:
        """The sale's amount and tender (its Choice comes with the tenders), the points
        to redeem and what for, the customer's PIN."""
        with Horizontal(classes="row", id="sale"):
            yield Label(self.tr("Sale amount"), classes="field-label")
            yield Input(id="amount", max_length=12, restrict=MONEY)
        with Horizontal(classes="row"):
            yield Label(self.tr("Redeem points"), classes="field-label")
            yield Input(id="points", max_length=9, restrict=r"[0-9]*")
            yield Input(id="memo", max_length=points.MAX_MEMO,
                        placeholder=self.tr("For (gift, deduction)"))
        with Horizontal(classes="row"):
            yield Label(self.tr("Customer PIN"), classes="field-label")
            yield Input(id="pin", password=True, max_length=6, restrict=r"[0-9]*")

    def on_mount(self) -> None:
        if refused(self.card):
            self.say(self.describe(self.card.refusal), error=True)
            return
        self.query_one("#amount").focus()
        self.call(self._tenders_loaded, tenders.choices, self.app.session)

    def lists_key(self, binding: Binding) -> bool:
        if refused(self.card):
            return binding.key == "escape"
        if binding.key == "enter":
            return binding.description == (REDEEM_ENTER if self.redeeming else SALE_ENTER)
        return True

    def check_action(self, action: str, parameters) -> bool:
        """A refused card's form is not there: only Esc does anything."""
        return not refused(self.card) or action == "cancel"

    def on_descendant_focus(self, event) -> None:
        redeeming = event.widget.id in REDEEM_FIELDS
        if redeeming != self.redeeming:
            self.redeeming = redeeming
            self.refresh_keys()

    def key_enter(self, event) -> None:
        """Enter on the tender records the sale with it."""
        if isinstance(self.focused, Choice) and not self.busy:
            event.prevent_default()
            event.stop()
            self._record_sale()

    # -- the sale paid by another tender ---------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.busy:
            return
        if event.input.id == "amount":
            self._record_sale()
        elif event.input.id == "points":
            count = self._points()
            if count is not None:  # on to the note; too many points are said (and the
                self.query_one("#memo").focus()  # focus brought back) before the PIN
                self.call(self.passed, points.check_redemption, self.app.session,
                          card_number=self.card.number, points=count,
                          on_refusal=self._points_refused)
        elif event.input.id == "memo":
            self.query_one("#pin").focus()
            self.say(self.tr("Customer: type your PIN and press Enter."))
        elif event.input.id == "pin":
            self._redeem()

    def _record_sale(self) -> None:
        try:
            amount = parse_yuan(self.query_one("#amount", Input).value)
        except MoneyError as error:
            self.refuse_field("#amount", error)
            return
        if not self.query("#tender"):
            self.say(self.tr("The tenders are still loading: press Enter again."), error=True)
            return
        tender = self.query_one("#tender", Choice).value
        self.busy = True
        self.say(self.tr("Recording {amount}...").format(amount=format_yuan(amount)))
        self.call(self._recorded, points.member_sale, self.app.session, card_number=self.card.number,
                  amount=amount, tender=tender, key=self.sale_key)

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

    def _points_refused(self, error) -> None:
        self.query_one("#points").focus()
        self.say_error(error)

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
        if refused(self.card):  # no sale for this member: its refusal stays, Esc
            self.say(self.describe(self.card.refusal), error=True)
            return
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
        """The tender, ←/→ among the chain's (the first, cash, unless changed)."""
        if choices and not self.query("#tender"):
            self.query_one("#sale", Horizontal).mount(
                Label(self.tr("Tender"), id="tender-label"),
                Choice(tuple((choice.code, choice.name) for choice in choices), self.tr,
                       id="tender"))

    def _payer_read(self, payer) -> None:
        self.busy = False
        self.app.switch_screen(registry.card(payer, member=self.card,
                                             amount=self.query_one("#amount", Input).value))

    def _recorded(self, result) -> None:
        self._show_result("member_sale", result)

    def _redeemed(self, result) -> None:
        self.query_one("#pin", Input).value = ""  # a PIN never stays on screen
        self._show_result("points_redemption", result)

    def _show_result(self, kind: str, result) -> None:
        self.busy = False
        self.app.switch_screen(registry.result(kind, result, self.card))
        self.app.print_queued()
