"""Shift close (班结): the operator's totals by operation and tender and the cash the
drawer should hold; Enter closes the shift and logs out, the next login starts clean."""

from __future__ import annotations

import uuid

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from kiosk import cells
from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens.base import KioskScreen
from kiosk.services import kinds
from kiosk.services import closes, receipts

TENDER_NAMES = {"cash": N_("cash"), "bank": N_("bank card"), "card": N_("card tender")}


def shift_report_rows(tr, report) -> list[tuple[str, str]]:
    """Label and value of each line of a shift's report, for the screen and the printer."""
    rows = [(tr("Operator"), report.operator)]  # whose shift, whoever closed it
    rows += [(tr(kinds.label(kind)), f"{totals['count']} / {format_yuan(totals['amount'])}"
              if kinds.kind(kind).moves_money else str(totals["count"]))
             for kind, totals in sorted(report.operations.items())]
    rows += [(tr(TENDER_NAMES.get(tender, tender)), format_yuan(amount))
             for tender, amount in sorted(report.by_tender.items())]
    rows.append((tr("Cash expected in the drawer"), format_yuan(report.cash_expected)))
    return rows


def print_shift_report(screen, report, handler) -> None:
    """Send a shift's report to this terminal's printer (it goes with the drawer's cash
    to the safe, whoever closed the shift); `handler` takes the outcome."""
    title = screen.tr("Shift close") + f" #{report.shift_id} {report.business_date}"
    screen.call(handler, receipts.print_report, screen.app.session, screen.app.devices.printer,
                title, shift_report_rows(screen.tr, report), name=f"shift-{report.shift_id}")


class ShiftCloseScreen(KioskScreen):
    BINDINGS = [Binding("enter", "close_shift", N_("Close shift and log out")),
                Binding("f6", "print", N_("Print")), Binding("escape", "back", N_("Back"))]

    def __init__(self) -> None:
        super().__init__()
        self.key = f"shift-close-{uuid.uuid4().hex}"
        self.busy = False
        self.report = None
        self.closed = False

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield Vertical(Static(self.tr("Shift close"), id="title"), id="report")
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.call(self.show_report, closes.shift_report, self.app.session)

    def action_print(self) -> None:
        if self.report is not None:
            print_shift_report(self, self.report, self._printed)

    def show_report(self, report) -> None:
        self.report = report
        body = self.query_one("#report", Vertical)
        body.remove_children()
        lines = [self.tr("Shift close") + f"  #{report.shift_id}  {report.business_date}"]
        rows = shift_report_rows(self.tr, report)
        width = max(cells.cell_width(label) for label, _ in rows)  # the longest label's
        lines += [f"{cells.left(label, width)} {cells.right(value, 22)}" for label, value in rows]
        body.mount_all(Static(line) for line in lines)
        if report.closed and not self.closed:  # a supervisor closed it meanwhile
            self.closed = True
            self.say(self.tr("Shift #{number} was closed by a supervisor: F6 prints its "
                             "report, Enter logs out (the next login opens a new shift).")
                     .format(number=report.shift_id), error=True)

    def _printed(self, _) -> None:
        self.say(self.tr("Shift report printed."))
        if self.closed:
            self.app.notify(self.tr("Shift closed."), timeout=5)
            self.app.log_out()

    def _shift_ended(self, report) -> None:
        self.busy = False
        self.show_report(report)
        self.closed = True
        self.action_print()  # the closed shift's report goes with the cash to the safe

    def failed(self, error) -> None:
        self.busy = False
        if self.closed:
            self.say(self.tr("Shift closed, but its report did not print: {reason} F6 prints "
                             "it again, Enter logs out.").format(reason=error.render(self.tr)),
                     error=True)
        else:
            self.say_error(error)

    def action_close_shift(self) -> None:
        if self.closed:
            self.app.log_out()
        elif not self.busy:
            self.busy = True
            self.call(self._shift_ended, closes.close_shift, self.app.session, key=self.key)

    def action_back(self) -> None:
        if self.closed:
            self.app.log_out()
        elif not self.busy:
            self.app.pop_screen()
