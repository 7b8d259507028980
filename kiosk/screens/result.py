"""The outcome of a money operation: what moved, the balance after, the receipt."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens.base import KioskScreen
from kiosk.services.operations import mask_card_number

RETURN_AFTER_SECONDS = 20
# An Enter pressed twice to confirm must not also dismiss the result before it is read.
IGNORE_KEYS_SECONDS = 0.8
TITLES = {"charge": N_("Charged"), "refund": N_("Refunded"),
          "member_sale": N_("Sale recorded for the member"),
          "points_redemption": N_("Points redeemed"),
          "member_sale_return": N_("Sale returned")}
# A charge takes from the balances; a refund gives back to them.
SPLIT_LABELS = {"charge": (N_("From principal"), N_("From bonus")),
                "refund": (N_("Back to principal"), N_("Back to bonus"))}


class ResultScreen(KioskScreen):
    BINDINGS = [Binding("enter", "done", N_("Next customer")), ("escape", "done", "")]

    def __init__(self, kind: str, result, card=None, *, note: str = "") -> None:
        super().__init__()
        self.kind, self.result, self.card = kind, result, card
        self.note = note  # what it was for (a store POS's order)

    def compose(self) -> ComposeResult:
        tr, r = self.tr, self.result
        lines = [f"{tr(TITLES[self.kind])} " + (
            str(r.points) if self.kind == "points_redemption" else format_yuan(r.amount))]
        if getattr(r, "reconnected", False):
            # The store's connection broke while this was posting (a failover): it was
            # settled by its key once the store answered again.
            lines.append(tr("(connection lost while posting: found posted, once)") if r.replayed
                         else tr("(connection lost while posting: it had not gone through; "
                                 "posted now, once)"))
        elif r.replayed:
            lines.append(tr("(already posted earlier: shown again, not charged twice)"))
        if getattr(r, "other_amount", 0):  # a split payment: the card's part, the other's
            lines.append(f"{tr('By card')} {format_yuan(r.on_card)}   "
                         f"{r.other_tender_name or r.other_tender} {format_yuan(r.other_amount)}")
            if self.kind == "refund":
                lines.append(tr("Give the customer {amount} back by {tender}.").format(
                    amount=format_yuan(r.other_amount),
                    tender=r.other_tender_name or r.other_tender))
        if self.kind in SPLIT_LABELS:
            principal_label, bonus_label = SPLIT_LABELS[self.kind]
            lines.append(f"{tr(principal_label)} {format_yuan(r.principal)}   "
                         f"{tr(bonus_label)} {format_yuan(r.bonus)}")
        if self.kind == "refund" and r.points:  # the points the refunded part had earned
            lines.append(tr("Points taken back {points} from the membership card {card}")
                         .format(points=r.points, card=mask_card_number(r.points_card_number))
                         if r.points_card_number else
                         f"{tr('Points taken back')} {r.points}")
        if self.kind == "member_sale":
            lines.append(f"{tr('Tender')} {r.tender_name or r.tender}   {tr('Points earned')} "
                         f"{r.points_earned}   {tr('Points')} {r.points_after}")
        if self.kind == "member_sale_return":
            lines.append(f"{tr('Points taken back')} {r.points}   {tr('Points balance')} "
                         f"{r.points_after}")
            lines.append(tr("Give the money back by the sale's tender."))
        if self.kind == "points_redemption":
            lines.append(f"{tr('Points balance')} {r.points_after}"
                         + (f"   {tr('For')} {r.memo}" if r.memo else ""))
        if self.kind == "charge" and getattr(r, "insurer_reference", ""):
            # The insurer that keeps the balance deducted it online and confirmed.
            lines.append(tr("Deducted online by the insurer, no. {reference}; balance at "
                            "the insurer {balance}").format(
                reference=r.insurer_reference, balance=format_yuan(r.principal_after)))
        elif self.kind == "charge":
            lines.append(f"{tr('Principal balance')} {format_yuan(r.principal_after)}   "
                         f"{tr('Bonus balance')} {format_yuan(r.bonus_after)}")
            lines.append(f"{tr('Points earned')} {r.points_earned}   {tr('Points')} "
                         f"{r.points_after}")
            if getattr(r, "points_card_number", ""):
                lines.append(tr("Points earned on the membership card"))
            if self.card is not None and self.card.signature_required:
                lines.append(tr("Insurance card: the customer signs the receipt."))
        if getattr(r, "tier_offer", ""):  # right after the sale that crossed the threshold
            lines.append(tr("Tier upgrade due: {tier} (member centre, F4 replace: upgrade)")
                         .format(tier=r.tier_offer))
        if getattr(r, "membership_offer", 0):
            lines.append(tr("This customer qualifies for membership (a sale of {amount} or "
                            "more): offer a membership card.").format(
                amount=format_yuan(r.membership_offer)))
        if getattr(r, "channel_order_no", None):
            lines.append(f"{tr('Channel order')} {r.channel_order_no}")
        if self.note:
            lines.append(self.note)
        lines.append(f"{tr('Journal no.')} #{r.operation_id}")
        yield from self.compose_status()
        with Vertical(id="result"):
            for index, line in enumerate(lines):
                yield Static(line, classes="big" if index == 0 else "")
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.shown_at = self.app.monotonic()
        self.say(self.tr("Printing the receipt..."))
        self.set_timer(RETURN_AFTER_SECONDS, self._time_up)

    def on_receipts_printed(self, message) -> None:
        if message.outcome.problem is None:
            self.say(self.tr("Receipt printed."))
        else:
            super().on_receipts_printed(message)

    def action_done(self) -> None:
        if self.app.monotonic() - self.shown_at >= IGNORE_KEYS_SECONDS:
            self._time_up()

    def _time_up(self) -> None:
        if self.is_current:
            self.app.return_to_base()
