"""A store POS's request at the counter (issue 21): its sale, with the POS's own lines,
paid by the card the customer swipes and the PIN they type; or its refund, which a
supervisor reviews here. Whatever happens, the POS's waiting request is answered:
approved, or declined with the reason; the POS may also cancel while the customer is
still typing."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from kiosk.errors import N_
from kiosk.messages import CardSwiped
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen
from kiosk.screens.card import card_summary
from kiosk.services import pos_sales

SHOWN_LINES = 5  # at 80x24; the rest are counted
# Enter's and Esc's label once the request is over (the other labels until then).
BACK = N_("Back")
BACK_KEYS = Binding.Group(BACK)


def _cells(text: str, width: int) -> str:
    """`text` cut and padded to `width` terminal cells (a Chinese character takes two)."""
    out, used = "", 0
    for character in text:
        size = cell_len(character)
        if used + size > width:
            break
        out, used = out + character, used + size
    return out + " " * (width - used)


class PosScreen(KioskScreen):
    """What a POS sale and a POS refund share: the request's lines, ending it at the
    counter (Esc), and the POS cancelling it."""

    NOUN = N_("order")  # what the POS's number names
    DECLINE_QUESTION = N_("Decline POS order {order} {amount}? The POS is told.")

    def __init__(self, state: pos_sales.PosState) -> None:
        super().__init__()
        self.state = state
        self.busy = False
        self.ended = False  # approved, declined or cancelled: Enter or Esc goes back
        self.cancelled_meanwhile = False

    def compose_lines(self) -> ComposeResult:
        lines = self.state.lines
        for line in lines[:SHOWN_LINES]:
            # what the POS sent is shown as text, never read as markup
            yield Static(f"  {_cells(line['code'], 14)} {_cells(line.get('name', ''), 30)} "
                         f"{_cells(line.get('category', ''), 8)} "
                         f"{format_yuan(line['amount']):>12}", classes="card-line",
                         markup=False)
        if len(lines) > SHOWN_LINES:
            yield Static(self.tr("  ... and {count} more lines").format(
                count=len(lines) - SHOWN_LINES), classes="card-line")

    def lists_key(self, binding: Binding) -> bool:
        """Enter and Esc are each bound twice: as the request's, and as Back once over."""
        return (binding.description == BACK) is self.ended

    def action_back(self) -> None:
        if self.ended:
            self.app.pop_screen()

    def _over(self) -> None:
        self.ended = True
        self.refresh_keys()

    def end(self, text: str) -> None:
        """The request is over: say so; Enter or Esc goes back to the start."""
        self._over()
        for field in self.query(Input):
            field.value = ""
            field.disabled = True
        self.say(f"{text} {self.tr('Enter: back')}", error=True)
        self.app.pos_settled()

    def action_decline(self) -> None:
        """Esc: a half-typed field is cleared (a card number mistyped); on an empty form,
        one line asks before the whole request is declined."""
        if self.ended:
            self.app.pop_screen()
            return
        if self.busy:
            return
        typed = next((field for field in self.query(Input)
                      if field.value and field.display and not field.disabled), None)
        if typed is not None:
            typed.value = ""
            typed.focus()
            self.say(self.tr("Cleared. Esc again declines the POS {kind}.").format(
                kind=self.tr(self.NOUN)))
            return
        self.app.push_screen(registry.confirm(self.tr(self.DECLINE_QUESTION).format(
            order=self.state.number, amount=format_yuan(self.state.amount))),
            self._decline_answered)

    def _decline_answered(self, yes: bool) -> None:
        if yes and not self.ended and not self.busy:
            self._decline()

    def _decline(self) -> None:
        self.busy = True
        self.call(self._declined, pos_sales.decline, self.app.session, self.state,
                  on_refusal=self._decline_refused)

    def _decline_refused(self, error) -> None:
        self.busy = False
        self.app.pos_settled()
        self.say_error(error)
        if isinstance(error, pos_sales.NoLongerPending):
            self._over()

    def _declined(self, _result) -> None:
        self.busy = False
        self.app.pos_settled()
        self.app.pop_screen()
        self.app.screen.say(self.tr("POS {kind} {order} declined at the counter; the POS is "
                                    "told.").format(kind=self.tr(self.NOUN),
                                                    order=self.state.number))

    def cancelled_by_pos(self) -> None:
        """The POS withdrew the request: a charge already on its way decides (it fails
        if the cancel came first); otherwise back to the start."""
        if self.busy:
            self.cancelled_meanwhile = True
            return
        for field in self.query(Input):
            field.value = ""
        if self.is_current:
            self.app.pop_screen()
            self.app.screen.say(self.tr("POS {kind} {order} was cancelled by the POS: nothing "
                                        "was charged.").format(kind=self.tr(self.NOUN),
                                                               order=self.state.number),
                                error=True)
        else:
            self.end(self.tr("Cancelled by the POS."))


