"""Insurers' files (保险公司文件): import the insurer's card file or loads file, see the
latest files; F5 (or Enter on a file) opens its lines, where a second operator reviews
it and it runs; Del voids a file that has not started to run."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.form import Field, FormScreen, path_field
from kiosk.screens.paging import chosen_row, show_rows
from kiosk.services import insurer_cards
from kiosk.services.insurer_cards import KIND_NAMES
from kiosk.services.reviewed_lists import STATUS_NAMES

KIND_CHOICES = tuple(KIND_NAMES.items())


class InsurerFilesScreen(FormScreen):
    HEADING = N_("INSURERS' FILES")
    TABLE = True
    BINDINGS = [key_hint("enter", N_("Import")),
                Binding("f5", "open_file", N_("Lines, review, run")),
                Binding("delete", "void", N_("Void")), Binding("escape", "back", N_("Back"))]

    def fields(self) -> list[Field]:
        folder = self.app.settings.home / "insurer"
        return [path_field("path", N_("File (.csv/.xlsx)"), value=f"{folder}/"),
                Field("name", N_("File name"), insurer_cards.MAX_NAME),
                Field("kind", N_("Holds"), choices=KIND_CHOICES)]

    def __init__(self) -> None:
        super().__init__()
        self.files: list[insurer_cards.FileSummary] = []

    def on_mount(self) -> None:
        self.query_one("#path").focus()
        self.refresh_files()

    def on_screen_resume(self) -> None:  # back from a file's lines: its status changed
        self.refresh_files()

    def refresh_files(self) -> None:
        self.call(self._show_files, insurer_cards.summaries, self.app.session)

    def submit(self) -> None:
        self.details("")
        self.call(self._imported, insurer_cards.import_file, self.app.session,
                  self.value("path"), kind=self.value("kind"), name=self.value("name"))

    def _imported(self, number: int) -> None:
        self.say(self.tr("File #{number} imported as a draft: check its lines (F5), then "
                         "a second operator reviews it.").format(number=number))
        self.refresh_files()

    def selected(self) -> insurer_cards.FileSummary | None:
        return chosen_row(self, self.files, N_("Choose a file in the table first."))

    def action_open_file(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.app.push_screen(registry.insurer_lines(chosen))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_file()

    def action_void(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.call(self._voided, insurer_cards.void, self.app.session, chosen.file_id)

    def _voided(self, _) -> None:
        self.say(self.tr("Done."))
        self.refresh_files()

    def _show_files(self, files: list[insurer_cards.FileSummary]) -> None:
        self.files = files
        show_rows(self.query_one(DataTable),
                  ["#", self.tr("Holds"), self.tr("Insurer"), self.tr("File name"),
                   self.tr("Status"), self.tr("Done"), self.tr("Total"), self.tr("By"),
                   self.tr("Reviewer")],
                  [[str(f.file_id), self.tr(KIND_NAMES[f.kind]), f.issuer, f.name,
                    self.tr(STATUS_NAMES.get(f.status, f.status)), f"{f.done}/{f.lines}",
                    format_yuan(f.total), f.created_by, f.reviewed_by] for f in files])

    def action_back(self) -> None:
        self.app.pop_screen()
