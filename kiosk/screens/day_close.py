"""Abnormal journal check (异常流水检查) and the outlet's daily close (日结): what keeps
today from closing, each with what to do; F7 closes the day once the list is empty."""

from __future__ import annotations

import uuid

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen
from kiosk.screens.shift_close import print_shift_report
from kiosk.services import closes
from kiosk.services.closes import CloseRefused


class DayCloseScreen(KioskScreen):
    BINDINGS = [Binding("f5", "check", N_("Check again")),
                Binding("f6", "close_shift", N_("Close a shift")),
                Binding("f7", "close_day", N_("Close the day")),
                Binding("f8", "month('close')", N_("Close a month")),
                Binding("f9", "month('report')", N_("Month report")),
                Binding("escape", "back", N_("Back"))]

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield Static(self.tr("ABNORMAL JOURNAL CHECK AND DAY CLOSE"), id="title")
        yield Vertical(Static("", id="findings"), id="report")
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.action_check()

    def action_check(self) -> None:
        self.call(self._checked, closes.day_check, self.app.session, latest_only=True)

    day = None  # the business date checked last, and what keeps it from closing
    findings: list = []

    def action_close_day(self) -> None:
        """Only a day the check found nothing against, and only once the person has said
        yes to that date on one line."""
        if self.day is None:
            return
        if self.findings:
            self.say(self.tr("Settle what is listed first (F5 checks again)."), error=True)
            return
        day = self.day

        self.call_if_confirmed(self.tr(
            "Close business date {day}? Nothing can be posted into it afterwards.").format(
                day=day.isoformat()), self._day_closed, closes.close_day, self.app.session, day)

    def action_close_shift(self) -> None:
        """An open shift listed above, closed by the supervisor here: its operator need
        not come back to log in."""
        def typed(number) -> None:
            if number:
                self.call(self._shift_closed, closes.close_shift, self.app.session,
                          key=f"shift-close-{number}-{uuid.uuid4().hex}", shift_id=int(number))

        def ask(_) -> None:  # only someone who may close it is asked which
            self.app.push_screen(registry.ask(self.tr("Shift number (#) to close"),
                                              max_length=10, restrict=r"[0-9]*"), typed)
        self.call(ask, closes.check_may_close_shifts, self.app.session)

    def action_month(self, what: str) -> None:
        """月结 of a finished month (F8), or a month's report again (F9): the month is
        typed as YYYY-MM; either way the report is shown."""
        from kiosk.services import month_report

        def typed(month) -> None:
            if month:
                if what == "close":
                    self.call(self._month_shown, closes.close_month, self.app.session, month)
                else:
                    self.call(self._month_shown, month_report.month_report, self.app.session,
                              month)
        question = (N_("Month to close (YYYY-MM)") if what == "close"
                    else N_("Month of the report (YYYY-MM)"))
        self.app.push_screen(registry.ask(self.tr(question), max_length=7,
                                          restrict=r"[0-9-]*"), typed)

    shifts_ending: list = []

    def _show(self, day, findings) -> None:
        self.day, self.findings = day, findings
        lines = [self.tr("Business date {day}").format(day=day)]
        lines += [f"• {finding.render(self.tr)}" for finding in findings]
        if not findings:
            lines.append(self.tr("Nothing abnormal: the day can be closed (F7)."))
        if self.shifts_ending:
            lines.append(self.tr("Open shifts with no business end with the close: {shifts}")
                         .format(shifts=", ".join(f"#{number} {login_id}"
                                                  for number, login_id in self.shifts_ending)))
        self.query_one("#findings", Static).update("\n".join(lines))

    def _checked(self, check) -> None:
        self.shifts_ending = check.shifts_ending
        self._show(check.day, check.findings)

    def failed(self, error) -> None:
        if isinstance(error, CloseRefused):
            self._show(self.day, error.findings)
        self.say_error(error)

    def _shift_closed(self, report) -> None:
        self.app.shift_closed(report.shift_id)
        self.closed_text = self.tr(
            "Shift #{number} of {login_id} closed; cash expected {cash}.").format(
                number=report.shift_id, login_id=report.operator,
                cash=format_yuan(report.cash_expected))
        self.say(self.closed_text)
        self.action_check()
        print_shift_report(self, report, self._report_printed)

    def _report_printed(self, _) -> None:
        self.say(f"{self.closed_text} {self.tr('Shift report printed.')}")

    def _day_closed(self, day) -> None:
        self.say(self.tr("Business date {day} is closed.").format(day=day))
        self.action_check()

    def _month_shown(self, report) -> None:
        self.app.push_screen(registry.month_report(report))

    def action_back(self) -> None:
        self.app.pop_screen()
