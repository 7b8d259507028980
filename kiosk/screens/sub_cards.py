"""A main card's sub cards (card services, F8): the list with what each holds; an amount
allocated to the sub card under the cursor (预分配) or taken back; F5 issues sub cards
(several at once), F6 prints the list, F9 upgrades the sub card under the cursor to
the main card when the main card is lost (副卡升级, with review)."""

from __future__ import annotations

import uuid

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.card_actions import CardActionScreen
from kiosk.screens.form import Field, money_field, up_over_table
from kiosk.screens.paging import AmountForChosenRow, show_rows
from kiosk.services import card_status, sub_cards, transfers

DIRECTIONS = (("to_sub", N_("main card to sub card")), ("to_main", N_("sub card back to main")))


class SubCardsScreen(AmountForChosenRow, CardActionScreen):
    HEADING = N_("Sub cards")
    CHOOSE_FIRST = N_("Choose a sub card in the table first.")
    TABLE = True
    BINDINGS = [up_over_table(N_("Choose a sub card")),
                key_hint("enter", N_("Next/allocate")),
                Binding("f5", "issue", N_("Issue sub cards")),
                Binding("f6", "print_list", N_("Print the list")),
                Binding("f9", "upgrade", N_("Upgrade to main card")),
                Binding("escape", "back", N_("Back"))]
    FIELDS = [money_field("amount", N_("Amount")),
              Field("direction", N_("Direction"), choices=DIRECTIONS)]

    def on_mount(self) -> None:
        self.rows: list[sub_cards.SubCardRow] = []
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        self.call(self._loaded, sub_cards.sub_cards, self.app.session, self.card.number)

    def _loaded(self, rows: list[sub_cards.SubCardRow]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        show_rows(table, [self.tr("Sub card"), self.tr("Status"), self.tr("Principal"),
                          self.tr("Holder")],
                  [[row.number, self.tr(card_status.NAMES.get(row.status, row.status)),
                    format_yuan(row.principal), row.holder] for row in rows])
        if rows:
            table.focus()
        self.details(self.tr("{count} sub cards: choose one, then the amount.").format(
            count=len(rows)) if rows else self.tr("No sub card yet: F5 issues some."))

    def act(self, row: sub_cards.SubCardRow, amount: int) -> None:
        signed = amount if self.value("direction") == "to_sub" else -amount
        self.call(self._allocated, transfers.allocate, self.app.session,
                  main_number=self.card.number, sub_number=row.number, amount=signed,
                  key=self.key)  # a second Enter replays the allocation, never repeats it

    def _allocated(self, result: transfers.AllocationResult) -> None:
        self.key = f"{type(self).__name__}-{uuid.uuid4().hex}"  # the next allocation's
        self.say(self.tr("{amount} moved, sub card …{card}; journal #{number}.").format(
            amount=format_yuan(abs(result.amount)), card=result.sub[-4:],
            number=result.operation_id))
        self.set_value("amount", "")
        self.load()

    def action_issue(self) -> None:
        self.app.push_screen(registry.sub_card_issue(main_number=self.card.number))

    def action_print_list(self) -> None:
        self.call(self._printed, sub_cards.print_list, self.app.session,
                  self.app.devices.printer, self.card.number)

    def _printed(self, count: int) -> None:
        self.say(self.tr("The list of {count} sub cards is printing.").format(count=count))

    def action_upgrade(self) -> None:
        row = self.chosen()
        if row is None:
            return

        self.call_if_reviewed(self.tr(
            "Sub card …{sub} becomes the main card in place of lost main card {main}; its "
            "balances move across").format(sub=row.number[-4:], main=self.card.masked_number),
            self._upgraded, sub_cards.upgrade_sub_card, self.app.session, row.number,
            key=f"{self.key}-upgrade-{row.number}")

    def _upgraded(self, result: sub_cards.SubCardUpgrade) -> None:
        self.app.switch_screen(registry.outcome(self.tr("Sub card upgraded to main card"), [
            self.tr("Card {card} is the main card now; {count} sub cards follow it.").format(
                card=result.card_number, count=result.sub_cards),
            f"{self.tr('Principal')} {format_yuan(result.principal_after)}   "
            f"{self.tr('Bonus')} {format_yuan(result.bonus_after)}   "
            f"{self.tr('Points')} {result.points_after}",
            self.tr("The old main card is void for ever."),
            f"{self.tr('Journal no.')} #{result.operation_id}"], replayed=result.replayed))
        self.app.print_queued()