class PosSaleScreen(PosScreen):
    # Enter in a field is the field's; elsewhere (the sale over) it goes back.
    BINDINGS = [Binding("enter", "back", N_("Confirm")),
                Binding("enter", "back", BACK, group=BACK_KEYS),
                Binding("escape", "decline", N_("Decline the POS sale")),
                Binding("escape", "decline", BACK, group=BACK_KEYS)]

    def __init__(self, state: pos_sales.PosState) -> None:
        super().__init__(state)
        self.card = None

    def compose(self) -> ComposeResult:
        state = self.state
        yield from self.compose_status()
        with Vertical(id="pos"):
            title = self.tr("POS order {order} {amount}").format(
                order=state.number, amount=format_yuan(state.amount))
            if state.attempt > 1:
                title += "  " + self.tr("(attempt {n})").format(n=state.attempt)
            yield Static(f"{title}   ({state.pos_code})", classes="big", markup=False)
            yield from self.compose_lines()
            if state.channel_order_no:
                yield Static(f"{self.tr('Channel order')} {state.channel_order_no}",
                             classes="card-line", markup=False)
            yield Static("", id="pos-card")
            with Horizontal(classes="row", id="number-row"):
                yield Label(self.tr("Card number"), classes="field-label")
                yield Input(id="number", max_length=19, restrict=r"[0-9 ]*")
            pin_row = Horizontal(classes="row", id="pin-row")
            pin_row.display = False  # once the card is read
            with pin_row:
                yield Label(self.tr("Customer PIN"), classes="field-label")
                yield Input(id="pin", password=True, max_length=6, restrict=r"[0-9]*")
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.query_one("#number").focus()
        self.say(self.tr("Customer: swipe the card (or type its number and press Enter)."))

    # -- the card ---------------------------------------------------------------------------
    def on_card_swiped(self, message: CardSwiped) -> None:
        if self.ended or self.busy:
            return
        if self.card is not None:
            self.say(self.tr("Finish or cancel (Esc) this card first."), error=True)
            return
        number = self.swiped_number(message)
        if number:
            self._read_card(number)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.busy or self.ended:
            return
        if event.input.id == "number":
            number = "".join(event.value.split())
            if number:
                self._read_card(number)
        elif event.input.id == "pin":
            self._charge(event.value)

    def _read_card(self, number: str) -> None:
        self.busy = True
        self.say(self.tr("Reading card..."))
        self.call(self._card_read, pos_sales.check_card, self.app.session, self.state, number,
                  on_refusal=self._card_refused)

    def _card_refused(self, error) -> None:
        self.busy = False
        if isinstance(error, pos_sales.charging.ForbiddenCategory):
            self.end(self.describe(error) + " " + self.tr("Declined: the POS is told."))
        elif isinstance(error, pos_sales.NoLongerPending):
            self.end(self.describe(error))
        else:
            self.refuse_field("#number", error)

    def _card_read(self, card) -> None:
        self.busy = False
        self.query_one("#pos-card", Static).update("\n".join(card_summary(self.tr, card)))
        if card.refusal is not None:  # no PIN for it: another card, or Esc declines
            self.refuse_field("#number", card.refusal)
            return
        self.card = card
        self.query_one("#number-row").display = False
        self.query_one("#pin-row").display = True
        self.query_one("#pin").focus()
        self.say(self.tr("Customer: type your PIN and press Enter."))

    # -- the charge -------------------------------------------------------------------------
    def _charge(self, pin: str) -> None:
        self.busy = True
        self.say(self.tr("Charging {amount}...").format(amount=format_yuan(self.state.amount)))
        self.call(self._charged, pos_sales.charge, self.app.session, self.state,
                  card_number=self.card.number, pin=pin, on_refusal=self._charge_refused)

    def _charged(self, result) -> None:
        self.busy = False
        self.query_one("#pin", Input).value = ""  # a PIN never stays on screen
        self.app.pos_settled()
        self.app.switch_screen(registry.result("charge", result, self.card, note=(
            self.tr("POS order {order}").format(order=self.state.number))))
        self.app.print_queued()

    def _charge_refused(self, error) -> None:
        self.busy = False
        self.query_one("#pin", Input).value = ""  # a PIN never stays on screen
        self.app.pos_settled()
        if pos_sales.decline_reason(error) is not None:
            self.end(self.describe(error) + " " + self.tr("Declined: the POS is told."))
        elif isinstance(error, pos_sales.NoLongerPending):
            self.end(self.describe(error))
        else:  # the store was busy, say: the customer may try again
            self.say_error(error)
            if self.cancelled_meanwhile:
                self.cancelled_by_pos()


