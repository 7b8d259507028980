"""A balance query (F2 on the start screen, then the card): the card's masked details,
and its recent transactions once the customer has typed the PIN."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Label, Static

from kiosk.errors import N_
from kiosk.messages import CardSwiped
from kiosk.money import format_yuan
from kiosk.screens.base import key_hint
from kiosk.screens.card import CustomerPinScreen, card_summary
from kiosk.services import journal, kinds


class BalanceQueryScreen(CustomerPinScreen):
    BINDINGS = [key_hint("enter", N_("Show history")), Binding("escape", "cancel", N_("Back"))]

    def __init__(self, card) -> None:
        super().__init__()
        self.card = card

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        with Vertical(id="card"):
            for line in card_summary(self.tr, self.card):
                yield Static(line, classes="card-line")
            yield Label(self.tr("Customer: type the PIN to see recent transactions"))
            yield Input(id="pin", password=True, max_length=6, restrict=r"[0-9]*")
            yield DataTable(id="history", cursor_type="row")
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.query_one("#pin").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.busy:
            return  # a second Enter while the first is reading does nothing
        self.busy = True
        self.call(self._fill_history, journal.card_history, self.app.session,
                  self.card.number, event.value)

    def _fill_history(self, rows) -> None:
        self.busy = False
        self.query_one("#pin", Input).value = ""  # a PIN never stays on screen
        table = self.query_one("#history", DataTable)
        table.clear(columns=True)
        table.add_columns(self.tr("Time"), self.tr("Operation"), self.tr("Amount"))
        for row in rows:
            table.add_row(row.time, self.tr(kinds.label(row.kind)), format_yuan(row.amount))
        self.say(self.tr("{count} recent transactions.").format(count=len(rows)))

    def on_card_swiped(self, message: CardSwiped) -> None:
        self.say(self.tr("Finish or cancel (Esc) this card first."), error=True)
