"""The cashier's start screen: swipe a card (or type its number) to charge or query."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from kiosk.errors import N_
from kiosk.messages import CardInserted, CardSwiped, DeviceProblem
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen
from kiosk.screens.member_centre import allowed_entries
from kiosk.services import charge as charging


LEAVE_QUERY = N_("Back to charging")


class StartScreen(KioskScreen):
    BINDINGS = [Binding("f2", "toggle_query", N_("Balance query")),
                Binding("escape", "leave_query", LEAVE_QUERY),
                Binding("f3", "journal", N_("Journal/refund")),
                Binding("f4", "print_queue", N_("Print queue")),
                Binding("f6", "member_centre", N_("Member centre")),
                Binding("f8", "shift_close", N_("Shift close")), Binding("f9", "lock", N_("Lock")),
                Binding("f10", "log_out", N_("Log out")),
                # the app's own key (it takes it first, on every screen): listed here
                Binding("ctrl+o", "app.supervisor", N_("Supervisor"))]

    def __init__(self) -> None:
        super().__init__()
        self.query_mode = False

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        with Vertical(id="form"):
            yield Label("", id="mode")
            yield Label(self.tr("Swipe the card, or type its number and press Enter."),
                        id="prompt")
            yield Input(id="number", max_length=19, restrict=r"[0-9 ]*",
                        placeholder=self.tr("Card number"))
        yield from self.compose_keys()

    def lists_key(self, binding: Binding) -> bool:
        """Esc only in the balance query (it goes back to charging); the member centre
        only for a role that may open something there."""
        if binding.action == "leave_query":
            return self.query_mode
        if binding.action == "member_centre":  # (no one, while logging out)
            return self.app.login is not None and bool(
                allowed_entries(self.app.login.permissions))
        return True

    def on_mount(self) -> None:
        self._show_mode()
        self.query_one("#number").focus()
        self.app.offer_pos_work()

    def on_screen_resume(self) -> None:
        self.query_one("#number").focus()
        self.app.offer_pos_work()  # a store POS's sale waiting for this counter

    def reset(self) -> bool:
        """Back to charging, the number field empty; whether something was typed."""
        typed = bool(self.query_one("#number", Input).value)
        self.query_mode = False
        self._show_mode()
        self.query_one("#number", Input).value = ""
        self.say("")
        self.query_one("#number").focus()
        return typed

    def _show_mode(self) -> None:
        text = self.tr("BALANCE QUERY (Esc: back to charging)") if self.query_mode \
            else self.tr("CHARGE (card tender)")
        self.query_one("#mode", Label).update(text)
        self.refresh_keys()

    def action_toggle_query(self) -> None:
        self.query_mode = not self.query_mode
        self._show_mode()

    def action_leave_query(self) -> None:
        if self.query_mode:
            self.action_toggle_query()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        number = "".join(event.value.split())
        if not number:
            return
        self.open_card(number)

    def on_card_swiped(self, message: CardSwiped) -> None:
        number = self.swiped_number(message)
        if number:
            self.open_card(number)

    def on_card_inserted(self, message: CardInserted) -> None:
        self.say(self.tr("Reading card..."))
        self.call(self._card_read, charging.for_sale, self.app.session, uid=message.identifier)

    def on_device_problem(self, message: DeviceProblem) -> None:
        self.say_error(message.error)

    def open_card(self, number: str) -> None:
        self.say(self.tr("Reading card..."))
        self.call(self._card_read, charging.for_sale, self.app.session, number)

    def failed(self, error) -> None:
        """A number no card has (a typo, an old card): the next number typed replaces it."""
        self.refuse_field("#number", error)

    def _card_read(self, card) -> None:
        self.query_one("#number", Input).value = ""
        self.say("")
        if self.query_mode:
            self.app.push_screen(registry.balance_query(card))
        elif card.product_kind == "membership":
            # The membership card identifies the member: a sale by any tender earns.
            self.app.push_screen(registry.member_sale(card))
        else:
            self.app.push_screen(registry.card(card))
        self.query_mode = False
        self._show_mode()

    def action_journal(self) -> None:
        self.app.push_screen(registry.journal())

    def action_print_queue(self) -> None:
        self.app.push_screen(registry.print_queue())

    def action_member_centre(self) -> None:
        if not allowed_entries(self.app.login.permissions):
            self.say(self.tr("Your role may not use the member centre."), error=True)
            return
        self.app.push_screen(registry.member_centre())

    def action_shift_close(self) -> None:
        self.app.push_screen(registry.shift_close())

    def action_lock(self) -> None:
        self.app.push_screen(registry.lock())

    def action_log_out(self) -> None:
        self.app.log_out()
