"""Card limits (限制信息, card services F6) with copying between cards (对转): F7 takes
another card's limits onto this one, F8 gives this main card's saved limits to every sub
card it has in use."""

from __future__ import annotations

from kiosk.errors import N_
from kiosk.screens.card_actions import RestrictionsScreen
from kiosk.screens.form import DIGITS
from kiosk.services import card_care, card_details


class CardLimitsScreen(RestrictionsScreen):
    KEYS = [("Enter", N_("Next/confirm")), ("F7", N_("Copy from a card")),
            ("F8", N_("Copy to its sub cards")), ("Esc", N_("Back"))]
    BINDINGS = [("escape", "back", ""), ("f7", "copy_from", ""), ("f8", "copy_to_subs", "")]

    def action_copy_from(self) -> None:
        from kiosk.screens.ask import AskModal

        def answered(number) -> None:
            if number:
                self.call(self._copied, card_details.copy_restrictions, self.app.session,
                          number, [self.card.number])
        self.app.push_screen(AskModal(self.tr("Copy the limits of card (its number) onto "
                                              "{card}").format(card=self.card.masked_number),
                                      max_length=32, restrict=DIGITS), answered)

    def action_copy_to_subs(self) -> None:
        from kiosk.screens.ask import ConfirmModal

        def confirmed(yes) -> None:
            if yes:
                self.call(self._copied, card_details.copy_to_sub_cards, self.app.session,
                          self.card.number)
        self.app.push_screen(ConfirmModal(self.tr(
            "The limits saved on {card} onto every sub card it has in use?").format(
            card=self.card.masked_number)), confirmed)

    def _copied(self, count: int) -> None:
        self.say(self.tr("Limits copied to {count} cards.").format(count=count))
        self.call(self._restrictions_shown, card_care.restrictions_of, self.app.session,
                  self.card.number)
