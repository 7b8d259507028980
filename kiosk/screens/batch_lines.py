"""One batch recharge list, line by line: what its reviewer checks before approving it
(F7, a second operator at this terminal), and after the run which recharge posted each
line."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens.base import KioskScreen
from kiosk.screens.paging import show_rows
from kiosk.services import batch_recharge
from kiosk.services.batch_recharge import STATUS_NAMES, BatchSummary


class BatchLinesScreen(KioskScreen):
    BINDINGS = [Binding("f7", "review_list", N_("Review")), Binding("escape", "back", N_("Back"))]

    def __init__(self, batch: BatchSummary) -> None:
        super().__init__()
        self.batch = batch

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield Static(self._heading(), id="title")
        yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.call(self._show_lines, batch_recharge.lines, self.app.session, self.batch.batch_id)

    def _heading(self) -> str:
        batch = self.batch
        return self.tr("List #{number} {name}: {status}, {count} cards, {total}").format(
            number=batch.batch_id, name=batch.name,
            status=self.tr(STATUS_NAMES.get(batch.status, batch.status)), count=batch.lines,
            total=format_yuan(batch.total))

    def _show_lines(self, lines: list[batch_recharge.BatchLineView]) -> None:
        show_rows(self.query_one(DataTable),
                  [self.tr("Line"), self.tr("Card"), self.tr("Amount"), self.tr("Outcome")],
                  [[str(line.line_no), line.card_number, format_yuan(line.amount),
                    self.tr("posted #{number}").format(number=line.operation_id)
                    if line.operation_id else ""] for line in lines])

    def action_review_list(self) -> None:
        """The reviewer, having read the lines, types their login id and password."""
        title = self.tr("Review list #{number}: {count} cards, {total}").format(
            number=self.batch.batch_id, count=self.batch.lines,
            total=format_yuan(self.batch.total))
        self.call_if_reviewed(title, self._reviewed, batch_recharge.review, self.app.session,
                              self.batch.batch_id, signed_as="credentials")

    def _reviewed(self, _) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)
