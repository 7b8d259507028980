"""One allocation template (分配模板) being written: its name, its main card, and its
lines in the table below. A sub card's number and amount, Enter: the line is added (or
its amount changed); Del takes the line under the cursor out; F5 saves the template."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan, plain_yuan
from kiosk.screens.base import key_hint
from kiosk.screens.form import DIGITS, Field, FormScreen, money_field
from kiosk.screens.paging import row_under_cursor, show_rows
from kiosk.services import allocation_templates
from kiosk.services.allocation_templates import TemplateLine


class TemplateEditScreen(FormScreen):
    HEADING = N_("Allocation template")
    TABLE = True
    BINDINGS = [key_hint("enter", N_("Next/add line")),
                Binding("delete", "remove", N_("Remove line")), Binding("f5", "save", N_("Save")),
                Binding("escape", "back", N_("Back"))]
    FIELDS = [Field("name", N_("Template name"), allocation_templates.MAX_NAME),
              Field("main_card", N_("Main card number"), 32, DIGITS),
              Field("sub_card", N_("Sub card number"), 32, DIGITS),
              money_field("amount", N_("Amount"))]

    def __init__(self, code: str, template: allocation_templates.TemplateView | None) -> None:
        super().__init__()
        self.code, self.template = code, template
        self.lines: list[TemplateLine] = list(template.lines) if template else []

    def on_mount(self) -> None:
        if self.template is not None:
            self.set_value("name", self.template.name)
            self.set_value("main_card", self.template.main_card_number)
        self.show_lines()

    def show_lines(self) -> None:
        show_rows(self.query_one(DataTable), [self.tr("Sub card"), self.tr("Amount")],
                  [[line.card_number, format_yuan(line.amount)] for line in self.lines])
        self.details(self.tr("{count} sub cards, {total} in all: F5 saves.").format(
            count=len(self.lines), total=format_yuan(sum(line.amount for line in self.lines))))

    def submit(self) -> None:
        """Enter on the amount: the line goes into the table (not saved until F5)."""
        number = "".join(self.value("sub_card").split())
        if not number:
            self.say(self.tr("Type a sub card's number and its amount."), error=True)
            self.query_one("#sub_card").focus()
            return
        amount = self.money("amount")
        if amount is None:
            return
        self.lines = [line for line in self.lines if line.card_number != number]
        self.lines.append(TemplateLine(number, amount))
        self.show_lines()
        self.set_value("sub_card", "")
        self.set_value("amount", "")
        self.query_one("#sub_card").focus()

    def on_data_table_row_selected(self, event) -> None:
        line = row_under_cursor(self.query_one(DataTable), self.lines)
        if line is not None:  # Enter on a line: its amount to change
            self.set_value("sub_card", line.card_number)
            self.set_value("amount", plain_yuan(line.amount))
            self.query_one("#amount").focus()

    def action_remove(self) -> None:
        line = row_under_cursor(self.query_one(DataTable), self.lines)
        if line is not None:  # (Del in a field deletes a character there instead)
            self.lines.remove(line)
            self.show_lines()

    def action_save(self) -> None:
        self.call(self._saved, allocation_templates.save, self.app.session, self.code,
                  name=self.value("name"), main_card_number=self.value("main_card"),
                  lines=self.lines,
                  template_id=self.template.template_id if self.template else None)

    def _saved(self, saved: allocation_templates.TemplateView) -> None:
        self.template = saved
        self.lines = list(saved.lines)
        self.show_lines()
        self.say(self.tr("Template {name} saved: {total} to {count} sub cards.").format(
            name=saved.name, total=format_yuan(saved.total), count=len(saved.lines)))

    def action_back(self) -> None:
        self.app.pop_screen()
