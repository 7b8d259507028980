"""Customers (客户维护): the list of customers with their accounts, and one customer's
details in the form above it. Enter saves the form (a new customer when the code is
empty); finance's credit limit and rating are saved when they changed. From the
customer under the cursor: its money (F5), its allocation templates (F7) and its
cards and sub cards (F8)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan, plain_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.form import Field, FormScreen, money_field
from kiosk.screens.paging import row_under_cursor, show_rows
from kiosk.services import customers

KIND_CHOICES = tuple(customers.KINDS.items())
RATING_CHOICES = tuple((rating, rating or N_("none")) for rating in customers.RATINGS)


class CustomersScreen(FormScreen):
    HEADING = N_("CUSTOMERS")
    TABLE = True
    BINDINGS = [key_hint("enter", N_("Next/save")), Binding("f2", "new", N_("New")),
                Binding("f3", "find", N_("Find")), Binding("f5", "money", N_("Money")),
                Binding("f7", "templates", N_("Templates")), Binding("f8", "cards", N_("Cards")),
                Binding("escape", "back", N_("Back"))]
    FIELDS = [Field("code", N_("Customer code"), 20, r"[0-9A-Za-z]*"),
              Field("name", N_("Customer name"), customers.MAX_NAME),
              Field("kind", N_("Customer is a"), choices=KIND_CHOICES),
              Field("invoice_title", N_("Invoice title"), customers.MAX_TITLE),
              Field("tax_number", N_("Taxpayer no."), customers.MAX_TAX),
              Field("contact", N_("Contact"), customers.MAX_CONTACT),
              Field("phone", N_("Telephone"), 20, r"[0-9+\- ]*"),
              money_field("credit_limit", N_("Credit limit")),
              Field("credit_rating", N_("Credit rating"), choices=RATING_CHOICES)]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[customers.CustomerView] = []
        self.shown: customers.CustomerView | None = None  # the one in the form
        self.search = ""

    def on_mount(self) -> None:
        self.set_value("credit_limit", "0.00")
        self.refresh_rows()

    def on_screen_resume(self) -> None:
        self.refresh_rows()  # back from money, templates or cards: balances changed

    def refresh_rows(self) -> None:
        self.call(self._rows_loaded, customers.find, self.app.session, self.search)

    def _rows_loaded(self, rows: list[customers.CustomerView]) -> None:
        self.rows = rows
        show_rows(self.query_one(DataTable),
                  [self.tr("Code"), self.tr("Name"), self.tr("Balance"), self.tr("Owed"),
                   self.tr("Credit"), self.tr("Rating"), self.tr("Main cards")],
                  [[row.code, row.name, format_yuan(row.balance), format_yuan(row.owed),
                    format_yuan(row.credit_limit), row.credit_rating or "-",
                    str(len(row.main_cards))] for row in rows])
        self.details(self.tr("{count} customers {search}").format(count=len(rows),
                                                                 search=self.search))
        codes = [row.code for row in rows]
        if self.shown is not None and self.shown.code in codes:  # stay on the same one
            self.query_one(DataTable).move_cursor(row=codes.index(self.shown.code))

    def on_data_table_row_highlighted(self, event) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self.fill(self.rows[event.cursor_row])

    def fill(self, row: customers.CustomerView) -> None:
        self.shown = row
        for name in ("code", "name", "kind", "invoice_title", "tax_number", "contact",
                     "phone", "credit_rating"):
            self.set_value(name, getattr(row, name))
        self.set_value("credit_limit", plain_yuan(row.credit_limit))
        self.details(self.tr("{code} {name}: balance {balance}, owed {owed}, may still "
                             "allocate {available}").format(
            code=row.code, name=row.name, balance=format_yuan(row.balance),
            owed=format_yuan(row.owed), available=format_yuan(row.available)))

    def submit(self) -> None:
        limit = self.money("credit_limit", allow_zero=True)
        if limit is None:
            return
        code = self.value("code")
        kept_address = self.shown.address if self.shown and self.shown.code == code else ""
        details = customers.CustomerDetails(
            code, self.value("name"), self.value("kind"), self.value("invoice_title"),
            self.value("tax_number"), self.value("contact"), self.value("phone"),
            address=kept_address)  # the form has no address field: the one kept stays
        self.call(self._saved, customers.save_with_credit, self.app.session, details,
                  credit_limit=limit, credit_rating=self.value("credit_rating"))

    def _saved(self, saved: customers.CustomerView) -> None:
        self.say(self.tr("Customer {code} saved.").format(code=saved.code))
        self.fill(saved)
        self.refresh_rows()

    def action_new(self) -> None:
        self.shown = None
        for name in ("code", "name", "invoice_title", "tax_number", "contact", "phone"):
            self.set_value(name, "")
        self.set_value("credit_limit", "0.00")
        self.set_value("credit_rating", "")
        self.details(self.tr("A new customer: an empty code takes the next free one."))
        self.query_one("#name").focus()

    def action_find(self) -> None:
        """The code or name typed (a part of either); nothing typed: every customer."""
        self.search = self.value("code") or self.value("name")
        self.refresh_rows()

    def chosen(self) -> customers.CustomerView | None:
        row = row_under_cursor(self.query_one(DataTable), self.rows) or self.shown
        if row is None:
            self.say(self.tr("Choose a customer in the table first."), error=True)
        return row

    def action_money(self) -> None:
        row = self.chosen()
        if row is not None:
            self.app.push_screen(registry.customer_money(row.code))

    def action_templates(self) -> None:
        row = self.chosen()
        if row is not None:
            self.app.push_screen(registry.template_list(row.code))

    def action_cards(self) -> None:
        row = self.chosen()
        if row is not None:
            self.app.push_screen(registry.customer_cards(row.code))

    def action_back(self) -> None:
        self.app.pop_screen()


class OneCustomersRows(FormScreen):
    """A table of one customer's rows (its cards, its templates), loaded with `rows_of`
    (session, code) and again whenever the screen comes back to the top; `show(rows)`
    fills the table."""

    TABLE = True
    TITLE_TEXT = ""  # a message id with {code}

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.rows: list = []

    def heading(self) -> str:
        return self.tr(self.TITLE_TEXT).format(code=self.code)

    def rows_of(self, session, code: str) -> list:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        self.call(self._loaded, self.rows_of, self.app.session, self.code)

    def _loaded(self, rows: list) -> None:
        self.rows = rows
        self.show(rows)

    def show(self, rows: list) -> None:
        raise NotImplementedError
