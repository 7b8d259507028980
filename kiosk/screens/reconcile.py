"""Channel reconciliation for the supervisor and finance: a statement file against
the month's channel orders; differences first; F7 confirms a clean month, F8 writes
the report for finance (.xlsx next to the statement); F6 goes on to the channel's
settlement (结算)."""

from __future__ import annotations


from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.paging import show_rows
from kiosk.screens.form import Field, FormScreen
from kiosk.services import directory, reconcile, reports
from kiosk.services.reconcile import STATUS_NAMES


class ReconcileScreen(FormScreen):
    HEADING = N_("CHANNEL RECONCILIATION")
    TABLE = True
    BINDINGS = [key_hint("enter", N_("Match")), Binding("f7", "confirm", N_("Confirm month")),
                Binding("f8", "save", N_("Save report")),
                Binding("f9", "own_report", N_("Verified")),
                Binding("f6", "settlement", N_("Settle")), Binding("escape", "back", N_("Back"))]

    def fields(self) -> list[Field]:
        settings = self.app.settings
        month = self.proposed = reconcile.last_month(directory.outlet_today(self.app.session))
        channels = tuple((name, settings.channel_title(name)) for name in sorted(settings.channels))
        sample = settings.home / "samples" / f"statement-taikang-{month}.csv"
        return [Field("channel", N_("Channel"), choices=channels),
                Field("month", N_("Month (YYYY-MM)"), 7, r"[0-9-]*", value=month),
                Field("statement", N_("Statement file"), 300,
                      value=str(sample) if sample.exists() else "")]

    def __init__(self) -> None:
        super().__init__()
        self.report: reconcile.Report | None = None

    def on_mount(self) -> None:
        self.query_one("#statement").focus()
        self.call(self._month, reconcile.month_to_reconcile, self.app.session)

    def _month(self, month: str) -> None:
        """Last month by the outlet's business date (the clock's date stands in till then),
        unless another month was typed meanwhile."""
        if self.value("month") == self.proposed != month:
            self.set_value("month", month)

    def submit(self) -> None:
        self.call(self._show, reconcile.reconcile, self.app.session, channel=self.value("channel"),
                  statement=self.value("statement"), month=self.value("month"))

    def action_confirm(self) -> None:
        if self.report is None:
            self.say(self.tr("Match a statement first (Enter)."), error=True)
            return
        report = self.report

        def confirmed(yes: bool) -> None:
            if yes:
                self.call(self._confirmed, reconcile.confirm, self.app.session, report)

        def ask(_) -> None:  # a month that could not be confirmed is refused before asking
            self.app.push_screen(registry.confirm(self.tr(
                "Confirm {channel} {month} as reconciled ({total} matched)? The month is then "
                "closed to changes.").format(
                    channel=self.app.settings.channel_title(report.channel),
                    month=report.month, total=format_yuan(report.matched_total))), confirmed)
        self.call(ask, reconcile.check_confirmable, self.app.session, report)

    def action_save(self) -> None:
        if self.report is None:
            self.say(self.tr("Match a statement first (Enter)."), error=True)
            return
        self.call(self.say_saved, reports.save_table, self.app.session,
                  f"reconciliation-{self.report.channel}-{self.report.month}",
                  reconcile.report_table(self.report))

    def _confirmed(self, _) -> None:
        self.say(self.tr("Month confirmed as reconciled."))

    def _show(self, report: reconcile.Report) -> None:
        self.report = report
        counts = "   ".join(f"{self.tr(STATUS_NAMES[status])} {report.count(status)}"
                           for status in reconcile.STATUSES)
        self.details(
            f"{counts}\n{self.tr('Matched total')} {format_yuan(report.matched_total)}")
        rows = sorted(report.rows, key=lambda row: row.status == "matched")  # differences first
        show_rows(self.query_one(DataTable), [
            self.tr("Order no."), self.tr("Result"), self.tr("Statement"), self.tr("Journal"),
            *([self.tr("Order list")] if report.orders_listed else [])], [
            [row.order_no, self.tr(STATUS_NAMES[row.status]),
             "" if row.statement_amount is None else format_yuan(row.statement_amount),
             "" if row.journal_amount is None else format_yuan(row.journal_amount),
             *([self.tr(reconcile.ORDER_STATE_NAMES.get(row.order_state, row.order_state))]
               if report.orders_listed else [])] for row in rows])
        if report.differences:
            self.say(self.tr("{count} difference(s): settle them with the channel.").format(
                count=report.differences), error=True)
        else:
            self.say(self.tr("Everything matches; F7 confirms the month."))

    def action_own_report(self) -> None:
        """Our own report of the month's verified orders, the columns picked by number."""
        names = list(reconcile.REPORT_FIELDS)
        columns = "  ".join(f"{number} {self.tr(reconcile.REPORT_FIELDS[name].title)}"
                            for number, name in enumerate(names, 1))
        channel, month = self.value("channel"), self.value("month")

        def picked(answer) -> None:
            if not answer:
                return
            numbers = answer.replace(",", " ").split()
            if not all(n.isdigit() and 1 <= int(n) <= len(names) for n in numbers):
                self.say(self.tr("Type the numbers of the columns, e.g. 1 3 4."), error=True)
                return
            self.call(self.say_saved, reconcile.save_verified_orders, self.app.session,
                      channel=channel, month=month, fields=[names[int(n) - 1] for n in numbers])
        self.app.push_screen(registry.ask(self.tr("Columns of the report, in order (e.g. 1 3 4):"
                                                  ) + f"\n{columns}", max_length=40,
                                          restrict=r"[0-9, ]*"), picked)

    def action_settlement(self) -> None:
        self.app.push_screen(registry.channel_settlement(self.value("channel")))

    def action_back(self) -> None:
        self.app.pop_screen()
