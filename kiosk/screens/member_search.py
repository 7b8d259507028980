"""Find members by any field or combination, paged; open one to edit, or register a new
one. Opened by another screen to pick a member, Enter on a row hands it back."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.paging import PAGE_BINDINGS, PagedRows, show_rows
from kiosk.screens.form import DIGITS, Field, FormScreen, mode_field
from kiosk.services import members
from kiosk.services.members import MemberQuery

class MemberSearchScreen(PagedRows, FormScreen):
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
        mode_field(),
    ]
    SUBMIT_FROM_ANY = True
    BINDINGS = [key_hint("enter", N_("Search")), Binding("f5", "register", N_("New member")),
                Binding("f6", "edit", N_("Edit")), *PAGE_BINDINGS,
                Binding("escape", "back", N_("Back"))]
    picking = False  # MemberPickScreen: the member chosen goes back to the screen that asked

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[members.MemberRow] = []

    def on_mount(self) -> None:
        self.query_one("#phone").focus()

    def submit(self) -> None:
        self.first_page()

    def load_page(self) -> None:
        self.call(self._listed, members.search, self.app.session, self._query(),
                  page=self.page, page_size=self.PAGE_SIZE, mode=self.value("mode"))

    def _query(self) -> MemberQuery:
        return MemberQuery(**{field.name: self.value(field.name) for field in self.FIELDS
                              if field.name != "mode"})

    def _listed(self, rows: list[members.MemberRow]) -> None:
        self._show_rows(rows)
        self.say(self.tr("Page {page}: {count} members.").format(page=self.page + 1,
                                                                count=len(self.rows)))

    def _show_rows(self, rows: list[members.MemberRow], cursor: int = 0) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        show_rows(table, ["#", self.tr("Name"), self.tr("Phone"), self.tr("Level"),
                          self.tr("Region")],
                  [[str(r.member_id), r.name, r.phone, r.level, r.region] for r in self.rows])
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
            table.focus()

    def _relisted(self, rows: list[members.MemberRow]) -> None:
        """The page again after a save, the cursor where it was (the message stays)."""
        self._show_rows(rows, cursor=self.query_one(DataTable).cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.selected_row()
        if row is None:
            return
        if self.picking:
            self.dismiss((row.member_id, row.name))
        else:
            self.action_edit()

    def action_register(self) -> None:
        self.app.push_screen(registry.member_form(None), self._after_form)

    def action_edit(self) -> None:
        row = self.selected_row()
        if row is None:
            self.say(self.tr("Search, then choose a member with the arrow keys."), error=True)
            return
        self.app.push_screen(registry.member_form(row.member_id), self._after_form)

    def _after_form(self, saved) -> None:
        if saved is None:
            return
        if self.picking:
            self.dismiss(saved)
            return
        member_id, name = saved
        self.say(self.tr("Saved member {name} (#{number}).").format(name=name, number=member_id))
        if self.rows:  # the list shows what was saved, not what was there before
            self.call(self._relisted, members.search, self.app.session, self._query(),
                      page=self.page, page_size=self.PAGE_SIZE, mode=self.value("mode"))

    def action_back(self) -> None:
        self.dismiss(None) if self.picking else self.app.pop_screen()


class MemberPickScreen(MemberSearchScreen):
    """The member search another screen opens to pick a member: Enter on a row (or a
    member just registered) goes back to that screen with (member id, name)."""

    BINDINGS = [key_hint("enter", N_("Search/choose"))]
    picking = True


class PicksMember:
    """Mixin for a form whose `phone` field names the member: Enter on the phone looks
    the member up (a single match is taken), F4 searches (action_find_member), and
    action_new_member registers one. The screen hears of the choice in member_chosen();
    a lookup the service refuses goes to the screen's failed()."""

    member: tuple[int, str] | None = None

    def on_input_submitted(self, event) -> None:
        # Runs before FormScreen's handler (MRO order); a phone lookup stops it there.
        if event.input.id == "phone" and event.value.strip():
            event.prevent_default()
            event.stop()
            self.call(self._phone_looked_up, members.search, self.app.session,
                      MemberQuery(phone=event.value.strip()))

    def _phone_looked_up(self, rows: list[members.MemberRow]) -> None:
        if len(rows) == 1:
            self.choose_member((rows[0].member_id, rows[0].name))
        elif not rows:
            self.say(self.tr("No member with this phone: F4 to search, or register one."),
                     error=True)
        else:
            self.say(self.tr("Several members share this phone: choose one (F4)."), error=True)

    # The old name, for a screen that still routes task "member" to it by hand.
    _member_done = _phone_looked_up

    def action_find_member(self) -> None:
        self.app.push_screen(registry.member_pick(), self.choose_member)

    def action_new_member(self) -> None:
        self.app.push_screen(registry.member_form(None), self.choose_member)

    def choose_member(self, member: tuple[int, str] | None) -> None:
        if member is not None:
            self.member = member
            self.member_chosen()

    def member_chosen(self) -> None:
        """The screen shows the chosen member and moves on."""
