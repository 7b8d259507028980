"""A card's details (卡资料修改, card services F9 on a named card): a new holder (the
member's phone, Enter; F4 searches), the vehicle's plate, a remark; Enter saves with a
second operator's review. The changes made before are listed below."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.screens.base import key_hint
from kiosk.screens.card_actions import CardActionScreen
from kiosk.screens.form import Field
from kiosk.screens.member_search import PicksMember
from kiosk.screens.paging import show_rows
from kiosk.services import card_details


class CardDetailsScreen(PicksMember, CardActionScreen):
    HEADING = N_("Card details")
    TABLE = True
    BINDINGS = [key_hint("enter", N_("Next/save, with review")),
                Binding("f4", "find_member", N_("Find member")),
                Binding("escape", "back", N_("Back"))]
    FIELDS = [Field("phone", N_("New holder's phone"), 20, r"[0-9+\- ]*"),
              Field("plate_number", N_("Plate number"), 12),
              Field("remark", N_("Remark"), card_details.MAX_REMARK)]

    def on_mount(self) -> None:
        self.call(self._shown, card_details.details_of, self.app.session, self.card.number)

    def _shown(self, view: card_details.CardDetailsView) -> None:
        self.set_value("plate_number", view.plate_number)
        self.set_value("remark", view.remark)
        self.details(self.tr("Holder: {holder}. A new holder: their phone and Enter (F4 "
                             "finds them); empty keeps this one.").format(
            holder=view.holder or self.tr("anonymous")))
        show_rows(self.query_one(DataTable),
                  [self.tr("Time"), self.tr("Changed"), self.tr("Old value"), self.tr("New value"),
                   self.tr("By"), self.tr("Reviewer")],
                  [[row.at, self.tr(row.field), row.old, row.new, row.by, row.reviewer]
                   for row in view.history])

    def member_chosen(self) -> None:
        self.details(self.tr("New holder: {name}").format(name=self.member[1]))
        self.query_one("#plate_number").focus()

    def submit(self) -> None:
        if self.value("phone") and self.member is None:
            self.say(self.tr("Press Enter on the phone to find the member, or clear it to "
                             "keep the holder."), error=True)
            return
        details = card_details.CardDetails(self.member[0] if self.member else None,
                                           self.value("plate_number"), self.value("remark"))
        self.call(self.finish, card_details.change_details, self.app.session,
                  self.card.number, details, review=self.review)

    def outcome(self, result: card_details.CardDetailsView) -> list[str]:
        return [f"{self.tr('Holder')} {result.holder or '-'}   "
                f"{self.tr('Plate number')} {result.plate_number or '-'}",
                f"{self.tr('Remark')} {result.remark or '-'}",
                self.tr("Saved, with review: the change is kept with both names.")]
