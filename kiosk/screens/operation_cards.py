"""The cards of one journal row (关联卡), opened with one key from the journal by card or
member: each card the operation named or moved money or points on, its holder, status
and balances now; a migration's old card too, whose record F5 opens."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.form import FormScreen
from kiosk.screens.paging import show_rows
from kiosk.services import card_status, journal, kinds


class OperationCardsScreen(FormScreen):
    TABLE = True
    BINDINGS = [Binding("f5", "old_card", N_("Old card's record")),
                Binding("escape", "back", N_("Back"))]

    def __init__(self, operation_id: int, mode: str) -> None:
        super().__init__()
        self.operation_id, self.mode = operation_id, mode
        self.found: journal.OperationCards | None = None

    def heading(self) -> str:
        return self.tr("Cards of journal no. {number}").format(number=self.operation_id)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.call(self._shown, journal.operation_cards, self.app.session, self.operation_id,
                  mode=self.mode)

    def _shown(self, found: journal.OperationCards) -> None:
        self.found = found
        show_rows(self.query_one(DataTable),
                  [self.tr(title) for title in ("Card", "Product", "Holder", "Status",
                                                "Principal", "Bonus", "Points")],
                  [[card.shown, card.product, card.holder,
                    self.tr(card_status.NAMES.get(card.status, card.status)),
                    format_yuan(card.principal), format_yuan(card.bonus), str(card.points)]
                   for card in found.cards])
        text = self.tr("{operation}: {count} cards.").format(
            operation=self.tr(kinds.label(found.kind)), count=len(found.cards))
        if found.old_card:
            text += " " + self.tr("Old card {number} was migrated onto it: F5 shows its "
                                  "record.").format(number=found.old_card)
        self.details(text)

    def action_old_card(self) -> None:
        if self.found is None or not self.found.old_card:
            self.say(self.tr("This operation moved no old card."), error=True)
            return
        self.app.push_screen(registry.migrated_card(self.found.old_card, self.mode))

    def action_back(self) -> None:
        self.app.pop_screen()
