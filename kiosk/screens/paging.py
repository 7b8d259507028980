"""Screens that show a page of rows in a table: PgDn/PgUp between pages, the row under
the cursor, and the journal's columns (shared by today's journal and the card/member
journal)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.cells import cell_width
from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.services import kinds

PAGE_BINDINGS = [Binding("pagedown", "page(1)", N_("Page"), key_display="PgDn/PgUp"),
                 Binding("pageup", "page(-1)", "")]


class PagedRows:
    """Mixin: `load_page()` asks for page `self.page` of PAGE_SIZE rows; the result goes
    into `self.rows`. A short page is the last one."""

    PAGE_SIZE = 20
    page = 0
    rows: list = []

    def load_page(self) -> None:
        raise NotImplementedError

    def first_page(self) -> None:
        self.page = 0
        self.load_page()

    def action_page(self, delta: int) -> None:
        if self.page + delta >= 0 and (delta < 0 or len(self.rows) == self.PAGE_SIZE):
            self.page += delta
            self.load_page()

    def selected_row(self):
        return row_under_cursor(self.query_one(DataTable), self.rows)


def row_under_cursor(table: DataTable, rows: list):
    """The row of `rows` (shown in `table`) under the cursor, or None."""
    cursor = table.cursor_row
    if not rows or cursor is None or cursor >= len(rows):
        return None
    return rows[cursor]


def chosen_row(screen, rows: list, choose_first: str):
    """The row of `rows` under the cursor of the screen's table; None, with
    `choose_first` (a message id) said, when there is none."""
    row = row_under_cursor(screen.query_one(DataTable), rows)
    if row is None:
        screen.say(screen.tr(choose_first), error=True)
    return row


def show_rows(table: DataTable, titles: list[str], rows: list[list[str]], *,
              keep_cursor: bool = False) -> None:
    """The one way a screen fills a table. Each column is as wide as its widest cell in
    screen cells, set when it is added: a table left to size itself after its rows came
    showed them cut to its titles' widths until it next repainted (Textual 8.2).
    `keep_cursor`: the same list shown again after an action on a row (its rows keep
    their order): the cursor stays on that row, not back on the first."""
    cursor = table.cursor_row
    table.clear(columns=True)
    for index, title in enumerate(titles):
        table.add_column(title, width=max([cell_width(title)] +
                                          [cell_width(str(row[index])) for row in rows]))
    for row in rows:
        table.add_row(*row)
    if keep_cursor and rows:
        table.move_cursor(row=min(cursor, len(rows) - 1))
    table.call_after_refresh(mark_if_wider, table)


def mark_if_wider(table: DataTable) -> None:
    """A table wider than the screen (a narrow terminal) says so under it: ←/→ shows
    the columns off to the right."""
    wider = table.virtual_size.width > table.scrollable_content_region.width
    table.set_class(wider, "wider")
    table.border_subtitle = table.app.tr("←/→ more columns") if wider else ""


def show_journal(table: DataTable, tr, rows, *, split: bool = False) -> None:
    """Journal rows (kiosk.services.journal.JournalRow) with their usual columns; with
    `split`, each one's principal (本金) and bonus (赠金) too (the back office's query:
    wider than 80 columns, ←/→ shows the rest)."""
    show_rows(table, [tr("Time"), "#", tr("Operation"), tr("Card"), tr("Amount"),
                      *([tr("Principal"), tr("Bonus")] if split else []),
                      tr("Taken back"), tr("Operator")],
              [[row.time, str(row.operation_id), tr(kinds.label(row.kind)),
                row.card, row_amount(tr, row), *(_split(row) if split else []),
                format_yuan(row.refunded) if row.refunded else "", row.operator]
               for row in rows])


def _split(row) -> list[str]:
    """The row's principal and bonus parts, signed; an operation that moved neither:
    empty cells."""
    if not (row.principal or row.bonus):
        return ["", ""]
    return [format_yuan(row.principal), format_yuan(row.bonus)]


def row_amount(tr, row) -> str:
    """The money a row moved; a points redemption moves points, not money."""
    if row.kind == "points_redemption":
        return tr("{points} points").format(points=row.points)
    return format_yuan(row.amount)


class AmountForChosenRow:
    """Mixin for a form over a table whose `amount` field is for the row under the
    cursor (a sub card to allocate to, an internal card to load): Enter on a row goes
    to the amount; submit() hands the row and the amount to act(row, amount)."""

    CHOOSE_FIRST = ""  # a message id: said when no row is under the cursor
    rows: list = []

    def on_data_table_row_selected(self, event) -> None:
        self.query_one("#amount").focus()

    def chosen(self):
        return chosen_row(self, self.rows, self.CHOOSE_FIRST)

    def submit(self) -> None:
        row = self.chosen()
        amount = self.money("amount") if row is not None else None
        if amount is not None:
            self.act(row, amount)

    def act(self, row, amount: int) -> None:
        raise NotImplementedError
