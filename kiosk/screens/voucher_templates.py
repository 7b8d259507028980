"""Voucher print templates (凭证打印模板, administration): the vouchers on the left, the
template of the one under the cursor beside it, Enter to edit it. F5 saves it as the chain's,
F9 shows it as it prints on this terminal's paper (again: back to editing), F8 goes
back to the kiosk's default. Its lines: `label | {value}`, `^ centred`, `---`,
`__ signature`, `= title`, or text; the values are listed below."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static, TextArea

from kiosk.errors import N_
from kiosk.screens.base import KioskScreen, key_hint
from kiosk.screens.paging import row_under_cursor, show_rows
from kiosk.services import vouchers


class VoucherTemplatesScreen(KioskScreen):
    # Not F6 or F7: the editor selects a line and all its text with them.
    BINDINGS = [key_hint("up", N_("Choose a voucher"), key_display="↑↓"),
                key_hint("enter", N_("Edit")), Binding("f5", "save", N_("Save")),
                Binding("f9", "preview", N_("Preview / edit")),
                Binding("f8", "reset", N_("Back to the default")),
                Binding("escape", "back", N_("Back"))]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[vouchers.VoucherView] = []
        self.kind = ""

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield Static(self.tr("VOUCHER TEMPLATES"), id="title")
        with Horizontal(id="voucher-area"):
            yield DataTable(id="vouchers", cursor_type="row")
            yield TextArea(id="template", soft_wrap=False, tab_behavior="focus")
            with VerticalScroll(id="preview"):
                yield Static("", id="preview-text", markup=False)
        yield Static(self.tr("Values: {names}").format(names=" ".join(
            "{" + name + "}" for name in vouchers.FIELDS)), id="details")
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.query_one("#preview").display = False
        self.query_one("#vouchers").focus()
        self.load()

    def load(self) -> None:
        self.call(self._listed, vouchers.vouchers, self.app.session)

    def _listed(self, rows: list[vouchers.VoucherView]) -> None:
        self.rows = rows
        table = self.query_one("#vouchers", DataTable)
        kinds = [row.kind for row in rows]
        show_rows(table, [self.tr("Voucher"), self.tr("Template")],
                  [[self.tr(row.name), self.tr("chain's") if row.kept else self.tr("default")]
                   for row in rows])
        if self.kind in kinds:
            table.move_cursor(row=kinds.index(self.kind))

    def on_data_table_row_highlighted(self, event) -> None:
        row = row_under_cursor(self.query_one("#vouchers", DataTable), self.rows)
        if row is not None and row.kind != self.kind:
            self.kind = row.kind
            self.call(self._template_shown, vouchers.template, self.app.session, row.kind)

    def _template_shown(self, body: str) -> None:
        self.query_one("#template", TextArea).load_text(body)
        self._editing(True)

    def on_data_table_row_selected(self, event) -> None:
        self._editing(True)
        self.query_one("#template").focus()

    def _editing(self, editing: bool) -> None:
        self.query_one("#template").display = editing
        self.query_one("#preview").display = not editing

    def _body(self) -> str:
        return self.query_one("#template", TextArea).text

    def action_save(self) -> None:
        if self.kind:
            self.call(self._saved, vouchers.save, self.app.session, self.kind, self._body())

    def _saved(self, lines: int) -> None:
        self.say(self.tr("Template saved ({lines} lines): it prints from the next voucher, at "
                         "every terminal.").format(lines=lines))
        self.load()

    def action_preview(self) -> None:
        if not self.kind:
            return
        if self.query_one("#preview").display:
            self._editing(True)
            self.query_one("#template").focus()
            return
        self.call(self._previewed, vouchers.preview, self.app.session, self.kind, self._body())

    def _previewed(self, text: str) -> None:
        self.query_one("#preview-text", Static).update(text)
        self._editing(False)
        self.say(self.tr("As it prints, with sample values (F9: back to editing)."))

    def action_reset(self) -> None:
        if not self.kind:
            return
        kind = self.kind

        self.call_if_confirmed(self.tr(
            "The chain's template of this voucher dropped: the default prints again?"),
            self._reset, vouchers.reset, self.app.session, kind)

    def _reset(self, _) -> None:
        self.say(self.tr("The default prints again."))
        self.call(self._template_shown, vouchers.template, self.app.session, self.kind)
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
