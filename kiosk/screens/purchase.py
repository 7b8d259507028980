"""The buyer and the bank accounts of a large prepaid card purchase, as the rules make
us record them (单用途商业预付卡管理办法: real names from ¥10,000; a company from
¥5,000 or a person from ¥50,000 pays by bank transfer, both accounts recorded). Opened
when a recharge or a batch list is refused for want of them; Enter moves on and, on
the last field (person or company), gives them back; Esc gives nothing."""

from __future__ import annotations

import uuid

from textual.binding import Binding
from textual.widgets import Static

from kiosk.errors import N_
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.form import DIGITS, Field, FormScreen
from kiosk.services.prepaid import Purchase, PurchaseDetailsNeeded

BUYER_CHOICES = (("person", N_("person")), ("company", N_("company")))


class PurchaseScreen(FormScreen):
    HEADING = N_("PREPAID CARD PURCHASE RECORD (单用途商业预付卡管理办法)")
    BINDINGS = [key_hint("enter", N_("Next/confirm")), Binding("escape", "back", N_("Back"))]

    def __init__(self, reason: str, buyer_kind: str = "person") -> None:
        super().__init__()
        self.reason, self.buyer_kind = reason, buyer_kind

    def fields(self) -> list[Field]:
        return [Field("buyer_name", N_("Buyer's name"), 100),
                Field("buyer_id_number", N_("Buyer's ID number"), 18, r"[0-9Xx]*"),
                Field("payer_account_name", N_("Payer account"), 100),
                Field("payer_account_no", N_("Payer account no."), 40, DIGITS),
                Field("payee_account_name", N_("Payee account"), 100),
                Field("payee_account_no", N_("Payee account no."), 40, DIGITS),
                # Last: Enter on it confirms (←/→ changes it).
                Field("buyer_kind", N_("Buyer"), choices=BUYER_CHOICES, value=self.buyer_kind)]

    def compose_top(self):
        yield Static(self.reason, id="summary")

    def submit(self) -> None:
        self.dismiss(Purchase(**{field.name: self.value(field.name)
                                 for field in self.fields()}))

    def action_back(self) -> None:
        self.dismiss(None)


class AsksForPurchase:
    """Mixin for a form whose sale the prepaid rules hold back until the buyer or the
    accounts are recorded (预付卡规定): the refusal is said, the record asked for, and
    the form submitted again with it (`self.purchase`) under a new key."""

    purchase = None

    def buyer_kind(self) -> str:
        return "person"

    def refused(self, error) -> None:
        super().refused(error)
        if isinstance(error, PurchaseDetailsNeeded):
            def recorded(purchase) -> None:
                if purchase is not None:
                    self.purchase = purchase
                    self.key = f"{type(self).__name__}-{uuid.uuid4().hex}"
                    self.submit()
            self.app.push_screen(registry.purchase(self.describe(error), self.buyer_kind()),
                                 recorded)
