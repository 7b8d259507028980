"""Same-level review (同级复核授权): a second operator types login id and password here.
Dismisses with a Review once the reviewer's credentials are checked here (the service
that needs them checks them again with its right), or with True once `permission` is
verified directly (leaving kiosk mode). A refused reviewer is told here and the dialog
stays: what they type next never lands in the form behind it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label

from kiosk.screens.base import KioskModal, Message
from kiosk.services import operators
from kiosk.services.charge import Review


class ReviewModal(KioskModal):
    BINDINGS = [("escape", "cancel", "")]

    def __init__(self, permission: str | None, title: str) -> None:
        super().__init__()
        self.permission = permission
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="title")
            yield Label(self.tr("Reviewer login id"))
            yield Input(id="login", max_length=30)
            yield Label(self.tr("Reviewer password"))
            yield Input(id="password", password=True, max_length=12)
            yield Message("", id="message")
            yield Label(self.tr("Enter: authorise   Esc: cancel"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#login").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        login = self.query_one("#login", Input).value
        password = self.query_one("#password", Input).value
        if not login or not password:
            self.focus_next()
            return
        review = Review(login, password)
        if self.permission is None:
            self.call(lambda _checked: self.dismiss(review), operators.check_reviewer,
                      self.app.session, review)
            return
        self.call(self._authorised, operators.authorise_review, self.app.session, review,
                  self.permission)

    def _authorised(self, _result) -> None:
        self.query_one("#password", Input).value = ""
        self.dismiss(True)

    def failed(self, error) -> None:
        self.query_one("#password", Input).value = ""
        self.query_one("#message", Message).show(self.describe(error), error=True)

    def action_cancel(self) -> None:
        self.dismiss(None)
