"""Login: outlet code, login id, password (masked). F8 switches the language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from kiosk.errors import N_
from kiosk.messages import CardSwiped, SwipeBroken
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen, key_hint
from kiosk.services import operators


class LoginScreen(KioskScreen):
    BINDINGS = [key_hint("enter", N_("Log in")),
                Binding("f8", "switch_language", N_("中文/English"))]

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        with Vertical(id="form"):
            yield Label(self.tr("Card Kiosk: operator login"), id="title")
            yield Label(self.tr("Outlet code"))
            yield Input(self.app.settings.outlet_code, id="outlet", max_length=8,
                        restrict=r"[0-9]*")
            yield Label(self.tr("Login id"))
            yield Input(id="login", max_length=30)
            yield Label(self.tr("Password"))
            yield Input(id="password", password=True, max_length=12)
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.query_one("#login" if self.app.settings.outlet_code else "#outlet").focus()

    def reset(self) -> bool:
        """The password wiped; whether one was typed."""
        typed = bool(self.query_one("#password", Input).value)
        self.query_one("#password", Input).value = ""
        return typed

    def on_input_submitted(self, event: Input.Submitted) -> None:
        fields = ["outlet", "login", "password"]
        empty = [name for name in fields if not self.query_one(f"#{name}", Input).value]
        if empty:
            self.query_one(f"#{empty[0]}", Input).focus()
            return
        self.say(self.tr("Checking..."))
        self.call(self._logged_in, operators.login, self.app.terminal_session,
                  outlet_code=self.query_one("#outlet", Input).value,
                  login_id=self.query_one("#login", Input).value,
                  password=self.query_one("#password", Input).value,
                  terminal_code=self.app.settings.terminal_code)

    def _logged_in(self, result) -> None:
        self.query_one("#password", Input).value = ""
        if result.must_change_password:
            self.app.push_screen(registry.change_password(result))
            return
        self.app.logged_in(result)

    def failed(self, error) -> None:
        self.query_one("#password", Input).value = ""
        self.say_error(error)
        self.query_one("#password", Input).focus()

    def on_card_swiped(self, message: CardSwiped) -> None:
        self.say(self.tr("Log in first, then swipe the card."), error=True)

    def on_swipe_broken(self, message: SwipeBroken) -> None:
        self.on_card_swiped(message)

    def action_switch_language(self) -> None:
        self.app.set_language("zh_CN" if self.app.language == "en" else "en")
        self.app.switch_screen(registry.login())
