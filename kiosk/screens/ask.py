"""A one-line question in a dialog (a journal number, a reason): dismisses with the text
typed, or None on Esc."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from kiosk.screens.base import KioskModal


class AskModal(KioskModal):
    BINDINGS = [("escape", "cancel", "")]

    def __init__(self, title: str, *, max_length: int = 30, restrict: str | None = None
                 ) -> None:
        super().__init__()
        self.title_text, self.max_length, self.restrict = title, max_length, restrict

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="title")
            yield Input(id="answer", max_length=self.max_length, restrict=self.restrict)
            yield Label(self.tr("Enter: OK   Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#answer").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(KioskModal):
    """One line that names what a risky key will do (the card, the amount): Enter does
    it, Esc does not. Dismisses with True or False."""

    BINDINGS = [("escape", "answer(False)", ""), ("enter", "answer(True)", "")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="title")
            yield Label(self.tr("Enter: yes, do it   Esc: no"), classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
