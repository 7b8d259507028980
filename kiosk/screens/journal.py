"""Today's journal (当日流水) at this terminal: refund a charge, reprint a receipt."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.messages import WorkDone
from kiosk.money import format_yuan
from kiosk.screens.base import KioskScreen
from kiosk.screens.card import KIND_NAMES
from kiosk.services import journal, receipts


class JournalScreen(KioskScreen):
    KEYS = [("Enter", N_("Refund")), ("F6", N_("Reprint")), ("F7", N_("Whole outlet")),
            ("F8", N_("Print list")), ("PgDn/PgUp", N_("Page")), ("Esc", N_("Back"))]
    BINDINGS = [("escape", "back", ""), ("f6", "reprint", ""), ("f7", "toggle_outlet", ""),
                ("f8", "print_list", ""), ("pagedown", "page(1)", ""), ("pageup", "page(-1)", "")]
    PAGE = 50

    def __init__(self) -> None:
        super().__init__()
        self.rows = []
        self.whole_outlet = False
        self.page = 0

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield DataTable(id="journal", cursor_type="row", zebra_stripes=True)
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        self.call("load", journal.today, self.app.session, whole_outlet=self.whole_outlet,
                  limit=self.PAGE, offset=self.page * self.PAGE)

    def on_work_done(self, message: WorkDone) -> None:
        if message.error is not None:
            self.say_error(message.error)
            return
        if message.task == "reprint":
            self.say(self.tr("Copy printed."))
            return
        if message.task == "print":
            self.say(self.tr("Printed."))
            return
        self.rows = message.result
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(self.tr("Time"), "#", self.tr("Operation"), self.tr("Card"),
                          self.tr("Amount"), self.tr("Refunded"), self.tr("Operator"))
        for row in self.rows:
            table.add_row(row.time, str(row.operation_id), self.tr(KIND_NAMES.get(row.kind,
                                                                                 row.kind)),
                          row.card, format_yuan(row.amount),
                          format_yuan(row.refunded) if row.refunded else "", row.operator,
                          key=str(row.operation_id))
        table.focus()
        self.say(self.tr("{count} operations today.").format(count=len(self.rows)) +
                 (f"  {self.tr('Page')} {self.page + 1}" if self.page else ""))

    def _selected(self):
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self._selected()
        if row is None:
            return
        if row.kind != "charge":
            self.say(self.tr("Only a charge can be refunded."), error=True)
            return
        if row.refunded >= row.amount:
            self.say(self.tr("This charge is fully refunded."), error=True)
            return
        from kiosk.screens.refund import RefundScreen
        self.app.push_screen(RefundScreen(row))

    def action_reprint(self) -> None:
        row = self._selected()
        if row is None or row.receipt_id is None:
            self.say(self.tr("This operation has no receipt."), error=True)
            return
        self.call("reprint", receipts.reprint, self.app.session, row.receipt_id,
                  self.app.devices.printer)

    def action_toggle_outlet(self) -> None:
        self.whole_outlet = not self.whole_outlet
        self.page = 0
        self.load()

    def action_page(self, delta: int) -> None:
        if self.page + delta >= 0 and (delta < 0 or len(self.rows) == self.PAGE):
            self.page += delta
            self.load()

    def action_print_list(self) -> None:
        from kiosk.screens.journal_search import print_journal
        if not self.rows:
            return
        scope = self.tr("Whole outlet") if self.whole_outlet else self.app.login.operator_name
        print_journal(self, self.rows, f"{self.tr('Journal')} {scope}",
                      f"journal-today-{'outlet' if self.whole_outlet else 'own'}-p{self.page + 1}")

    def action_back(self) -> None:
        self.app.pop_screen()
