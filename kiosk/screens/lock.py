"""The operator's lock screen: nothing shows until the operator's password is typed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label

from kiosk.errors import N_
from kiosk.messages import CardSwiped
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen, key_hint
from kiosk.services import operators


class LockScreen(KioskScreen):
    BINDINGS = [key_hint("enter", N_("Unlock")),
                Binding("f2", "supervisor", N_("Supervisor unlocks")),
                Binding("f10", "log_out", N_("Log out"))]
    WIPE_ON_IDLE = False

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        with Vertical(id="form"):
            yield Label(self.tr("Locked. Type your password to continue."), id="title")
            yield Input(id="password", password=True, max_length=12)
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.query_one("#password").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.call(self._unlocked, operators.confirm_identity, self.app.session, event.value)
        event.input.value = ""

    def _unlocked(self, _) -> None:
        self.app.pop_screen()

    def action_supervisor(self) -> None:
        """An operator locked out by wrong passwords: a supervisor unlocks them here."""
        def reviewed(review) -> None:
            if review:
                self.call(self._supervisor_unlocked, operators.unlock_with_review,
                          self.app.session, review)
        self.app.push_screen(registry.review(None, self.tr("Supervisor: unlock this operator")),
                             reviewed)

    def _supervisor_unlocked(self, _) -> None:
        self.say(self.tr("The operator is unlocked: type the password."))
        self.query_one("#password").focus()

    def action_log_out(self) -> None:
        """Someone else takes the terminal; the shift stays open for its operator."""
        self.app.log_out()

    def on_card_swiped(self, message: CardSwiped) -> None:
        self.say(self.tr("Locked. Type your password to continue."), error=True)
