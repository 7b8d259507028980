"""Receipts waiting for a printer: retry them all, or cancel one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.screens.base import KioskScreen
from kiosk.screens.paging import show_rows
from kiosk.services import receipts


class PrintQueueScreen(KioskScreen):
    BINDINGS = [Binding("f5", "retry", N_("Print all")),
                Binding("delete", "cancel_receipt", N_("Cancel receipt")),
                Binding("escape", "back", N_("Back"))]

    def __init__(self) -> None:
        super().__init__()
        self.queued = []

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield DataTable(id="queue", cursor_type="row")
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.load()

    def load(self, *, quiet: bool = False) -> None:
        self.call(self._relisted if quiet else self._listed, receipts.queue_listing,
                  self.app.session)

    def _listed(self, queued) -> None:
        self._relisted(queued)
        if not self.queued:
            self.say(self.tr("No receipts are waiting."))

    def _relisted(self, queued) -> None:
        """The queue again after printing or cancelling: the line keeps what it said."""
        self.queued = queued
        table = self.query_one(DataTable)
        show_rows(table, [self.tr("Receipt"), self.tr("Journal no."), self.tr("Created"),
                          self.tr("Last error")], [
            [item.label, f"#{item.operation_id}", item.created,
             self.describe(item.last_error) if item.last_error else ""]
            for item in self.queued])
        table.focus()

    def action_retry(self) -> None:
        self.call(self._printed, receipts.print_pending, self.app.session,
                  self.app.devices.printer)

    def _printed(self, outcome) -> None:
        if outcome.problem is not None:
            self.say_error(outcome.problem)
        else:
            self.say(self.tr("{count} receipts printed.").format(count=outcome.printed))
        self.load(quiet=True)

    def action_cancel_receipt(self) -> None:
        table = self.query_one(DataTable)
        if not self.queued or table.cursor_row is None:
            return
        self.call(self._cancelled, receipts.cancel, self.app.session,
                  self.queued[table.cursor_row].receipt_id)

    def _cancelled(self, _) -> None:
        self.load(quiet=True)

    def action_back(self) -> None:
        self.app.pop_screen()
