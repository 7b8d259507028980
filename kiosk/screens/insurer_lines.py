"""One insurer's file, line by line: what the reviewer checks before approving it (F7,
a second operator at this terminal), then the run (F8) with the outcome of every line;
a line refused says why and is tried again by the next run."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kiosk.errors import KioskError, N_
from kiosk.money import format_yuan
from kiosk.screens.base import KioskScreen
from kiosk.screens.paging import show_rows
from kiosk.services import insurer_cards
from kiosk.services.insurer_cards import KIND_NAMES, FileLine, FileSummary
from kiosk.services.reviewed_lists import STATUS_NAMES


class InsurerLinesScreen(KioskScreen):
    BINDINGS = [Binding("f7", "review_file", N_("Review")), Binding("f8", "run_file", N_("Run")),
                Binding("escape", "back", N_("Back"))]

    def __init__(self, file: FileSummary) -> None:
        super().__init__()
        self.file = file
        self.lines: list[FileLine] = []
        self.refusals: dict[int, KioskError] = {}  # by line, from this screen's last run

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield Static("", id="title")
        yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    def load(self) -> None:
        self.call(self._show_summary, insurer_cards.summary, self.app.session,
                  self.file.file_id)
        self.call(self._show_lines, insurer_cards.lines, self.app.session, self.file.file_id)

    def action_review_file(self) -> None:
        title = self.tr("Review file #{number}: {count} lines, {total}").format(
            number=self.file.file_id, count=self.file.lines, total=format_yuan(self.file.total))
        self.call_if_reviewed(title, self._reviewed, insurer_cards.review, self.app.session,
                              self.file.file_id, signed_as="credentials")

    def action_run_file(self) -> None:
        self.say(self.tr("Posting..."))
        self.call(self._posted, insurer_cards.run, self.app.session, self.file.file_id)

    def _reviewed(self, _) -> None:
        self.say(self.tr("Done."))
        self.load()

    def _posted(self, report) -> None:
        self.refusals = dict(report.failed)
        self.say(self.tr("Posted {posted}, already posted {already}, failed {failed}."
                         ).format(posted=report.posted, already=report.already_posted,
                                  failed=len(report.failed)), error=bool(report.failed))
        self.load()

    def _show_summary(self, file: FileSummary) -> None:
        self.file = file
        self.query_one("#title", Static).update(self._heading())

    def _heading(self) -> str:
        file = self.file
        return (f"#{file.file_id} {file.issuer} {self.tr(KIND_NAMES[file.kind])} "
                f"{file.name}: {self.tr(STATUS_NAMES.get(file.status, file.status))}, "
                f"{file.done}/{file.lines}, {format_yuan(file.total)}")

    def _show_lines(self, lines: list[FileLine]) -> None:
        """A card file shows its holders; a loads file has none to show."""
        self.lines = lines
        holders = self.file.kind == insurer_cards.CARDS
        show_rows(self.query_one(DataTable),
                  [self.tr("Line"), self.tr("Card")]
                  + ([self.tr("Holder"), self.tr("ID number")] if holders else [])
                  + [self.tr("Amount"), self.tr("Outcome")],
                  [[str(line.line_no), line.card_number]
                   + ([line.holder, line.id_number] if holders else [])
                   + [self._amount(line), self._outcome(line)] for line in self.lines])

    def _amount(self, line: FileLine) -> str:
        if self.file.kind == insurer_cards.CARDS and not line.amount:
            return self.tr("held by the insurer")
        return format_yuan(line.amount)

    def _outcome(self, line: FileLine) -> str:
        if line.operation_id:
            return self.tr("posted #{number}").format(number=line.operation_id)
        if line.done:
            return self.tr("registered")
        if line.line_no in self.refusals:
            return self.describe(self.refusals[line.line_no])
        return ""

    def action_back(self) -> None:
        self.app.pop_screen()
