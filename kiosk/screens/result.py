"""The outcome of a money operation: what moved, the balance after, the receipt."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens.base import KioskScreen

RETURN_AFTER_SECONDS = 20
# An Enter pressed twice to confirm must not also dismiss the result before it is read.
IGNORE_KEYS_SECONDS = 0.8
TITLES = {"charge": N_("Charged"), "refund": N_("Refunded")}
# A charge takes from the balances; a refund gives back to them.
SPLIT_LABELS = {"charge": (N_("From principal"), N_("From bonus")),
                "refund": (N_("Back to principal"), N_("Back to bonus"))}


class ResultScreen(KioskScreen):
    KEYS = [("Enter", N_("Next customer"))]
    BINDINGS = [("enter", "done", ""), ("escape", "done", "")]

    def __init__(self, kind: str, result, card=None) -> None:
        super().__init__()
        self.kind, self.result, self.card = kind, result, card

    def compose(self) -> ComposeResult:
        tr, r = self.tr, self.result
        lines = [f"{tr(TITLES[self.kind])} {format_yuan(r.amount)}"]
        if getattr(r, "reconnected", False):
            # The store's connection broke while this was posting (a failover): it was
            # settled by its key once the store answered again.
            lines.append(tr("(connection lost while posting: found posted, once)") if r.replayed
                         else tr("(connection lost while posting: it had not gone through; "
                                 "posted now, once)"))
        elif r.replayed:
            lines.append(tr("(already posted earlier: shown again, not charged twice)"))
        principal_label, bonus_label = SPLIT_LABELS[self.kind]
        lines.append(f"{tr(principal_label)} {format_yuan(r.principal)}   "
                     f"{tr(bonus_label)} {format_yuan(r.bonus)}")
        if self.kind == "charge":
            lines.append(f"{tr('Principal balance')} {format_yuan(r.principal_after)}   "
                         f"{tr('Bonus balance')} {format_yuan(r.bonus_after)}")
            lines.append(f"{tr('Points earned')} {r.points_earned}   {tr('Points')} "
                         f"{r.points_after}")
            if self.card is not None and self.card.signature_required:
                lines.append(tr("Insurance card: the customer signs the receipt."))
        if getattr(r, "channel_order_no", None):
            lines.append(f"{tr('Channel order')} {r.channel_order_no}")
        lines.append(f"{tr('Journal no.')} #{r.operation_id}")
        yield from self.compose_status()
        with Vertical(id="result"):
            for index, line in enumerate(lines):
                yield Static(line, classes="big" if index == 0 else "")
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.shown_at = time.monotonic()
        self.say(self.tr("Printing the receipt..."))
        self.set_timer(RETURN_AFTER_SECONDS, self._time_up)

    def on_receipts_printed(self, message) -> None:
        if message.outcome.problem is None:
            self.say(self.tr("Receipt printed."))
        else:
            super().on_receipts_printed(message)

    def action_done(self) -> None:
        if time.monotonic() - self.shown_at >= IGNORE_KEYS_SECONDS:
            self._time_up()

    def _time_up(self) -> None:
        if self.is_current:
            self.app.return_to_base()
