"""Cheques (支票): the counter receives a cheque for a recharge (nothing is credited, the
customer gets a slip); finance clears it when the bank has paid (the card is credited)
or bounces it; everyone queries them by status, cheque number or card."""

from __future__ import annotations

import uuid

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.messages import CardSwiped
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.form import DIGITS, Field, FormScreen, money_field
from kiosk.screens.paging import chosen_row
from kiosk.services import cheques
from kiosk.services.cheques import STATUS_NAMES

SHOWN = ("", "received", "cleared", "bounced")  # F2 steps through them


class ChequeScreen(FormScreen):
    HEADING = N_("CHEQUES")
    TABLE = True
    BINDINGS = [key_hint("enter", N_("Receive")), Binding("f2", "show_next", N_("Show")),
                Binding("f3", "find", N_("Find")), Binding("f5", "clear_cheque", N_("Cleared")),
                Binding("f6", "bounce_cheque", N_("Bounced")),
                Binding("escape", "back", N_("Back"))]
    FIELDS = [Field("card_number", N_("Card number"), 32, DIGITS),
              money_field("amount", N_("Amount")),
              Field("cheque_no", N_("Cheque no."), cheques.MAX_CHEQUE_NO),
              Field("bank", N_("Bank"), cheques.MAX_BANK),
              Field("drawer", N_("Drawer"), cheques.MAX_DRAWER)]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[cheques.ChequeView] = []
        self.status, self.search = "", ""
        self.key = f"cheque-{uuid.uuid4().hex}"

    def on_mount(self) -> None:
        self.refresh_rows()

    def refresh_rows(self) -> None:
        self.call(self._show_rows, cheques.cheques, self.app.session, status=self.status,
                  search=self.search)

    def on_card_swiped(self, message: CardSwiped) -> None:
        number = self.swiped_number(message)
        if number:
            self.set_value("card_number", number)
            self.query_one("#amount").focus()

    def submit(self) -> None:
        amount = self.money("amount")
        if amount is None:
            return
        self.call(self._received, cheques.receive, self.app.session,
                  card_number=self.value("card_number"), amount=amount,
                  cheque_no=self.value("cheque_no"), bank=self.value("bank"),
                  drawer=self.value("drawer"), key=self.key)

    def action_show_next(self) -> None:
        self.status = SHOWN[(SHOWN.index(self.status) + 1) % len(SHOWN)]
        self.refresh_rows()

    def action_find(self) -> None:
        """The cheque number typed, else the card number typed; nothing typed: all."""
        self.search = self.value("cheque_no") or self.value("card_number")
        self.refresh_rows()

    def selected(self) -> cheques.ChequeView | None:
        return chosen_row(self, self.rows, N_("Choose a cheque in the table first."))

    def action_clear_cheque(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.call(self._cleared, cheques.clear, self.app.session, chosen.cheque_id,
                      key=f"clear-{uuid.uuid4().hex}")

    def action_bounce_cheque(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return

        def answered(reason) -> None:
            if reason:
                self.call(self._bounced, cheques.bounce, self.app.session, chosen.cheque_id,
                          reason=reason, key=f"bounce-{uuid.uuid4().hex}")
        title = self.tr("Cheque {cheque_no} {amount} bounced: why (e.g. 存款不足)?").format(
            cheque_no=chosen.cheque_no, amount=format_yuan(chosen.amount))
        self.app.push_screen(registry.ask(title, max_length=cheques.MAX_REASON), answered)

    def _received(self, result) -> None:
        self.say(self.tr("Cheque #{number} received: nothing is credited until finance "
                         "clears it. The slip is printing.").format(number=result.cheque_id))
        self.key = f"cheque-{uuid.uuid4().hex}"
        for name in ("amount", "cheque_no", "drawer"):
            self.set_value(name, "")
        self.app.print_queued()
        self.refresh_rows()

    def _cleared(self, result) -> None:
        self.say(self.tr("Cheque #{number} cleared: {amount} (bonus {bonus}) credited to "
                         "card …{card}, journal #{operation}.").format(
            number=result.cheque_id, amount=format_yuan(result.amount),
            bonus=format_yuan(result.bonus), card=result.card_number[-4:],
            operation=result.operation_id))
        self.refresh_rows()

    def _bounced(self, result) -> None:
        self.say(self.tr("Cheque #{number} bounced: nothing was credited.").format(
            number=result.cheque_id))
        self.refresh_rows()

    def _show_rows(self, rows: list[cheques.ChequeView]) -> None:
        self.rows = rows
        shown = self.tr(STATUS_NAMES[self.status]) if self.status else self.tr("all")
        self.details(self.tr("Showing: {shown} {search} ({count})").format(
            shown=shown, search=self.search, count=len(rows)))
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("#", self.tr("Cheque no."), self.tr("Bank"), self.tr("Card"),
                          self.tr("Amount"), self.tr("Status"), self.tr("Received"),
                          self.tr("By"), self.tr("Decided by"))
        for row in rows:
            table.add_row(str(row.cheque_id), row.cheque_no, row.bank, row.card,
                          format_yuan(row.amount), self.tr(STATUS_NAMES[row.status]),
                          row.received_on, row.received_by, row.decided_by)

    def action_back(self) -> None:
        self.app.pop_screen()
