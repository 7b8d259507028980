"""Insurance card to stored value (保险卡转储值卡): an amount already charged on a
member's insurance card is, on finance's approval, credited to the member's stored-
value card instead of goods. The outlet files the request; finance approves or
rejects; the monthly list of approved ones carries the endorsement text
"XX卡转储值卡XX元" that the insurer's statement needs."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import InvalidInput, N_, NotFound
from kiosk.i18n import translator
from kiosk.money import plain_yuan
from kiosk.services import audit, cards, directory, permissions, receipts
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.business_date import month_bounds, utc_bounds
from kiosk.services.charge import refunded_so_far
from kiosk.services.operations import Posting, perform
from kiosk.services.session import Session
from kiosk.store import models
from kiosk.store.db import database

STATUS_NAMES = {"pending": N_("pending"), "approved": N_("approved"),
                "rejected": N_("rejected")}


@dataclass(frozen=True)
class TransferRow:
    request_id: int
    charge_operation_id: int
    insurance_card: str
    target_card: str
    amount: int
    status: str
    endorsement: str
    requested_by: str
    decided_by: str


def endorsement(product_name: str, amount: int) -> str:
    """泰康卡 + 10000 fen -> 泰康卡转储值卡100.00元."""
    return f"{product_name}转储值卡{plain_yuan(amount)}元"


def file_request(session: Session, *, charge_operation_id: int, target_card_number: str
                 ) -> int:
    """The outlet asks for the charge's amount (less any refund) to become stored value
    on the same member's stored-value card. One request per charge."""
    permissions.require(session, permissions.RECHARGE)
    charge = models.Operation.get_or_none(models.Operation.id == charge_operation_id)
    if charge is None or charge.kind != "charge" or charge.card.product.kind != "insurance":
        raise InvalidInput(N_("Only a charge on an insurance card can be transferred."))
    if charge.outlet_id != session.actor.outlet_id:
        raise InvalidInput(N_("The charge was made at another outlet."))
    target = cards.get_card(target_card_number)
    if target.product.kind != "stored_value" or target.status != "active":
        raise InvalidInput(N_("The target must be an active stored-value card."))
    if target.member_id is None or target.member_id != charge.card.member_id:
        raise InvalidInput(N_("Both cards must belong to the same member."))
    amount = charge.amount - refunded_so_far(charge)["amount"]
    if amount <= 0:
        raise InvalidInput(N_("Nothing is left of this charge to transfer."))
    with database.atomic():
        existing = models.InsuranceTransfer.get_or_none(
            models.InsuranceTransfer.charge == charge.id)
        if existing is not None:
            if existing.target_card_id == target.id:
                return existing.id  # the same request again: idempotent
            raise InvalidInput(N_("A transfer was already requested for this charge."))
        request = models.InsuranceTransfer.create(
            outlet=session.actor.outlet_id, charge=charge.id, insurance_card=charge.card_id,
            target_card=target.id, amount=amount, requested_by=session.actor.operator_id,
            requested_at=session.now())
        audit.append(session, "insurance_transfer.request", subject=f"card:{target.number}",
                     details={"request": request.id, "charge": charge.id, "amount": amount})
    return request.id


def decide(session: Session, request_id: int, *, approve: bool, reason: str = "") -> dict:
    """Finance's decision. Approval credits the stored-value card's principal in one
    operation (keyed by the request, so deciding twice posts once)."""
    permissions.require(session, permissions.FINANCE)
    request = models.InsuranceTransfer.get_or_none(models.InsuranceTransfer.id == request_id)
    if request is None:
        raise NotFound(N_("No transfer request #{number}."), number=request_id)
    if len(reason) > 200:
        raise InvalidInput(N_("A reason has at most {most} characters."), most=200)
    if not approve:
        with database.atomic():
            if models.InsuranceTransfer.update(
                    status="rejected", decided_by=session.actor.operator_id,
                    decided_at=session.now(), reason=reason).where(
                    models.InsuranceTransfer.id == request.id,
                    models.InsuranceTransfer.status == "pending").execute() != 1:
                raise InvalidInput(N_("This request was already decided."))
            audit.append(session, "insurance_transfer.reject", subject=f"request:{request.id}")
        return {"status": "rejected"}
    target = request.target_card

    def run(posting: Posting) -> dict:
        if models.InsuranceTransfer.update(
                status="approved", decided_by=session.actor.operator_id,
                decided_at=session.now(), credit=posting.operation.id, reason=reason).where(
                models.InsuranceTransfer.id == request.id,
                models.InsuranceTransfer.status == "pending").execute() != 1:
            raise InvalidInput(N_("This request was already decided."))
        principal = card_accounts(target, lock=True)["principal"]
        posting.move(till_account(request.outlet_id, None, "outlet_sales"), principal,
                     request.amount)
        data = {"card_number": target.number, "amount": request.amount,
                "principal_after": principal.balance + request.amount,
                "endorsement": endorsement(request.insurance_card.product.name, request.amount)}
        data["receipt_id"] = receipts.queue(session, posting.operation, target,
                                            "insurance_transfer", data)
        return data

    outcome = perform(session, kind="insurance_transfer", key=f"insurance-transfer-{request.id}",
                      request={"request": request.id}, permission=permissions.FINANCE, run=run,
                      card=target, amount=request.amount, memo=f"request {request.id}")
    return {"status": "approved", "operation_id": outcome.operation_id, **outcome.data}


def listing(session: Session, *, status: str = "", month: str = "") -> list[TransferRow]:
    """Requests by status; with `month` (YYYY-MM), the ones decided in that month of the
    outlet's business calendar: the monthly list that is printed and endorsed."""
    permissions.require(session, permissions.QUERY)
    T = models.InsuranceTransfer
    query = T.select().where(T.outlet == session.actor.outlet_id).order_by(T.id)
    if status:
        query = query.where(T.status == status)
    if month:
        first, after = month_bounds(month)
        info = directory.actor_info(session.actor)
        start, _ = utc_bounds(first, info.time_zone, info.day_boundary)
        end, _ = utc_bounds(after, info.time_zone, info.day_boundary)
        query = query.where(T.decided_at >= start, T.decided_at < end)
    return [_row(request) for request in query]


def _row(request: models.InsuranceTransfer) -> TransferRow:
    return TransferRow(
        request.id, request.charge_id, request.insurance_card.number,
        request.target_card.number, request.amount, request.status,
        endorsement(request.insurance_card.product.name, request.amount),
        request.requested_by.login_id if request.requested_by_id else "",
        request.decided_by.login_id if request.decided_by_id else "")


def print_monthly_list(session: Session, printer, month: str) -> int:
    """The month's approved transfers, each with its endorsement text, on the printer."""
    rows = [row for row in listing(session, month=month) if row.status == "approved"]
    tr = translator(session.runtime.settings.language)
    lines = [(f"#{row.request_id} …{row.target_card[-4:]}", row.endorsement) for row in rows]
    lines.append((tr("Total"), plain_yuan(sum(row.amount for row in rows))))
    receipts.print_report(session, printer, tr("INSURANCE TO STORED VALUE") + f" {month}",
                          lines, name=f"insurance-transfers-{month}")
    return len(rows)
