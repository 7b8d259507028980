"""Today's journal (当日流水) at this terminal: refund a charge, reprint a receipt; F5
finds any journal number of the outlet, of any day (within the refund window)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen, key_hint
from kiosk.screens.paging import PAGE_BINDINGS, PagedRows, show_journal
from kiosk.services import journal, receipts


class JournalScreen(PagedRows, KioskScreen):
    BINDINGS = [key_hint("enter", N_("Refund")), Binding("f5", "find", N_("Find journal no.")),
                Binding("f6", "reprint", N_("Reprint")),
                Binding("f7", "toggle_outlet", N_("Whole outlet")),
                Binding("f8", "print_list", N_("Print list")), *PAGE_BINDINGS,
                Binding("escape", "back", N_("Back"))]
    PAGE_SIZE = 50

    def __init__(self) -> None:
        super().__init__()
        self.rows = []
        self.whole_outlet = False
        self.found: int | None = None  # a journal number found with F5 is what is shown

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield DataTable(id="journal", cursor_type="row", zebra_stripes=True)
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.load_page()

    def on_screen_resume(self) -> None:
        self.load_page()

    def load_page(self) -> None:
        if self.found is not None:  # back from its refund: the row as it is now
            self.call(self._found, journal.find, self.app.session, self.found,
                      on_refusal=self._not_found)
            return
        self.call(self._listed, journal.today, self.app.session, whole_outlet=self.whole_outlet,
                  limit=self.PAGE_SIZE, offset=self.page * self.PAGE_SIZE)

    def _not_found(self, error) -> None:
        """A journal number that was not found (not this outlet's) is dropped: the next
        load is today's list again."""
        self.found = None
        self.failed(error)

    def _found(self, row) -> None:
        self._show_rows([row])
        self.say(self.tr("Journal no. {number}: Enter refunds, F6 reprints.").format(
            number=row.operation_id))

    def _listed(self, rows) -> None:
        self._show_rows(rows)
        self.say(self.tr("{count} operations today.").format(count=len(self.rows)) +
                 (f"  {self.tr('Page')} {self.page + 1}" if self.page else ""))

    def _show_rows(self, rows) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        show_journal(table, self.tr, self.rows)
        table.focus()

    def action_find(self) -> None:
        """The number on the customer's receipt, of any day."""
        def typed(number) -> None:
            if number:
                self.found = int(number)
                self.load_page()
        self.app.push_screen(registry.ask(self.tr("Journal no. (流水号) on the receipt"),
                                          max_length=12, restrict=r"[0-9]*"), typed)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.selected_row()
        if row is None:
            return
        if row.kind not in ("charge", "member_sale"):  # a member's sale: its points back
            self.say(self.tr("Only a charge can be refunded."), error=True)
            return
        if row.refunded >= row.amount:
            self.say(self.tr("Nothing is left of this charge: it was refunded or filed for "
                             "an insurance transfer."), error=True)
            return
        self.app.push_screen(registry.refund(row))

    def action_reprint(self) -> None:
        row = self.selected_row()
        if row is None or row.receipt_id is None:
            self.say(self.tr("This operation has no receipt."), error=True)
            return
        self.call(self._reprinted, receipts.reprint, self.app.session, row.receipt_id,
                  self.app.devices.printer)

    def _reprinted(self, _) -> None:
        self.say(self.tr("Copy printed."))

    def action_toggle_outlet(self) -> None:
        self.whole_outlet, self.found = not self.whole_outlet, None
        self.first_page()

    def action_print_list(self) -> None:
        from kiosk.screens.journal_search import print_journal
        if not self.rows:
            return
        scope = self.tr("Whole outlet") if self.whole_outlet else self.app.login.operator_name
        print_journal(self, self.rows, f"{self.tr('Journal')} {scope}",
                      f"journal-today-{'outlet' if self.whole_outlet else 'own'}-p{self.page + 1}")

    def journal_printed(self, _) -> None:
        self.say(self.tr("Printed."))

    def action_back(self) -> None:
        self.app.pop_screen()
