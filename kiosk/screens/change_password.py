"""An expired (or reset) password must be changed before the operator can work."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from kiosk.errors import N_
from kiosk.screens.base import KioskScreen, key_hint
from kiosk.services import operators


class ChangePasswordScreen(KioskScreen):
    BINDINGS = [key_hint("enter", N_("Save")), Binding("escape", "back", N_("Back"))]

    def __init__(self, login_result) -> None:
        super().__init__()
        self.login_result = login_result

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        with Vertical(id="form"):
            yield Label(self.tr("Your password has expired: choose a new one (8-12 letters "
                                "and digits)."), id="title")
            yield Label(self.tr("Current password"))
            yield Input(id="old", password=True, max_length=12)
            yield Label(self.tr("New password"))
            yield Input(id="new", password=True, max_length=12)
            yield Label(self.tr("New password again"))
            yield Input(id="again", password=True, max_length=12)
        yield from self.compose_keys()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        old, new, again = (self.query_one(f"#{n}", Input).value for n in ("old", "new", "again"))
        if not (old and new and again):
            self.focus_next()
            return
        if new != again:
            self.say(self.tr("The two new passwords differ."), error=True)
            self._clear()
            return
        session = self.app.terminal_session.as_actor(self.login_result.actor)
        self.call(self._password_changed, operators.change_password, session, old_password=old,
                  new_password=new)

    def _clear(self) -> None:
        for name in ("old", "new", "again"):
            self.query_one(f"#{name}", Input).value = ""
        self.query_one("#old", Input).focus()

    def _password_changed(self, _) -> None:
        self._clear()
        self.app.pop_screen()
        self.app.logged_in(self.login_result)

    def failed(self, error) -> None:
        self._clear()
        self.say_error(error)

    def action_back(self) -> None:
        self.app.pop_screen()
