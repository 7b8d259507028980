"""The print queue: a receipt's content is fixed inside the operation's transaction and
waits in the database until a printer takes it, so a dead printer never loses a receipt
and a reprint never doubles a charge. What is stored is the document (every value the
receipt shows); it is laid out for the terminal's printer when printed."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from kiosk.errors import DeviceError, KioskError, N_, NotFound, PermissionDenied, Phrase
from kiosk.hw.printer import Printer, PrintJob
from kiosk.hw.receipt import ReceiptDoc, render
from kiosk.services import (audit, directory, kinds, permissions, service_fees, tenders,
                            vouchers)
from kiosk.i18n import translator
from kiosk.money import printed_yuan
from kiosk.services.business_date import local_time
from kiosk.services.operations import mask_card_number
from kiosk.services.session import Session
from kiosk.store import models
from kiosk.store import receipts as receipt_store
from kiosk.store.db import database

@dataclass(frozen=True)
class Item:
    """A line of a receipt's list (a sale's item, a card of a batch): name and amount."""

    name: str
    amount: int


def receipt_label(terminal_code: str, number: int) -> str:
    return f"{terminal_code}-{number:06d}"


# The receipt's number, as its document holds it: the number is the row's own
# (receipt_no, taken as the row is written), put in when the receipt is laid out.
ITS_NUMBER = "{receipt_no}"


def queue(session: Session, operation: models.Operation, card: models.Card | None, kind: str,
          data: dict, lines=()) -> int | None:
    """Build and queue the receipt of `operation` (of a card, or of a customer's account:
    `card` None); returns its id (None off a terminal)."""
    terminal_id = session.actor.terminal_id
    if terminal_id is None:
        return None
    doc = _document(session, operation, card, kind, data, lines)
    # vars(), not asdict(): the fields are already plain tuples and strings.
    receipt_id, _ = receipt_store.insert_numbered(receipt_store.new_receipt(
        terminal=terminal_id, outlet=session.actor.outlet_id, operation=operation.id,
        created_at=session.now(), document=json.dumps(vars(doc), ensure_ascii=False)))
    return receipt_id


def _print_job(session: Session, name: str, doc: ReceiptDoc) -> PrintJob:
    """`doc` laid out as this terminal's printer prints: its bytes and its text."""
    settings = session.runtime.settings
    body, text = render(doc, settings.receipt_columns, settings.receipt_encoding)
    return PrintJob(name=name, data=body, text=text)


def _document(session, operation, card, kind, data, lines) -> ReceiptDoc:
    tr = translator(session.runtime.settings.language)
    info = directory.actor_info(session.actor)
    if kind in vouchers.TEMPLATED_RECEIPTS or kind == "application_form":
        return _voucher(session, info, kind, card, data,
                        {"receipt_no": ITS_NUMBER, "journal_no": f"#{operation.id}"})
    rows = [(tr("Card"), mask_card_number(card.number))] if card is not None else []
    if data.get("customer"):
        rows.append((tr("Customer"), data["customer"]))
    if kind != "points_redemption":
        rows.append((tr("Amount"), printed_yuan(data["amount"])))
    if data.get("tender"):
        rows.append((tr("Paid by"), tenders.name_of(data["tender"])))
    if data.get("other_amount"):  # a split payment: the card's part and the other tender's
        rows.append((tr("By card"), printed_yuan(data["amount"] - data["other_amount"])))
        rows.append((tenders.name_of(data["other_tender"]), printed_yuan(data["other_amount"])))
    for key, label in (("fee", N_("Card fee")), ("deposit", N_("Deposit"))):
        if data.get(key):
            rows.append((tr(label), printed_yuan(data[key])))
    for key, label in (("principal", N_("Principal")), ("bonus", N_("Bonus"))):
        if key in data:
            rows.append((tr(label), printed_yuan(data[key])))
    if data.get("promotion"):
        rows.append((tr("Promotion"), data["promotion"]))
    if data.get("insurer_reference"):  # deducted (or given back) online by the insurer
        by_insurer = (N_("Given back online by the insurer") if kind == "refund"
                      else N_("Deducted online by the insurer"))
        rows.append((tr(by_insurer), data["insurer_reference"]))
        rows.append((tr("Balance at the insurer"), printed_yuan(data["principal_after"])))
    else:
        for key, label in (("principal_after", N_("Principal balance")),
                           ("bonus_after", N_("Bonus balance"))):
            if key in data:
                rows.append((tr(label), printed_yuan(data[key])))
    if "used" in data:  # an internal card's settlement
        rows.append((tr("Used since last settled"), printed_yuan(data["used"])))
        rows.append((tr("Given back"), printed_yuan(data["returned"])))
    if "account_after" in data:  # a customer's account: below zero is owed
        rows.append((tr("Account balance"), printed_yuan(data["account_after"])))
    if data.get("invoice_title"):
        rows.append((tr("Invoice title"), data["invoice_title"]))
    if service_fees.invoice_text(data, tr):
        rows.append((tr("Service-fee invoice"), service_fees.invoice_text(data, tr)))
    if data.get("points_card_number"):
        rows.append((tr("Member card"), mask_card_number(data["points_card_number"])))
    if data.get("points_earned") and (kind == "member_sale" or data.get("points_card_number")):
        rows.append((tr("Points earned"), str(data["points_earned"])))
    if kind == "member_sale_return":
        rows.append((tr("Points taken back"), str(data["points"])))
    if kind == "points_redemption":
        rows.append((tr("Points redeemed"), str(data["points"])))
        if data.get("memo"):
            rows.append((tr("For"), data["memo"]))
    if data.get("points_after") is not None:
        rows.append((tr("Points"), str(data["points_after"])))
    if data.get("original_operation_id"):
        rows.append((tr("Reverses"), f"#{data['original_operation_id']}"))
    if data.get("cheque_no"):  # a cheque received: credited when it clears
        rows.append((tr("Cheque no."), f"{data['cheque_no']} {data.get('bank', '')}".strip()))
    if data.get("channel_order_no"):
        rows.append((tr("Channel order"), data["channel_order_no"]))
    if data.get("authorised_by"):
        rows.append((tr("Authorised by"), data["authorised_by"]))
    rows += [(tr("Receipt no."), ITS_NUMBER),
             (tr("Journal no."), f"#{operation.id}"),
             (tr("Time"), local_time(session.now(), info.time_zone).strftime("%Y-%m-%d %H:%M"))]
    signature = card is not None and card.product.signature_required and kind == "charge"
    return ReceiptDoc(
        header=(info.outlet_name, f"{tr('Terminal')} {info.terminal_code}  "
                                  f"{tr('Operator')} {info.operator_login}"),
        title=tr(kinds.kind(kind).receipt_title or kind), rows=tuple(rows),
        items=tuple((line.name, printed_yuan(line.amount)) for line in lines),
        receipt_no=ITS_NUMBER,
        signature_label=tr("Cardholder signature") if signature else "",
        footer=(tr("Thank you"),))


