"""The service fee (服务费: a card's fee at issue and at replacement) and its invoice: the
customer may decline the service-fee invoice (不开具服务费发票). The fee then goes to an
account of its own, so finance sees the fees invoiced and those not (未开票收入, which
the tax return reports apart) in the month's report, and a reversal takes the fee back
from where it went."""

from __future__ import annotations

from kiosk.errors import N_
from kiosk.services.accounts import till_account
from kiosk.services.session import Session
from kiosk.store import models

INVOICED, NOT_INVOICED = "fee_income", "fee_income_no_invoice"


def account_kind(invoice: bool) -> str:
    return INVOICED if invoice else NOT_INVOICED


def fee_account(session: Session, invoice: bool) -> models.Account:
    """This till's account the fee goes to, invoiced or not."""
    return till_account(session.actor.outlet_id, session.actor.terminal_id,
                        account_kind(invoice))


def invoice_text(data: dict, tr, title: str = "") -> str:
    """What a voucher says of the service-fee invoice of an operation's figures: issued
    (to the invoice title), declined, or nothing when no fee was charged."""
    if "invoice" not in data or not data.get("fee"):
        return ""
    if not data["invoice"]:
        return tr(N_("not issued (declined)"))
    return f"{tr(N_('issued'))} {title}".strip()
