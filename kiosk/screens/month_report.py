"""The month's report (月结报表), as the monthly close produces it or asked for again:
operations by kind, the cards' stored value, the tills by tender, cheques waiting.
F5 saves it for finance (<home>/reports/), F6 prints it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kiosk.errors import N_
from kiosk.screens.base import KioskScreen
from kiosk.services import receipts, reports
from kiosk.services.month_report import MonthReport


class MonthReportScreen(KioskScreen):
    BINDINGS = [Binding("f5", "save", N_("Save")), Binding("f6", "print_report", N_("Print")),
                Binding("escape", "back", N_("Back"))]

    def __init__(self, report: MonthReport) -> None:
        super().__init__()
        self.report = report

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield Static(self.tr("MONTH REPORT {month}").format(month=self.report.month),
                     id="title")
        yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
        yield from self.compose_keys()

    def on_mount(self) -> None:
        header, *rows = self.report.table(self.tr)
        table = self.query_one(DataTable)
        table.add_columns(*header)
        for row in rows:
            table.add_row(*row)
        table.focus()

    def action_save(self) -> None:
        name = f"month-{self.report.outlet_code}-{self.report.month}"
        self.call(self.say_saved, reports.save_table, self.app.session, name,
                  self.report.as_table())

    def action_print_report(self) -> None:
        rows = [(" ".join(part for part in (section, item, detail) if part),
                 f"{count} {amount}".strip())
                for section, item, detail, count, amount in self.report.table(self.tr)[1:]]
        self.call(self._printed, receipts.print_report, self.app.session, self.app.devices.printer,
                  self.tr("MONTH REPORT {month}").format(month=self.report.month), rows,
                  name=f"month-{self.report.month}")

    def _printed(self, _result) -> None:
        self.say(self.tr("Printed."))

    def action_back(self) -> None:
        self.app.pop_screen()
