"""Find members by any field or combination, paged; open one to edit, or register a new
one. Opened by another screen to pick a member, Enter on a row hands it back."""

from __future__ import annotations

from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.messages import WorkDone
from kiosk.screens.form import DIGITS, Field, FormScreen
from kiosk.services import members
from kiosk.services.members import MemberQuery

PAGE_SIZE = 20


class MemberSearchScreen(FormScreen):
    DETAILS, TABLE = False, True
    FIELDS = [
        Field("phone", N_("Phone"), 20, r"[0-9+\- ]*"),
        Field("name_prefix", N_("Name starts with"), 50),
        Field("card_number", N_("Card number"), 32, DIGITS),
        Field("old_card_number", N_("Old card number"), 32),
        Field("id_number", N_("ID number"), 18, r"[0-9Xx]*"),
        Field("level", N_("Level"), 20),
        Field("region", N_("Region"), 30),
        Field("source", N_("Source"), 30),
    ]
    SUBMIT_FROM_ANY = True
    BINDINGS = [("escape", "back", ""), ("f5", "register", ""), ("f6", "edit", ""),
                ("pagedown", "page(1)", ""), ("pageup", "page(-1)", "")]

    def __init__(self, *, picking: bool = False) -> None:
        super().__init__()
        self.picking = picking
        self.page = 0
        self.rows: list[members.MemberRow] = []
        self.KEYS = [("Enter", N_("Search") if not picking else N_("Search/choose")),
                     ("F5", N_("New member")), ("F6", N_("Edit")), ("PgDn/PgUp", N_("Page")),
                     ("Esc", N_("Back"))]

    def on_mount(self) -> None:
        self.query_one("#phone").focus()

    def submit(self) -> None:
        self.page = 0
        self.search()

    def search(self) -> None:
        query = MemberQuery(**{field.name: self.value(field.name) for field in self.FIELDS})
        self.call("search", members.search, self.app.session, query, page=self.page,
                  page_size=PAGE_SIZE)

    def action_page(self, delta: int) -> None:
        if self.page + delta < 0 or (delta > 0 and len(self.rows) < PAGE_SIZE):
            return
        self.page += delta
        self.search()

    def on_work_done(self, message: WorkDone) -> None:
        if message.error is not None:
            self.refused(message.error)
            return
        self.rows = message.result
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("#", self.tr("Name"), self.tr("Phone"), self.tr("Level"),
                          self.tr("Region"))
        for row in self.rows:
            table.add_row(str(row.member_id), row.name, row.phone, row.level, row.region)
        self.say(self.tr("Page {page}: {count} members.").format(page=self.page + 1,
                                                                count=len(self.rows)))
        if self.rows:
            table.focus()

    def selected(self) -> members.MemberRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.selected()
        if row is None:
            return
        if self.picking:
            self.dismiss((row.member_id, row.name))
        else:
            self.action_edit()

    def action_register(self) -> None:
        from kiosk.screens.member_form import MemberFormScreen
        self.app.push_screen(MemberFormScreen(None), self._after_form)

    def action_edit(self) -> None:
        row = self.selected()
        if row is None:
            self.say(self.tr("Search, then choose a member with the arrow keys."), error=True)
            return
        from kiosk.screens.member_form import MemberFormScreen
        self.app.push_screen(MemberFormScreen(row.member_id), self._after_form)

    def _after_form(self, saved) -> None:
        if saved is None:
            return
        if self.picking:
            self.dismiss(saved)
            return
        member_id, name = saved
        self.say(self.tr("Saved member {name} (#{number}).").format(name=name, number=member_id))

    def action_back(self) -> None:
        self.dismiss(None) if self.picking else self.app.pop_screen()
