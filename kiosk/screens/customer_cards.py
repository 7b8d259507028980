"""A customer's cards: its main cards and their sub cards, what each holds. F4 issues the
customer a main card (the issue screen, the customer's code filled in), F5 sub cards by
the customer's code."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.customers import OneCustomersRows
from kiosk.screens.paging import show_rows
from kiosk.services import card_status, customers


class CustomerCardsScreen(OneCustomersRows):
    BINDINGS = [Binding("f4", "issue_main", N_("Issue a main card")),
                Binding("f5", "issue_subs", N_("Issue sub cards")),
                Binding("escape", "back", N_("Back"))]

    TITLE_TEXT = N_("Cards of customer {code}")

    def rows_of(self, session, code: str) -> list[customers.CustomerCard]:
        return customers.cards_of(session, code)

    def show(self, rows: list[customers.CustomerCard]) -> None:
        show_rows(self.query_one(DataTable),
                  [self.tr("Card"), self.tr("Main card"), self.tr("Status"),
                   self.tr("Principal"), self.tr("Holder")],
                  [[row.number, self.tr("main card") if row.main else f"…{row.main_number[-4:]}",
                    self.tr(card_status.NAMES.get(row.status, row.status)),
                    format_yuan(row.principal), row.holder] for row in rows])
        mains = sum(row.main for row in rows)
        self.details(
            self.tr("{mains} main cards, {subs} sub cards").format(mains=mains,
                                                                   subs=len(rows) - mains))

    def action_issue_main(self) -> None:
        self.app.push_screen(registry.issue_card(customer_code=self.code))

    def action_issue_subs(self) -> None:
        """By the customer's code: its one main card is found (several: type which)."""
        self.app.push_screen(registry.sub_card_issue(customer_code=self.code))

    def action_back(self) -> None:
        self.app.pop_screen()
