"""Refund a charge, in full or in part, with a supervisor's review at this terminal; or
take back a member's sale paid by another tender (its points come off the membership
card, the till gives the money back)."""

from __future__ import annotations

import uuid

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from kiosk.errors import N_
from kiosk.money import MoneyError, format_yuan, parse_yuan, plain_yuan
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen, key_hint
from kiosk.screens.form import MONEY
from kiosk.services import charge as charging
from kiosk.services import points
from kiosk.services.operations import mask_card_number


class RefundScreen(KioskScreen):
    BINDINGS = [key_hint("enter", N_("Refund")), Binding("escape", "back", N_("Back"))]

    def __init__(self, row) -> None:
        super().__init__()
        self.row = row
        self.key = f"refund-{uuid.uuid4().hex}"
        self.busy = False
        self.member_sale = row.kind == "member_sale"

    def compose(self) -> ComposeResult:
        left = self.row.amount - self.row.refunded
        yield from self.compose_status()
        with Vertical(id="form"):
            title = N_("Return of member sale") if self.member_sale else N_("Refund of charge")
            yield Static(f"{self.tr(title)} #{self.row.operation_id}  "
                         f"{self.row.card}  {format_yuan(self.row.amount)}", id="title")
            yield Static(f"{self.tr('Can still be refunded')}: {format_yuan(left)}")
            yield Label(self.tr("Refund amount"))
            yield Input(plain_yuan(left), id="amount", max_length=12, restrict=MONEY)
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.query_one("#amount").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.busy:
            return
        try:
            amount = parse_yuan(event.value)
        except MoneyError as error:
            self.refuse_field("#amount", error)
            return
        # Everything about the refund is checked before a supervisor is asked to sign.
        self.busy = True
        self.amount = amount
        self.call(self._ask_review, points.check_return if self.member_sale else
                  charging.check_refund, self.app.session, self.row.operation_id, amount)

    def _ask_review(self, parts=None) -> None:
        """The supervisor sees what goes back where: a split payment's other part is
        handed back from the drawer."""
        self.busy = False
        amount = self.amount
        question = self.tr("Supervisor review: refund {amount}").format(
            amount=format_yuan(amount))
        if parts is not None and parts.other:
            question += self.tr(": {card} to the card, {other} by {tender}").format(
                card=format_yuan(parts.on_card), other=format_yuan(parts.other),
                tender=parts.other_tender_name)
        self.app.push_screen(registry.review(None, question),
                             lambda review: self._refund(amount, review))

    def _refund(self, amount: int, review) -> None:
        if review is None:
            self.say(self.tr("Refund cancelled."))
            return
        self.busy = True
        self.say(self.tr("Refunding..."))
        self.call(self._refunded,
                  points.return_member_sale if self.member_sale else charging.refund,
                  self.app.session, original_operation_id=self.row.operation_id,
                  amount=amount, key=self.key, review=review)

    def _refunded(self, result) -> None:
        self.busy = False
        self.app.switch_screen(registry.result(
            "member_sale_return" if self.member_sale else "refund", result,
            note=self._credited_elsewhere(result)))
        self.app.print_queued()

    def _credited_elsewhere(self, result) -> str:
        """A card replaced since the charge: its money went to the card that replaced it."""
        credited = mask_card_number(getattr(result, "card_number", "") or "")
        if not credited or credited == self.row.card:
            return ""
        return self.tr("Credited to card {new}, which replaced card {old}.").format(
            new=credited, old=self.row.card)

    def failed(self, error) -> None:
        self.busy = False
        self.say_error(error)

    def action_back(self) -> None:
        if not self.busy:
            self.app.pop_screen()
