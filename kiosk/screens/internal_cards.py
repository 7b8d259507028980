"""Internal cards (内部卡, finance): the outlet's internal cards with what each holds and
used since it was last settled. An amount and Enter loads the card under the cursor
from the chain's internal funds; F7 settles its use (booked once as internal expense),
F8 settles and gives what is left back to the internal funds."""

from __future__ import annotations

import uuid

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens.base import key_hint
from kiosk.screens.form import Field, FormScreen, money_field, up_over_table
from kiosk.screens.paging import AmountForChosenRow, show_rows
from kiosk.services import card_status, internal_cards
from kiosk.services.operations import mask_card_number


class InternalCardsScreen(AmountForChosenRow, FormScreen):
    HEADING = N_("INTERNAL CARDS")
    CHOOSE_FIRST = N_("Choose a card in the table first.")
    TABLE = True
    BINDINGS = [up_over_table(N_("Choose a card")),
                key_hint("enter", N_("Next/load")), Binding("f7", "settle(False)", N_("Settle")),
                Binding("f8", "settle(True)", N_("Settle, give back the rest")),
                Binding("escape", "back", N_("Back"))]
    FIELDS = [money_field("amount", N_("Load amount")), Field("memo", N_("For"), 100)]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[internal_cards.InternalCardRow] = []
        self.key = f"internal-load-{uuid.uuid4().hex}"

    def on_mount(self) -> None:
        self.details(self.tr("Internal cards are the chain's own money: issue one as any "
                             "card (a product of kind internal)."))
        self.load()

    def load(self) -> None:
        self.call(self._loaded, internal_cards.internal_cards, self.app.session)

    def _loaded(self, rows: list[internal_cards.InternalCardRow]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        show_rows(table, [self.tr("Card"), self.tr("Holder"), self.tr("Status"),
                          self.tr("Balance"), self.tr("Not settled"),
                          self.tr("Settled up to")],
                  [[row.number, row.holder or "-",
                    self.tr(card_status.NAMES.get(row.status, row.status)),
                    format_yuan(row.principal), format_yuan(row.unsettled),
                    row.last_settled or "-"] for row in rows])
        if rows:
            table.focus()

    def act(self, row: internal_cards.InternalCardRow, amount: int) -> None:
        self.call(self._loaded_card, internal_cards.load, self.app.session,
                  card_number=row.number, amount=amount, memo=self.value("memo"),
                  key=self.key)  # a second Enter replays the load, never repeats it

    def _loaded_card(self, result: internal_cards.InternalLoad) -> None:
        self.key = f"internal-load-{uuid.uuid4().hex}"  # the next load's
        self.say(self.tr("Loaded {amount} onto {card}: it holds {balance}; journal "
                         "#{number}.").format(amount=format_yuan(result.amount),
                                              card=mask_card_number(result.card_number),
                                              balance=format_yuan(result.principal_after),
                                              number=result.operation_id))
        self.set_value("amount", "")
        self.load()
        self.app.print_queued()

    def action_settle(self, give_back: bool) -> None:
        row = self.chosen()
        if row is None:
            return
        question = (N_("Settle {card}: {used} used since it was last settled, and give its "
                       "{balance} back to the internal funds?") if give_back else
                    N_("Settle {card}: {used} used since it was last settled?"))
        self.call_if_confirmed(self.tr(question).format(
            card=mask_card_number(row.number), used=format_yuan(row.unsettled),
            balance=format_yuan(row.principal)),
            self._settled, internal_cards.settle, self.app.session, card_number=row.number,
            return_balance=give_back, key=f"internal-settle-{uuid.uuid4().hex}")

    def _settled(self, result: internal_cards.InternalSettled) -> None:
        self.say(self.tr("{card} settled up to {day}: {used} used, {returned} given back; "
                         "journal #{number}.").format(
            card=mask_card_number(result.card_number), day=result.through_date,
            used=format_yuan(result.used), returned=format_yuan(result.returned),
            number=result.operation_id))
        self.load()
        self.app.print_queued()

    def action_back(self) -> None:
        self.app.pop_screen()