def _voucher(session, info, kind: str, card, data: dict, numbers: dict, title: str = ""
             ) -> ReceiptDoc:
    """A voucher laid out by the chain's template of `kind` (services/vouchers.py)."""
    tr = translator(session.runtime.settings.language)
    values = {**vouchers.values_of(card, data, tr), **numbers, "outlet": info.outlet_name,
              "terminal": info.terminal_code, "operator": info.operator_login,
              "time": local_time(session.now(), info.time_zone).strftime("%Y-%m-%d %H:%M")}
    title, blocks = vouchers.laid_out(kind, values, tr, title)
    return ReceiptDoc(
        header=(info.outlet_name, f"{tr('Terminal')} {info.terminal_code}  "
                                  f"{tr('Operator')} {info.operator_login}"),
        title=title, rows=(), receipt_no=numbers.get("receipt_no", ""), blocks=blocks)


def print_voucher(session: Session, printer: Printer | None, kind: str, card, data: dict, *,
                  name: str, title: str = "") -> None:
    """A voucher printed at once, not queued (a loss slip: no money moved; printing it
    again is always safe)."""
    if printer is None:
        raise DeviceError(N_("No receipt printer is configured."))
    info = directory.actor_info(session.actor)
    doc = _voucher(session, info, kind, card, data, {"receipt_no": name}, title)
    printer.print_job(_print_job(session, name, doc))
    with audit.transaction(session):
        audit.append(session, "report.print", subject=name)


def pending(terminal_id: int) -> list[models.Receipt]:
    return receipt_store.queued(terminal_id)


@dataclass(frozen=True)
class QueuedReceipt:
    receipt_id: int
    label: str
    operation_id: int
    created: str
    last_error: KioskError | None  # why the printer refused it last, to be shown


@dataclass(frozen=True)
class PrintOutcome:
    printed: int
    problem: KioskError | None = None  # the printer's refusal; the rest still wait


def queue_listing(session: Session) -> list[QueuedReceipt]:
    permissions.require(session, permissions.QUERY)
    time_zone = directory.actor_info(session.actor).time_zone
    return [QueuedReceipt(r.id, receipt_label(r.terminal.code, r.receipt_no), r.operation_id,
                          local_time(r.created_at, time_zone).strftime("%H:%M:%S"),
                          _stored_error(r.last_error))
            for r in pending(session.actor.terminal_id)]


def _job(session: Session, receipt: models.Receipt) -> PrintJob:
    label = receipt_label(receipt.terminal.code, receipt.receipt_no)
    if receipt.body:  # queued by a version that stored the printer's bytes
        return PrintJob(name=label, data=bytes(receipt.body), text=receipt.text)
    return _print_job(session, label, stored_document(receipt))


def stored_document(receipt: models.Receipt) -> ReceiptDoc:
    fields = json.loads(receipt.document)
    doc = ReceiptDoc(**{key: _tuples(value) for key, value in fields.items()})
    if doc.receipt_no != ITS_NUMBER:  # queued by a version that wrote the number in
        return doc
    label = receipt_label(receipt.terminal.code, receipt.receipt_no)
    return replace(doc, receipt_no=label, rows=tuple(
        (name, label if value == ITS_NUMBER else value) for name, value in doc.rows),
        blocks=tuple(tuple(part.replace(ITS_NUMBER, label) for part in block)
                     for block in doc.blocks))


