"""What a member-centre operation did: a title, a few lines, and the receipt; Enter
goes back to the screen that asked, ready for the next customer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.errors import N_
from kiosk.screens.base import KioskScreen
from kiosk.screens.result import IGNORE_KEYS_SECONDS


class OutcomeScreen(KioskScreen):
    BINDINGS = [Binding("enter", "done", N_("Continue")),
                Binding("escape", "done('menu')", N_("Back to the menu"))]

    def __init__(self, title: str, lines: list[str], *, replayed: bool = False,
                 next_step: str = "") -> None:
        """`next_step`: what Enter does instead of going back (the label of a message id,
        "Issue another card"); Esc then goes back to the menu and the screen that asked
        is told which (dismissed with "next" or "menu")."""
        super().__init__()
        self.title_text, self.lines, self.replayed = title, lines, replayed
        self.next_step = next_step

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        with Vertical(id="result"):
            yield Static(self.title_text, classes="big")
            if self.replayed:
                yield Static(self.tr("(already done earlier: shown again, not posted twice)"))
            for line in self.lines:
                yield Static(line)
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.shown_at = self.app.monotonic()

    def lists_key(self, binding: Binding) -> bool:
        return binding.key == "enter" or bool(self.next_step)

    def _listed_keys(self) -> list[tuple[str, str]]:
        return [(keys, self.next_step if label == N_("Continue") and self.next_step else label)
                for keys, label in super()._listed_keys()]

    def action_done(self, choice: str = "next") -> None:
        if self.app.monotonic() - self.shown_at >= IGNORE_KEYS_SECONDS:
            self.dismiss(choice if self.next_step else None)
