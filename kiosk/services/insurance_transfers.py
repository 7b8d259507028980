"""Insurance card to stored value (保险卡转储值卡): an amount already charged on a
member's insurance card is, on finance's approval, credited to the member's stored-
value card instead of goods. The outlet files the request; finance approves or
rejects; the monthly list of approved ones carries the endorsement text
"XX卡转储值卡XX元" that the insurer's statement needs."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kiosk.errors import (DeviceError, InvalidInput, KioskError, N_, NotFound, PermissionDenied,
                          Phrase)
from kiosk.i18n import translator
from kiosk.identity import mask_phone
from kiosk.money import plain_yuan
from kiosk.services import audit, cards, directory, permissions, receipts
from kiosk.services import charge as charge_service
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.business_date import month_bounds, utc_bounds
from kiosk.services.card_status import CardStatus
from kiosk.services.operations import OperationResult, Posting, perform
from kiosk.services.session import Session
from kiosk.store import cards as card_store
from kiosk.store import insurance as transfer_store
from kiosk.store import models
from kiosk.store import operations as operation_store

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
    told: bool = False  # the member was texted that the credit arrived


def endorsement(product_name: str, amount: int) -> str:
    """泰康卡 + 10000 fen -> 泰康卡转储值卡100.00元."""
    return f"{product_name}转储值卡{plain_yuan(amount)}元"


def file_request(session: Session, *, charge_operation_id: int, target_card_number: str
                 ) -> int:
    """The outlet asks for what is left of the charge (less refunds) to become stored
    value on the same member's stored-value card. The amount is claimed from the
    charge's still reversible amount under its lock, so a refund racing the request
    finds nothing left (and the other way round). One request per charge."""
    permissions.require(session, permissions.RECHARGE)
    target = cards.get_card(target_card_number)
    _check_target(target)
    with audit.transaction(session):
        charge = operation_store.locked(charge_operation_id)
        if charge is None:
            raise NotFound(N_("There is no journal no. {number}."), number=charge_operation_id)
        _check_charge(session, charge, target)
        existing = transfer_store.of_charge(charge.id)
        if existing is not None:
            _check_filed_again(existing, target)
            return existing.id  # the same request again, still pending: idempotent
        amount = charge.amount - charge.reversed_amount
        if amount <= 0 or not operation_store.take_reversible(charge.id, amount):
            raise InvalidInput(N_("Nothing is left of this charge to transfer."))
        request = transfer_store.add(
            outlet=session.actor.outlet_id, charge=charge.id, insurance_card=charge.card_id,
            target_card=target.id, amount=amount, requested_by=session.actor.operator_id,
            requested_at=session.now())
        audit.append(session, "insurance_transfer.request", subject=f"card:{target.number}",
                     details={"request": request.id, "charge": charge.id, "amount": amount})
    return request.id


def _check_filed_again(existing: models.InsuranceTransfer, target: models.Card) -> None:
    """A charge has one request: filed again, it is the same one while pending (to the
    same card); once decided, the refusal says how it was decided."""
    if existing.status == "approved":
        raise InvalidInput(N_("Request #{number} for this charge was approved already."),
                           number=existing.id)
    if existing.status == "rejected":
        raise InvalidInput(N_("Request #{number} for this charge was rejected ({reason}): "
                              "refund the charge at the counter instead."),
                           number=existing.id, reason=existing.reason or "-")
    if existing.target_card_id != target.id:
        raise InvalidInput(N_("Request #{number} for this charge is pending, to another "
                              "card."), number=existing.id)


def _check_target(target: models.Card) -> None:
    if target.product.kind != "stored_value" or target.status != CardStatus.ACTIVE:
        raise InvalidInput(N_("The target must be an active stored-value card."))


def _check_charge(session: Session, charge: models.Operation, target: models.Card) -> None:
    insurance_card = card_store.by_id(charge.card_id)
    if charge.kind != "charge" or insurance_card.product.kind != "insurance":
        raise InvalidInput(N_("Only a charge on an insurance card can be transferred."))
    if charge_service.deducted_online(charge):
        raise InvalidInput(N_("The insurer deducted this charge online: that money is the "
                              "insurer's, so it cannot become stored value here. Refund "
                              "the charge instead."))
    charge_service.check_not_in_settlement(charge)
    if charge.outlet_id != session.actor.outlet_id:
        raise InvalidInput(N_("The charge was made at another outlet."))
    if target.member_id is None or target.member_id != insurance_card.member_id:
        raise InvalidInput(N_("Both cards must belong to the same member."))


@dataclass(frozen=True, kw_only=True)
class Decision(OperationResult):
    """A rejection posts nothing: operation_id 0."""

    status: str  # approved, rejected
    card_number: str = ""
    amount: int = 0
    principal_after: int = 0
    endorsement: str = ""
    told_phone: str = ""  # the member's phone (masked) the credit was texted to
    tell_problem: KioskError | None = None  # why the member was not texted: tell them


def check_decidable(session: Session, request_id: int, reason: str = ""):
    """Whether this operator may decide this request, still pending, asked before the
    screen's one-line confirmation (the decision checks again on the locked request,
    and a decision repeated under its key returns the first)."""
    request = _decider_checked(session, request_id, reason)
    if request.status != "pending":
        raise InvalidInput(N_("Request #{number} was decided already: {status}."),
                           number=request.id, status=Phrase(STATUS_NAMES[request.status]))
    return request


def _decider_checked(session: Session, request_id: int, reason: str):
    permissions.require(session, permissions.FINANCE)
    request = transfer_store.by_id(request_id)
    if request is None:
        raise NotFound(N_("No transfer request #{number}."), number=request_id)
    if len(reason) > 200:
        raise InvalidInput(N_("A reason has at most {most} characters."), most=200)
    if request.requested_by_id is not None and \
            request.requested_by_id == session.actor.operator_id:
        raise PermissionDenied(N_("The request must be decided by someone other than who "
                                  "filed it."))
    return request


def decide(session: Session, request_id: int, *, approve: bool, reason: str = "",
           sender=None) -> Decision:
    """Finance's decision, by someone other than who filed it. Approval credits the
    stored-value card's principal in one operation (keyed by the request, so deciding
    twice posts once); if that card was replaced meanwhile, its replacement receives
    it. Rejection gives the amount back to the charge (it can be refunded again).
    Once the credit is committed the member is told by SMS (`sender`, the SMS gateway);
    a text that cannot go never undoes the credit: the result says so."""
    request = _decider_checked(session, request_id, reason)
    if not approve:
        return _reject(session, request, reason)

    def run(posting: Posting) -> dict:
        if not _decide_pending(session, request.id, "approved", reason,
                               credit=posting.operation.id):
            raise InvalidInput(N_("This request was already decided."))
        target = cards.locked_for_credit(request.target_card_id)
        posting.operation.card = target.id
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
                      request={"request": request.id}, run=run, amount=request.amount,
                      memo=f"request {request.id}")
    if outcome.replayed:
        return Decision.of(outcome, status="approved")
    phone, problem = tell_member(session, sender, outcome.data, request_id=request.id)
    return Decision.of(outcome, status="approved", told_phone=phone, tell_problem=problem)


def tell_again(session: Session, request_id: int, sender) -> Decision:
    """The SMS of an approved transfer sent again (it failed, or the member asks): the
    credit is not touched."""
    permissions.require(session, permissions.FINANCE)
    request = transfer_store.by_id(request_id)
    if request is None:
        raise NotFound(N_("No transfer request #{number}."), number=request_id)
    if request.status != "approved" or request.credit_id is None:
        raise InvalidInput(N_("Only an approved transfer's member is told by SMS."))
    credit = json.loads(request.credit.result)
    phone, problem = tell_member(session, sender, credit, request_id=request.id)
    return Decision(operation_id=request.credit_id, replayed=True, status="approved",
                    card_number=credit["card_number"], amount=credit["amount"],
                    principal_after=credit["principal_after"],
                    endorsement=credit["endorsement"], told_phone=phone, tell_problem=problem)


def tell_member(session: Session, sender, credit: dict, *, request_id: int | None = None
                ) -> tuple[str, KioskError | None]:
    """The SMS to the member whose stored-value card was credited: (masked phone, None)
    when it went, ("", why) when it did not. With `request_id`, the request records
    when the member was told."""
    permissions.require(session, permissions.FINANCE)
    card = cards.get_card(credit["card_number"])
    phone = card.member.phone if card.member_id else ""
    if not phone:
        return "", KioskError(N_("The member has no phone number: tell them the transfer "
                                 "is credited."))
    if sender is None:
        return "", KioskError(N_("No SMS sender is configured ([devices.sms]): tell the "
                                 "member the transfer is credited."))
    text = (f"【会员中心】您的{credit['endorsement']}已到账，储值卡尾号{card.number[-4:]}"
            f"余额{plain_yuan(credit['principal_after'])}元。")
    try:
        sender.send(phone, text)
    except DeviceError as error:
        return "", KioskError(N_("The SMS to the member could not be sent ({reason}): "
                                 "send it again (F6), or tell them the transfer is "
                                 "credited."),
                             reason=error)  # said in the screen's language
    except KioskError as error:
        return "", error
    with audit.transaction(session):
        if request_id is not None:
            transfer_store.mark_told(request_id, session.now())
        audit.append(session, "insurance_transfer.told", subject=f"card:{card.number}",
                     details={"phone": mask_phone(phone), "request": request_id})
    return mask_phone(phone), None


def _decide_pending(session: Session, request_id: int, status: str, reason: str,
                    credit: int | None = None) -> bool:
    """Move a pending request to `status`, once; False if it was decided already."""
    return transfer_store.decide_pending(
        request_id, status=status, decided_by=session.actor.operator_id,
        decided_at=session.now(), credit=credit, reason=reason)


def _reject(session: Session, request: models.InsuranceTransfer, reason: str) -> Decision:
    with audit.transaction(session):
        operation_store.locked(request.charge_id)
        if not _decide_pending(session, request.id, "rejected", reason):
            raise InvalidInput(N_("This request was already decided."))
        operation_store.give_back_reversible(request.charge_id, request.amount)
        audit.append(session, "insurance_transfer.reject", subject=f"request:{request.id}")
    return Decision(operation_id=0, status="rejected")


def listing(session: Session, *, status: str = "", month: str = "") -> list[TransferRow]:
    """Requests by status; with `month` (YYYY-MM), the ones decided in that month of the
    outlet's business calendar: the monthly list that is printed and endorsed."""
    permissions.require(session, permissions.QUERY)
    start = end = None
    if month:
        first, after = month_bounds(month)
        info = directory.actor_info(session.actor)
        start, _ = utc_bounds(first, info.time_zone, info.day_boundary)
        end, _ = utc_bounds(after, info.time_zone, info.day_boundary)
    return [_row(request) for request in transfer_store.of_outlet(
        session.actor.outlet_id, status=status, decided_from=start, decided_before=end)]


def _row(request: models.InsuranceTransfer) -> TransferRow:
    return TransferRow(
        request.id, request.charge_id, request.insurance_card.number,
        request.target_card.number, request.amount, request.status,
        endorsement(request.insurance_card.product.name, request.amount),
        request.requested_by.login_id if request.requested_by_id else "",
        request.decided_by.login_id if request.decided_by_id else "",
        told=request.told_at is not None)


def print_monthly_list(session: Session, printer, month: str) -> int:
    """The month's approved transfers, each with its endorsement text, on the printer."""
    rows = [row for row in listing(session, month=month) if row.status == "approved"]
    tr = translator(session.runtime.settings.language)
    # The month on a line of its own: beside the title it was cut at the paper's width.
    lines = [(tr("Month"), month)]
    lines += [(f"#{row.request_id} …{row.target_card[-4:]}", row.endorsement) for row in rows]
    lines.append((tr("Total"), plain_yuan(sum(row.amount for row in rows))))
    receipts.print_report(session, printer, tr("INSURANCE TO STORED VALUE"), lines,
                          name=f"insurance-transfers-{month}")
    return len(rows)
