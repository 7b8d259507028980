"""首次设置: an empty store (not the demo) starts here instead of the login: the chain's
first outlet (its head office), this terminal, and the first administrator, whose
own password is typed twice. Then the login screen, where the administrator logs in
and sets up the rest from the admin screens."""

from __future__ import annotations

from kiosk.errors import InvalidInput, N_
from kiosk.screens.base import key_hint
from kiosk.screens.form import DIGITS, Field, FormScreen
from kiosk.services import admin, setup


class FirstRunScreen(FormScreen):
    HEADING = N_("First run: set up this store")
    BINDINGS = [key_hint("enter", N_("Next/set up"))]
    WIPE_ON_IDLE = False  # nobody is logged in; the idle timeout has nowhere to go

    def fields(self) -> list[Field]:
        return [Field("outlet", N_("8-digit outlet code"), 8, DIGITS),
                Field("outlet_name", N_("Outlet name"), 100),
                Field("terminal", N_("Terminal code"), 20,
                      value=self.app.settings.terminal_code),
                Field("login_id", N_("Admin login id"), 30),
                Field("name", N_("Admin name"), 50),
                Field("password", N_("Password (8-12)"), 12, password=True),
                Field("password2", N_("Password again"), 12, password=True)]

    def on_mount(self) -> None:
        self.details(self.tr("This store is empty. Create the head office, this terminal "
                             "and the first administrator; the administrator then logs in "
                             "and sets up outlets, operators, card products and stock."))

    def submit(self) -> None:
        if self.value("password") != self.value("password2"):
            self.clear_secrets()
            self.query_one("#password").focus()
            self.say(self.tr("The two passwords differ; type them again."), error=True)
            return
        first = setup.FirstRun(
            admin.OutletDetails(self.value("outlet"), self.value("outlet_name")),
            self.value("terminal"), self.value("login_id"), self.value("name"),
            self.value("password"))
        self.say(self.tr("Setting up..."))
        self.call(self._store_ready, setup.set_up, self.app.runtime, first)

    def _store_ready(self, _) -> None:
        self.clear_secrets()
        self.app.store_set_up(self.value("outlet"), self.value("terminal"))

    # The set-up's request names its fields as FirstRun does; the form's are shorter.
    FIELD_OF = {"outlet_code": "outlet", "terminal_code": "terminal",
                "admin_login": "login_id", "admin_name": "name"}

    def failed(self, error) -> None:
        self.clear_secrets()
        if isinstance(error, InvalidInput):
            error.field = self.FIELD_OF.get(error.field, error.field)
        self.refused(error)
