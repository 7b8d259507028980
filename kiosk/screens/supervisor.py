"""The supervisor's panel (Ctrl+O on any screen): the supervisor types their own login
and password, picks what to do (unlock an operator, close a shift) and for whom; the
operator at this terminal stays logged in and returns to where they were with Esc."""

from __future__ import annotations

import uuid

from textual.binding import Binding

from kiosk.errors import N_
from kiosk.screens.base import key_hint
from kiosk.screens.form import Field, FormScreen
from kiosk.screens.shift_close import print_shift_report
from kiosk.services import supervision
from kiosk.services.charge import Review


class SupervisorScreen(FormScreen):
    HEADING = N_("SUPERVISOR")
    BINDINGS = [key_hint("enter", N_("Next/do it")), Binding("escape", "back", N_("Back"))]
    FIELDS = [Field("action", N_("Action"), choices=supervision.ACTIONS),
              Field("target", N_("Operator / shift #"), 30),
              Field("login", N_("Supervisor login"), 30),
              Field("password", N_("Password"), 12, password=True)]

    def on_mount(self) -> None:
        self.details(self.tr("Unlock: the operator's login id. Close a shift: its number "
                             "(the day close lists the open ones)."))

    def submit(self) -> None:
        review = Review(self.value("login"), self.query_one("#password").value)
        target = self.value("target")
        self.clear_secrets()
        if not target:
            self.say(self.tr("Type the operator's login id or the shift number."), error=True)
            self.query_one("#target").focus()
            return
        if self.value("action") == "unlock":
            self.call(self._unlocked, supervision.unlock_operator, self.app.session, review, target)
        elif target.isdigit():
            self.call(self._shift_closed, supervision.close_shift, self.app.session, review,
                      int(target), key=f"supervisor-close-{uuid.uuid4().hex}")
        else:
            self.say(self.tr("A shift is closed by its number."), error=True)
            self.query_one("#target").focus()

    def failed(self, error) -> None:
        self.say_error(error)
        self.query_one("#password").focus()

    def _unlocked(self, login_id: str) -> None:
        self.say(self.tr("{login_id} is unlocked.").format(login_id=login_id))
        self.set_value("target", "")

    def _shift_closed(self, report) -> None:
        self.app.shift_closed(report.shift_id)
        self.closed_text = self.tr("Shift #{number} of {login_id} is closed.").format(
            number=report.shift_id, login_id=report.operator)
        self.say(self.closed_text)
        self.set_value("target", "")
        print_shift_report(self, report, self._report_printed)

    def _report_printed(self, _) -> None:
        self.say(f"{self.closed_text} {self.tr('Shift report printed.')}")

    def action_back(self) -> None:
        self.app.pop_screen()