def print_pending(session: Session, printer: Printer | None) -> PrintOutcome:
    """Send every queued receipt of this terminal, oldest first; stop at the first
    failure (the rest wait in the print queue)."""
    if printer is None:
        return PrintOutcome(0, DeviceError(N_("No receipt printer is configured; receipts "
                                              "wait in the print queue.")))
    printed = 0
    for receipt in pending(session.actor.terminal_id):
        try:
            printer.print_job(_job(session, receipt))
        except DeviceError as error:
            mark_failed(receipt.id, error)
            return PrintOutcome(printed, error)
        mark_printed(receipt.id, session.now())
        printed += 1
    return PrintOutcome(printed)


def _receipt(session: Session, receipt_id: int, *, own_terminal: bool) -> models.Receipt:
    """A receipt of this outlet (a copy may be printed at any of its tills); with
    `own_terminal`, of this terminal, unless the operator closes days (a supervisor)."""
    receipt = receipt_store.by_id(receipt_id)
    if receipt is None or receipt_store.outlet_of(receipt) != session.actor.outlet_id:
        raise NotFound(N_("No such receipt."))
    if own_terminal and receipt.terminal_id != session.actor.terminal_id and \
            not permissions.has_permission(session.actor.operator_id, permissions.DAY_CLOSE):
        raise PermissionDenied(N_("This receipt waits at another terminal; cancel it there."))
    return receipt


def cancel(session: Session, receipt_id: int) -> None:
    """A person gives up on a queued receipt (the transaction itself stands)."""
    permissions.require(session, permissions.QUERY)
    _receipt(session, receipt_id, own_terminal=True)
    with audit.transaction(session):
        receipt_store.cancel_queued(receipt_id)
        audit.append(session, "receipt.cancel", subject=f"receipt:{receipt_id}")


def reprint(session: Session, receipt_id: int, printer: Printer | None) -> None:
    """Print a copy marked 重打印 / COPY; the copy is recorded in the audit chain."""
    permissions.require(session, permissions.QUERY)
    receipt = _receipt(session, receipt_id, own_terminal=False)
    if printer is None:
        raise DeviceError(N_("No receipt printer is configured."))
    doc = replace(stored_document(receipt), copy_label="重打印 / COPY")
    printer.print_job(_print_job(
        session, f"{receipt_label(receipt.terminal.code, receipt.receipt_no)}-copy"
                 f"{receipt.copies_printed}", doc))
    with audit.transaction(session):
        receipt_store.count_copy(receipt_id)
        audit.append(session, "receipt.reprint", subject=f"receipt:{receipt_id}")


def _tuples(value):
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


def mark_printed(receipt_id: int, when) -> None:
    with database.atomic():
        receipt_store.mark_printed(receipt_id, when)


def mark_failed(receipt_id: int, error: KioskError) -> None:
    """The message id and its values (those that are message ids too, named), so the
    queue shows it in the screen's language."""
    params = {name: str(value)[:80] for name, value in error.params.items()}
    phrases = [name for name, value in error.params.items() if isinstance(value, Phrase)]
    text = json.dumps({"id": error.message_id, "params": params, "phrases": phrases},
                      ensure_ascii=False)
    if len(text) > 200:
        text = json.dumps({"id": error.message_id, "params": {}}, ensure_ascii=False)[:200]
    receipt_store.mark_failed(receipt_id, text)


def _stored_error(text: str) -> KioskError | None:
    if not text:
        return None
    try:
        stored = json.loads(text)
        phrases = set(stored.get("phrases", ()))
        return DeviceError(stored["id"], **{
            name: Phrase(value) if name in phrases else value
            for name, value in stored["params"].items()})
    except (ValueError, KeyError, TypeError, AttributeError):  # an older version's text
        return DeviceError(text)


def print_report(session: Session, printer: Printer | None, title: str,
                 rows: list[tuple[str, str]], *, name: str, footer: tuple[str, ...] = ()
                 ) -> None:
    """A printed list (shift report, the monthly transfer list): not a receipt of one
    operation, so it is not queued; printing it again is always safe."""
    if printer is None:
        raise DeviceError(N_("No receipt printer is configured."))
    info = directory.actor_info(session.actor)
    tr = translator(session.runtime.settings.language)
    printed_at = local_time(session.now(), info.time_zone).strftime("%Y-%m-%d %H:%M")
    doc = ReceiptDoc(header=(info.outlet_name, f"{tr('Terminal')} {info.terminal_code}  "
                                               f"{tr('Operator')} {info.operator_login}"),
                     title=title, rows=tuple(rows) + ((tr("Time"), printed_at),),
                     receipt_no=name, footer=footer)
    printer.print_job(_print_job(session, name, doc))
    with audit.transaction(session):
        audit.append(session, "report.print", subject=name)
