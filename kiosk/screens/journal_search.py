"""The journal of one card or of a member's cards (按卡/按会员查询流水), paged and
printable, for the member centre and the back office: in store mode (this outlet's
operations) or unified mode (the chain's), with each operation's principal and bonus;
F7 on a row opens the cards of that operation (关联卡)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.screens.base import key_hint
from kiosk.services import kinds
from kiosk.screens.paging import PAGE_BINDINGS, PagedRows, row_amount, show_journal
from kiosk.screens import registry
from kiosk.screens.form import DIGITS, Field, FormScreen, mode_field
from kiosk.services import journal, receipts


def print_journal(screen, rows: list[journal.JournalRow], title: str, name: str) -> None:
    """Send a page of journal rows to the receipt printer (then the screen's
    journal_printed)."""
    tr = screen.tr
    lines = [(f"{row.time} {tr(kinds.label(row.kind))}",
              f"{row.card[-4:]} {row_amount(tr, row)}") for row in rows]
    screen.call(screen.journal_printed, receipts.print_report, screen.app.session, screen.app.devices.printer,
                title, lines, name=name)


class JournalSearchScreen(PagedRows, FormScreen):
    DETAILS, TABLE = False, True
    FIELDS = [Field("card_number", N_("Card number"), 32, DIGITS),
              Field("member_phone", N_("Member phone"), 20, r"[0-9+\- ]*"), mode_field()]
    SUBMIT_FROM_ANY = True
    BINDINGS = [key_hint("enter", N_("Search")), *PAGE_BINDINGS,
                Binding("f6", "print", N_("Print")),
                Binding("f7", "cards", N_("Cards of the row")),
                Binding("escape", "back", N_("Back"))]
    PAGE_SIZE = journal.PAGE

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[journal.JournalRow] = []

    def on_mount(self) -> None:
        self.query_one("#card_number").focus()

    def submit(self) -> None:
        self.first_page()

    def load_page(self) -> None:
        self.call(self._listed, journal.by_card_or_member, self.app.session,
                  card_number=self.value("card_number"),
                  member_phone=self.value("member_phone"), page=self.page,
                  mode=self.value("mode"))

    def action_cards(self) -> None:
        """The cards of the operation under the cursor, with their holders and balances
        (a migration's: its record, with the vouchers)."""
        row = self.selected_row()
        if row is None:
            self.say(self.tr("Search, then choose an operation with the arrow keys."),
                     error=True)
            return
        self.app.push_screen(registry.operation_cards(row.operation_id, self.value("mode")))

    def action_print(self) -> None:
        if not self.rows:
            self.say(self.tr("Search first."), error=True)
            return
        print_journal(self, self.rows, self.tr("Journal") + f" {self.tr('Page')} {self.page + 1}",
                      f"journal-{self.value('card_number') or self.value('member_phone')}"
                      f"-p{self.page + 1}")

    def journal_printed(self, _) -> None:
        self.say(self.tr("Printed."))

    def _listed(self, rows: list[journal.JournalRow]) -> None:
        self.rows = rows
        show_journal(self.query_one(DataTable), self.tr, self.rows, split=True)
        self.say(self.tr("Page {page}: {count} operations.").format(page=self.page + 1,
                                                                   count=len(self.rows)))

    def action_back(self) -> None:
        self.app.pop_screen()
