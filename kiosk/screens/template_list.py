"""A customer's allocation templates (分配模板): each names a main card and what it gives
its sub cards. Enter edits the one under the cursor, F5 makes a new one, F8 runs it
(every line or none, after a confirmation naming the total), Del deletes it."""

from __future__ import annotations

import uuid

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.customers import OneCustomersRows
from kiosk.screens.paging import chosen_row, row_under_cursor, show_rows
from kiosk.services import allocation_templates
from kiosk.services.operations import mask_card_number


class TemplateListScreen(OneCustomersRows):
    BINDINGS = [key_hint("enter", N_("Edit")), Binding("f5", "new", N_("New")),
                Binding("f8", "run", N_("Run")), Binding("delete", "delete", N_("Delete")),
                Binding("escape", "back", N_("Back"))]

    TITLE_TEXT = N_("Allocation templates of customer {code}")

    def rows_of(self, session, code: str) -> list[allocation_templates.TemplateView]:
        return allocation_templates.templates(session, code)

    def show(self, rows: list[allocation_templates.TemplateView]) -> None:
        show_rows(self.query_one(DataTable),
                  [self.tr("Template"), self.tr("Main card"), self.tr("Sub card count"),
                   self.tr("Total")],
                  [[row.name, mask_card_number(row.main_card_number), str(len(row.lines)),
                    format_yuan(row.total)] for row in rows])
        if not rows:
            self.details(
                self.tr("No template yet: F5 makes one."))

    def on_data_table_row_highlighted(self, event) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            row = self.rows[event.cursor_row]
            self.details("  ".join(
                f"…{line.card_number[-4:]} {format_yuan(line.amount)}" for line in row.lines))

    def on_data_table_row_selected(self, event) -> None:
        chosen = row_under_cursor(self.query_one(DataTable), self.rows)
        if chosen is not None:
            self.app.push_screen(registry.template_edit(self.code, chosen))

    def action_new(self) -> None:
        self.app.push_screen(registry.template_edit(self.code, None))

    def _chosen(self) -> allocation_templates.TemplateView | None:
        return chosen_row(self, self.rows, N_("Choose a template in the table first."))

    def action_run(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return

        self.call_if_confirmed(self.tr(
            "Run template {name}: {total} from main card {card} to {count} sub cards?").format(
            name=chosen.name, total=format_yuan(chosen.total),
            card=mask_card_number(chosen.main_card_number), count=len(chosen.lines)),
            self._ran, allocation_templates.run, self.app.session, chosen.template_id,
            key=f"template-{uuid.uuid4().hex}")

    def _ran(self, result: allocation_templates.TemplateRun) -> None:
        self.say(self.tr("Template {name} allocated {total}; the main card holds {left}; "
                         "journal #{number}.").format(
            name=result.name, total=format_yuan(result.total),
            left=format_yuan(result.main_after), number=result.operation_id))
        self.load()

    def action_delete(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return

        self.call_if_confirmed(self.tr("Remove the template {name}?").format(name=chosen.name),
                               self._deleted, allocation_templates.delete, self.app.session,
                               chosen.template_id)

    def _deleted(self, _) -> None:
        self.say(self.tr("Deleted."))
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
