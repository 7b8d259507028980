"""Card stock (卡库存) at the counter: the outlet asks the head office for blank cards
(Enter), receives a parcel (F5 on its move), and sees its counts (F2) and moves (F3);
at the head office the stock keeper sends a request (F6, optionally given numbers) and
sees the whole chain."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.screens.base import key_hint
from kiosk.screens.form import DIGITS, Field, FormScreen
from kiosk.screens.paging import chosen_row, show_rows
from kiosk.services import card_stock, directory, issuing
from kiosk.services.card_stock import KIND_NAMES, STATUS_NAMES

def _request_here(session, product_code: str, count: int) -> card_stock.MoveView:
    outlet = directory.actor_info(session.actor).outlet_code
    return card_stock.request_cards(session, outlet, product_code, count)


MOVE_TITLES = ("#", N_("Kind"), N_("Status"), N_("Product"), N_("Cards"), N_("From"),
               N_("To"), N_("Numbers"))


class CardStockScreen(FormScreen):
    HEADING = N_("CARD STOCK")
    TABLE = True
    BINDINGS = [key_hint("enter", N_("Request cards")), Binding("f2", "counts", N_("Counts")),
                Binding("f3", "moves", N_("Moves")), Binding("f5", "receive", N_("Receive move")),
                Binding("f6", "send", N_("Send move")),
                Binding("f8", "cancel_request", N_("Cancel request")),
                Binding("escape", "back", N_("Back"))]

    def __init__(self) -> None:
        super().__init__()
        self.products: tuple[tuple[str, str], ...] = ()
        self.moves: list[card_stock.MoveView] = []

    def fields(self) -> list[Field]:
        return [Field("product", N_("Product"),
                      choices=self.products or (("", N_("no product opened here")),)),
                Field("count", N_("Cards"), 6, DIGITS),
                Field("numbers", N_("Numbers FIRST-LAST"), 65, r"[0-9\- ]*")]

    def compose_form(self) -> ComposeResult:
        yield from ()  # mounted when the outlet's products have loaded

    def on_mount(self) -> None:
        self.call(self._show_products, issuing.products, self.app.session)
        self.action_moves()

    def submit(self) -> None:
        count = self.value("count")
        if not count:
            self.say(self.tr("Type how many cards to request."), error=True)
            self.query_one("#count").focus()
            return
        self.call(self._requested, _request_here, self.app.session, self.value("product"),
                  int(count))

    def selected(self) -> card_stock.MoveView | None:
        return chosen_row(self, self.moves,
                          N_("Show the moves (F3) and choose one in the table first."))

    def action_receive(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.call(self._received, card_stock.receive_move, self.app.session,
                      chosen.move_id)

    def action_cancel_request(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.call(self._request_cancelled, card_stock.cancel_request, self.app.session,
                      chosen.move_id)

    def action_send(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.call(self._sent, card_stock.send, self.app.session, chosen.move_id,
                      self.value("numbers"))

    def action_counts(self) -> None:
        self.moves = []
        self.call(self._show_counts, lambda session: card_stock.counts_table(
            session, card_stock.outlet_in_view(session)), self.app.session)

    def action_moves(self) -> None:
        self.call(self._show_moves, lambda session: card_stock.moves(
            session, card_stock.outlet_in_view(session)), self.app.session)

    def _requested(self, move: card_stock.MoveView) -> None:
        self._moved(N_("Request #{move} for {count} cards sent to the head office."), move)

    def _sent(self, move: card_stock.MoveView) -> None:
        self._moved(N_("Move #{move}: {count} cards sent, in transit."), move)

    def _received(self, move: card_stock.MoveView) -> None:
        self._moved(N_("Move #{move}: {count} cards received into stock."), move)

    def _request_cancelled(self, move: card_stock.MoveView) -> None:
        self._moved(N_("Request #{move} cancelled."), move)

    def _moved(self, said: str, move: card_stock.MoveView) -> None:
        text = self.tr(said).format(move=move.move_id, count=move.count)
        if move.replayed:
            text += " " + self.tr("(already done: nothing changed)")
        self.say(text)
        self.action_moves()

    def _show_products(self, products) -> None:
        self.products = tuple((p.code, p.name) for p in products)
        self.query_one("#form-area").mount_all(self.form_rows(self.fields()))
        self.call_after_refresh(lambda: self.query_one("#count").focus())

    def _show_counts(self, rows: list[list]) -> None:
        titles = [self.tr(title) for title in rows[0]]
        show_rows(self.query_one(DataTable), titles, [[str(cell) for cell in row]
                                                      for row in rows[1:]])

    def _show_moves(self, moves: list[card_stock.MoveView]) -> None:
        self.moves = moves
        show_rows(self.query_one(DataTable), [self.tr(title) for title in MOVE_TITLES], [
            [str(m.move_id), self.tr(KIND_NAMES.get(m.kind, m.kind)),
             self.tr(STATUS_NAMES.get(m.status, m.status)), m.product, str(m.count),
             m.from_outlet, m.to_outlet,
             f"{m.first_number}-{m.last_number[-6:]}" if m.first_number else ""]
            for m in moves])

    def action_back(self) -> None:
        self.app.pop_screen()