class PosRefundScreen(PosScreen):
    NOUN = N_("refund")
    DECLINE_QUESTION = N_("Refuse POS refund {order} {amount}? The POS is told.")
    BINDINGS = [Binding("enter", "review", N_("Supervisor review")),
                Binding("enter", "review", BACK, group=BACK_KEYS),
                Binding("escape", "decline", N_("Refuse the POS refund")),
                Binding("escape", "decline", BACK, group=BACK_KEYS)]

    def compose(self) -> ComposeResult:
        state = self.state
        yield from self.compose_status()
        with Vertical(id="pos"):
            yield Static(self.tr("POS refund {refund} of order {order}: {amount}").format(
                refund=state.number, order=state.order_no, amount=format_yuan(state.amount))
                + f"   ({state.pos_code})", classes="big", markup=False)
            yield from self.compose_lines()
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.say(self.tr("Enter: a supervisor reviews the refund at this terminal."))

    def action_review(self) -> None:
        if self.ended:
            self.app.pop_screen()
            return
        if self.busy:
            return
        self.busy = True
        self.call(self._ask_review, pos_sales.check_refund, self.app.session, self.state)

    def _ask_review(self, _checked=None) -> None:
        self.busy = False
        self.app.push_screen(registry.review(None, self.tr("Supervisor review: refund {amount}")
                                             .format(amount=format_yuan(self.state.amount))),
                             self._reviewed)

    def _reviewed(self, review) -> None:
        if self.ended:
            return
        if review is None:
            self.say(self.tr("Refund cancelled."))
            return
        self.busy = True
        self.say(self.tr("Refunding..."))
        self.call(self._refunded, pos_sales.refund, self.app.session, self.state, review)

    def _refunded(self, result) -> None:
        self.busy = False
        self.app.pos_settled()
        self.app.switch_screen(registry.result("refund", result, note=self.tr(
            "POS refund {refund} of order {order}").format(refund=self.state.number,
                                                           order=self.state.order_no)))
        self.app.print_queued()

    def failed(self, error) -> None:
        """The refund (or its check) refused."""
        self.busy = False
        self.app.pos_settled()
        if isinstance(error, pos_sales.NoLongerPending):
            self.end(self.describe(error))
        elif pos_sales.ends_refund(error):
            self.end(self.describe(error) + " " + self.tr("Refused: the POS is told."))
        else:
            self.say_error(error)
            if self.cancelled_meanwhile:
                self.cancelled_by_pos()
