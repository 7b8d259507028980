"""The store ledgers in the app: the daily balance ledger (门店余额台账: principal and
bonus, opening, in, out, closing per day), the general ledger (门店总账) and the members
holding stored value (会员储值余额); of this outlet, or of every outlet of a business
format (业态) typed in. F8 saves what is shown as .xlsx for finance."""

from __future__ import annotations

import datetime as dt

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import InvalidInput, N_
from kiosk.screens.base import key_hint
from kiosk.screens.paging import show_rows
from kiosk.screens.form import Field, FormScreen
from kiosk.services import directory, ledgers, reports

LEDGERS = (("daily", N_("daily balance ledger")), ("general", N_("general ledger")),
           ("holders", N_("members' stored value")))


class LedgerScreen(FormScreen):
    DETAILS, TABLE = False, True
    SUBMIT_FROM_ANY = True
    BINDINGS = [key_hint("enter", N_("Show")), Binding("f8", "save", N_("Save .xlsx")),
                Binding("escape", "back", N_("Back"))]

    def fields(self) -> list[Field]:
        today = directory.outlet_today(self.app.session)  # the outlet's, not UTC's
        return [Field("ledger", N_("Ledger"), choices=LEDGERS),
                Field("first", N_("From (YYYY-MM-DD)"), 10, value=today.replace(day=1).isoformat()),
                Field("last", N_("To (YYYY-MM-DD)"), 10, value=today.isoformat()),
                Field("business_format", N_("Format (empty: own)"), 20)]

    def __init__(self) -> None:
        super().__init__()
        self.table = None  # what is shown, and the file name it saves as
        self.table_name = ""

    def on_mount(self) -> None:
        self.query_one("#ledger").focus()
        self.call(self._formats_known, ledgers.business_formats, self.app.session)

    def _formats_known(self, formats: list[str]) -> None:
        """The business formats the outlets have, to type in Format (empty: this outlet)."""
        if formats:
            self.say(self.tr("Business formats: {formats}").format(formats=", ".join(formats)))

    def submit(self) -> None:
        try:
            first, last = (dt.date.fromisoformat(self.value(n)) for n in ("first", "last"))
        except ValueError:
            self.say_error(InvalidInput(N_("A date is written YYYY-MM-DD.")))
            return
        # What was shown goes: a ledger asked for and refused never saves the last one's
        # figures under its own name.
        self.table = None
        self.query_one(DataTable).clear()
        business_format = self.value("business_format").strip()
        self.table_name = "-".join(part for part in (
            "ledger", self.value("ledger"), first.isoformat(), last.isoformat(),
            business_format) if part)
        self.call(self._show, self._load, self.value("ledger"), first, last,
                  business_format, latest_only=True)

    def _load(self, which: str, first: dt.date, last: dt.date, business_format: str):
        session = self.app.session
        outlet = directory.actor_info(session.actor).outlet_code
        return ledgers.ledger_table(session, outlet, which, first, last,
                                    business_format=business_format)

    def _show(self, found) -> None:
        self.table = found
        header, *rows = self.table.shown(self.tr)
        show_rows(self.query_one(DataTable), header, rows)
        self.say(self.tr("{count} lines.").format(count=len(rows)))

    def action_save(self) -> None:
        if self.table is None:
            self.say(self.tr("Search first."), error=True)
            return
        self.call(self.say_saved, reports.save_table, self.app.session, self.table_name,
                  self.table)

    def action_back(self) -> None:
        self.app.pop_screen()
