"""The print queue: receipts are built inside the operation's transaction and wait in
the database until a printer takes them, so a dead printer never loses a receipt and
a reprint never doubles a charge."""

from __future__ import annotations

from kiosk.errors import N_
from kiosk.hw.receipt import ReceiptDoc, render_bytes, render_text
from kiosk.i18n import translator
from kiosk.money import format_yuan
from kiosk.services.operations import mask_card_number
from kiosk.services.session import Session
from kiosk.store import models
from kiosk.store.db import database

TITLES = {
    "charge": N_("CHARGE"),
    "refund": N_("REFUND"),
    "recharge": N_("RECHARGE"),
    "recharge_reversal": N_("RECHARGE REVERSAL"),
}


def _next_receipt_no(terminal_id: int) -> int:
    """Take the terminal's next number inside the operation's transaction (no gaps)."""
    models.Terminal.update(next_receipt_no=models.Terminal.next_receipt_no + 1).where(
        models.Terminal.id == terminal_id).execute()
    return models.Terminal.get_by_id(terminal_id).next_receipt_no - 1


def receipt_label(terminal_code: str, number: int) -> str:
    return f"{terminal_code}-{number:06d}"


def queue(session: Session, operation: models.Operation, card: models.Card, kind: str,
          data: dict, lines=()) -> int | None:
    """Build and queue the receipt of `operation`; returns its id (None off a terminal)."""
    terminal_id = session.actor.terminal_id
    if terminal_id is None:
        return None
    settings = session.runtime.settings
    number = _next_receipt_no(terminal_id)
    doc = _document(session, operation, card, kind, data, lines, number)
    receipt = models.Receipt.create(
        terminal=terminal_id, receipt_no=number, operation=operation.id,
        body=render_bytes(doc, settings.receipt_columns, settings.receipt_encoding),
        text=render_text(doc, settings.receipt_columns), created_at=session.now())
    return receipt.id


def _document(session, operation, card, kind, data, lines, number) -> ReceiptDoc:
    tr = translator(session.runtime.settings.language)
    terminal = models.Terminal.get_by_id(session.actor.terminal_id)
    outlet = models.Outlet.get_by_id(session.actor.outlet_id)
    operator = models.Operator.get_or_none(models.Operator.id == session.actor.operator_id)
    rows = [(tr("Card"), mask_card_number(card.number)),
            (tr("Amount"), format_yuan(data["amount"]))]
    for key, label in (("principal", N_("Principal")), ("bonus", N_("Bonus"))):
        if key in data:
            rows.append((tr(label), format_yuan(data[key])))
    for key, label in (("principal_after", N_("Principal balance")),
                       ("bonus_after", N_("Bonus balance"))):
        if key in data:
            rows.append((tr(label), format_yuan(data[key])))
    if data.get("points_after") is not None:
        rows.append((tr("Points"), str(data["points_after"])))
    if data.get("original_operation_id"):
        rows.append((tr("Reverses"), f"#{data['original_operation_id']}"))
    rows += [(tr("Journal no."), f"#{operation.id}"),
             (tr("Time"), session.now().strftime("%Y-%m-%d %H:%M:%S") + " UTC")]
    signature = card.product.signature_required and kind == "charge"
    return ReceiptDoc(
        header=(outlet.name, f"{tr('Terminal')} {terminal.code}  "
                             f"{tr('Operator')} {operator.login_id if operator else '-'}"),
        title=tr(TITLES.get(kind, kind)), rows=tuple(rows),
        items=tuple((line.name, format_yuan(line.amount)) for line in lines),
        receipt_no=receipt_label(terminal.code, number),
        signature_label=tr("Cardholder signature") if signature else "",
        footer=(tr("Thank you"),))


def pending(terminal_id: int) -> list[models.Receipt]:
    return list(models.Receipt.select().where(models.Receipt.terminal == terminal_id,
                                              models.Receipt.status == "queued")
                .order_by(models.Receipt.id))


def mark_printed(receipt_id: int, when) -> None:
    with database.atomic():
        models.Receipt.update(status="printed", printed_at=when, last_error="",
                              copies_printed=models.Receipt.copies_printed + 1).where(
            models.Receipt.id == receipt_id).execute()


def mark_failed(receipt_id: int, reason: str) -> None:
    models.Receipt.update(last_error=reason[:200]).where(models.Receipt.id == receipt_id).execute()
