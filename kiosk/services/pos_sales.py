"""The store POS's card tender (issue 21): the POS rings up the basket, chooses the card as
its tender and sends the sale here; the counter takes the swipe and the PIN and charges
the POS's own lines, so the card product's category rules are checked on what was
actually sold. A refund is sent the same way and a supervisor reviews it at the counter.

A request is a row keyed by (POS, kind, the POS's number for it): its order number for
a sale, its refund number for a refund. Its states:

    pending --(the counter charges)--> approved      (in the charge's own transaction)
            --(refused: PIN, category, balance...)--> declined  (a reason code)
            --(the POS cancels, or the cashier)--> cancelled / declined

A declined or cancelled request may be sent again under the same number: its next
attempt (the POS re-rings the basket without the forbidden item, the customer tries
the PIN again). An approved one never charges again: sent again with the same
content it returns the approval; with other content it is refused. The charge's
idempotency key is made from the row and the attempt, so a retried call, a second
POST or a kiosk restarted in the middle never posts twice, and the approval is
committed with the money or not at all.

Functions the endpoint calls act for a POS (authenticated by its token) and take its
PosIdentity; those the counter calls act for the logged-in operator and check rights."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field

from kiosk.errors import InvalidInput, KioskError, N_, NotFound, PermissionDenied, StoreUnavailable
from kiosk.hw.receipt import render_text
from kiosk.money import format_yuan
from kiosk.services import (audit, caches, cards, charge as charging, insurer_online, permissions,
                            receipts)
from kiosk.services.card_status import CardUnusable
from kiosk.services.catalog import CATEGORIES
from kiosk.services.channel_orders import OrderRefused
from kiosk.services.lockout import TriesBusy
from kiosk.services.operations import InsufficientFunds, mask_card_number
from kiosk.services.operators import ReviewFailed, ReviewsLocked
from kiosk.services.session import Runtime, Session
from kiosk.store import models
from kiosk.store import pos as pos_store
from kiosk.store.pos import APPROVED, CANCELLED, DECLINED, FINAL, PENDING  # noqa: F401

SALE, REFUND = "sale", "refund"
MAX_LINES = 100
MAX_TOTAL = 100_000_000  # fen: ¥1,000,000, more is a typo at a pharmacy till
_NUMBER = re.compile(r"[0-9A-Za-z._:/-]{1,64}")
_POS_CODE = re.compile(r"[A-Za-z0-9_-]{2,20}")


# -- what the endpoint answers with -------------------------------------------------------
class PosApiError(KioskError):
    """A request the endpoint refuses: an HTTP status and a code the POS can act on."""

    status = 400
    code = "invalid_request"
    default_message = N_("The request is not valid.")


class BadToken(PosApiError):
    status, code = 401, "bad_token"
    default_message = N_("The POS token is missing, wrong or revoked.")


class WrongTerminal(PosApiError):
    status, code = 403, "wrong_terminal"
    default_message = N_("This POS is bound to another terminal: send it to that "
                         "terminal's kiosk.")


class UnknownRequest(PosApiError):
    status, code = 404, "unknown_order"
    default_message = N_("No such order from this POS.")


class RequestConflict(PosApiError):
    status, code = 409, "order_conflict"
    default_message = N_("Order {order} was sent before with other lines or another "
                         "total.")


class NotApproved(PosApiError):
    status, code = 409, "order_not_approved"
    default_message = N_("Order {order} was not paid with the card: there is nothing to "
                         "refund.")


class NoLongerPending(KioskError):
    """The request the counter works on was cancelled, or settled, meanwhile."""

    default_message = N_("POS order {order} was cancelled by the POS: nothing was charged.")


# Refusals that end an attempt, by the reason code the POS receives.
DECLINE_REASONS: tuple[tuple[type[KioskError], str], ...] = (
    (cards.WrongPin, "wrong_pin"),
    (cards.PinLocked, "pin_locked"),
    (charging.ForbiddenCategory, "forbidden_category"),
    (charging.NoMatchingInstitution, "no_matching_institution"),
    (charging.RestrictionViolated, "card_restricted"),
    (InsufficientFunds, "insufficient_funds"),
    (OrderRefused, "channel_order_refused"),
    (CardUnusable, "card_unusable"),
    # Cancelled at an online insurer under this attempt's key: the POS sends it again.
    (insurer_online.NotCharged, "insurer_cancelled"),
)
CANCELLED_BY_POS = "cancelled_by_pos"
CANCELLED_AT_COUNTER = "cancelled_at_counter"
REFUSED_AT_COUNTER = "refused_at_counter"
REFUND_REFUSED = "refund_refused"


def decline_reason(error: Exception) -> str | None:
    for kind, reason in DECLINE_REASONS:
        if isinstance(error, kind):
            return reason
    return None


# -- the shapes of a request --------------------------------------------------------------
@dataclass(frozen=True)
class PosIdentity:
    pos_id: int
    code: str
    name: str
    outlet_id: int
    terminal_id: int


@dataclass(frozen=True)
class PosLine:
    code: str
    name: str
    category: str
    amount: int  # fen


@dataclass(frozen=True)
class SaleRequest:
    order_no: str
    lines: tuple[PosLine, ...]
    total: int
    channel_order_no: str | None = None


@dataclass(frozen=True)
class RefundLine:
    code: str
    amount: int | None = None  # fen; None: what is left of the line


@dataclass(frozen=True)
class RefundRequest:
    refund_no: str
    order_no: str
    lines: tuple[RefundLine, ...] = ()  # none: everything left of the order


@dataclass(frozen=True)
class PosState:
    """A request as the POS and the counter see it."""

    request_id: int
    kind: str
    number: str
    attempt: int
    state: str
    amount: int
    pos_code: str
    pos_name: str
    lines: tuple[dict, ...]
    order_no: str  # the sale's order number (a refund's original)
    channel_order_no: str | None = None
    reason: str = ""
    error: KioskError | None = None  # why it was declined, to be translated
    result: dict = field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.state in FINAL


# -- registering a POS (the administrator) -----------------------------------------------
@dataclass(frozen=True)
class PosView:
    code: str
    name: str
    outlet_code: str
    terminal_code: str
    active: bool


def register(session: Session, *, code: str, name: str, outlet_code: str,
             terminal_code: str) -> str:
    """A POS allowed to call this outlet terminal's endpoint; returns its token, shown
    once (only a hash of it is kept, as a password's)."""
    permissions.require(session, permissions.ADMIN)
    if not _POS_CODE.fullmatch(code or ""):
        raise InvalidInput(N_("A POS code is 2-20 letters, digits, '-' or '_'."))
    outlet, terminal = pos_store.outlet_and_terminal(outlet_code, terminal_code)
    if outlet is None:
        raise NotFound(N_("No outlet with code {code}."), code=outlet_code[:8])
    if terminal is None:
        raise NotFound(N_("No terminal {terminal} at outlet {code}."),
                       terminal=terminal_code[:20], code=outlet_code)
    token = _new_token(code)
    with audit.transaction(session):
        if pos_store.pos_by_code(code) is not None:
            raise InvalidInput(N_("POS {code} is registered already (kiosk admin pos token "
                                  "gives it a new token)."), code=code)
        pos_store.add_pos(code, name[:50], outlet.id, terminal.id,
                          session.hasher.hash(token), session.now())
        audit.append(session, "pos.register", subject=f"pos:{code}",
                     details={"outlet": outlet_code, "terminal": terminal_code})
    return token


def new_token(session: Session, code: str) -> str:
    """A new token for the POS; the old one stops working at once."""
    permissions.require(session, permissions.ADMIN)
    pos = _registered(code)
    token = _new_token(code)
    with audit.transaction(session):
        pos_store.set_token(pos.id, session.hasher.hash(token))
        audit.append(session, "pos.token", subject=f"pos:{code}")
    caches.of_open_store().pos_tokens.forget()
    return token


def set_active(session: Session, code: str, active: bool) -> None:
    permissions.require(session, permissions.ADMIN)
    pos = _registered(code)
    with audit.transaction(session):
        pos_store.set_active(pos.id, active)
        audit.append(session, "pos.active" if active else "pos.inactive", subject=f"pos:{code}")
    caches.of_open_store().pos_tokens.forget()


def listing(session: Session) -> list[PosView]:
    permissions.require(session, permissions.ADMIN)
    return [PosView(pos.code, pos.name, outlet_code, terminal_code, pos.active)
            for pos, outlet_code, terminal_code in pos_store.pos_listing()]


def _registered(code: str) -> models.PosTerminal:
    pos = pos_store.pos_by_code(code)
    if pos is None:
        raise NotFound(N_("No POS {code}."), code=code[:20])
    return pos


def _new_token(code: str) -> str:
    return f"{code}.{secrets.token_urlsafe(32)}"


# -- the endpoint: a POS authenticated by its token --------------------------------------
# Tokens already checked (the slow hash) are remembered by a digest of the token with the
# hash they matched (caches.StoreCaches.pos_tokens): the row is still read on every
# request, so a revoked POS or a new token takes effect at once, in any process.


def authenticate(runtime: Runtime, token: str, terminal_id: int | None) -> PosIdentity:
    """The POS this token belongs to, if it is active and bound to `terminal_id`."""
    code = token.split(".", 1)[0] if "." in token else ""
    pos = pos_store.pos_by_code(code) if _POS_CODE.fullmatch(code) else None
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    if pos is None or not pos.active:
        runtime.hasher.verify("", token)  # the same time as a real check
        raise BadToken()
    verified = caches.of_open_store().pos_tokens
    known = verified.peek(digest)
    if known is None or not hmac.compare_digest(known, pos.token_hash):
        if not runtime.hasher.verify(pos.token_hash, token):
            raise BadToken()
        verified.put(digest, pos.token_hash)
    if terminal_id is not None and pos.terminal_id != terminal_id:
        raise WrongTerminal()
    return PosIdentity(pos.id, pos.code, pos.name, pos.outlet_id, pos.terminal_id)


def receive_sale(runtime: Runtime, pos: PosIdentity, sale: SaleRequest) -> tuple[PosState, bool]:
    """Store the POS's sale (or find it stored): its state, and whether the counter has a
    new attempt to take."""
    _check_sale(sale)
    lines = [{"code": line.code, "name": line.name, "category": line.category,
              "amount": line.amount} for line in sale.lines]
    request = {"order_no": sale.order_no, "lines": lines, "total": sale.total,
               "channel_order_no": sale.channel_order_no}
    return _receive(runtime, pos, SALE, sale.order_no, request, request, sale.total, None)


def receive_refund(runtime: Runtime, pos: PosIdentity,
                   refund: RefundRequest) -> tuple[PosState, bool]:
    """Store the POS's refund of one of its approved sales, by lines or whole."""
    _check_number(refund.refund_no)
    _check_number(refund.order_no)
    sale = pos_store.find(pos.pos_id, SALE, refund.order_no)
    if sale is None:
        raise UnknownRequest(N_("No order {order} from this POS."), order=refund.order_no)
    sent = {"refund_no": refund.refund_no, "order_no": refund.order_no,
            "lines": [{"code": line.code, "amount": line.amount} for line in refund.lines]}
    stored = pos_store.find(pos.pos_id, REFUND, refund.refund_no)
    if stored is not None and stored.state in (PENDING, APPROVED):
        # The same refund again: its state, without recomputing what is left.
        if stored.request_hash != _fingerprint(sent):
            raise RequestConflict(order=refund.refund_no)
        return _state(stored), False
    if sale.state != APPROVED:
        raise NotApproved(order=refund.order_no)
    lines = _refund_lines(sale, refund.lines)
    request = {**sent, "lines": lines}
    amount = sum(line["amount"] for line in lines)
    return _receive(runtime, pos, REFUND, refund.refund_no, sent, request, amount, sale.id)


def _refund_lines(sale: models.PosRequest, wanted: tuple[RefundLine, ...]) -> list[dict]:
    """The lines of a refund with their amounts, never more of a line than is left."""
    sold = {line["code"]: line for line in json.loads(sale.request)["lines"]}
    left = _left_by_line(sale)
    if not wanted:
        wanted = tuple(RefundLine(code) for code in sold if left[code] > 0)
        if not wanted:
            raise InvalidInput(N_("Order {order} is refunded in full already."),
                               order=sale.number)
    codes = [line.code for line in wanted]
    if len(set(codes)) != len(codes):
        raise InvalidInput(N_("A refund names each line once."))
    lines = []
    for line in wanted:
        if line.code not in sold:
            raise InvalidInput(N_("Order {order} has no line {code}."), order=sale.number,
                               code=line.code[:32])
        amount = left[line.code] if line.amount is None else line.amount
        if amount <= 0 or amount > left[line.code]:
            raise InvalidInput(N_("Line {code} of order {order}: at most {left} can still "
                                  "be refunded."), code=line.code, order=sale.number,
                               left=format_yuan(left[line.code]))
        lines.append({"code": line.code, "name": sold[line.code]["name"],
                      "category": sold[line.code]["category"], "amount": amount})
    return lines


def _left_by_line(sale: models.PosRequest) -> dict[str, int]:
    left = {line["code"]: line["amount"] for line in json.loads(sale.request)["lines"]}
    for refund in pos_store.approved_refunds_of(sale.id):
        for line in json.loads(refund.request)["lines"]:
            left[line["code"]] -= line["amount"]
    return left


def _receive(runtime: Runtime, pos: PosIdentity, kind: str, number: str, sent: dict,
             request: dict, amount: int, original_id: int | None) -> tuple[PosState, bool]:
    fingerprint = _fingerprint(sent)
    text = audit.canonical_json(request)
    now = runtime.clock()
    for _ in range(3):  # two POSTs of one number at once: the second finds the first
        row = pos_store.find(pos.pos_id, kind, number)
        if row is None:
            if pos_store.insert(pos.pos_id, kind, number, text, fingerprint, amount,
                                original_id, now):
                return _state(pos_store.find(pos.pos_id, kind, number)), True
            continue
        if row.state in (PENDING, APPROVED):
            if row.request_hash != fingerprint:
                raise RequestConflict(order=number)
            return _state(row), False
        if pos_store.restart(row.id, row.attempt, text, fingerprint, amount, original_id, now):
            return _state(pos_store.by_id(row.id)), True
    raise RequestConflict(order=number)


def _fingerprint(sent: dict) -> str:
    return hashlib.sha256(audit.canonical_json(sent).encode("utf-8")).hexdigest()


def state_of(pos: PosIdentity, kind: str, number: str) -> PosState:
    _check_number(number)
    row = pos_store.find(pos.pos_id, kind, number)
    if row is None:
        raise UnknownRequest(N_("No order {order} from this POS."), order=number)
    return _state(row)


def cancel(runtime: Runtime, pos: PosIdentity, kind: str, number: str) -> PosState:
    """The POS withdraws a request the counter has not finished (the customer is still
    typing the PIN): cancelled, unless the counter approved it first."""
    row = state_of(pos, kind, number)
    if row.state == PENDING:
        pos_store.end(row.request_id, row.attempt, CANCELLED, CANCELLED_BY_POS,
                      _message(NoLongerPending(order=number)), runtime.clock())
    return _state(pos_store.by_id(row.request_id))


def receipt_text(runtime: Runtime, state: PosState) -> str:
    """The receipt of an approved request as the POS prints it (plain text)."""
    receipt_id = state.result.get("receipt_id")
    receipt = pos_store.receipt_document(receipt_id) if receipt_id else None
    if receipt is None:
        return ""
    return render_text(receipts.stored_document(receipt), runtime.settings.receipt_columns)


# -- the counter: the logged-in operator --------------------------------------------------
def pending(session: Session) -> list[PosState]:
    """The requests waiting at this terminal, oldest first."""
    permissions.require(session, permissions.CHARGE)
    if session.actor.terminal_id is None:
        return []
    return [_state(row) for row in pos_store.pending_at_terminal(session.actor.terminal_id)]


def check_card(session: Session, state: PosState, card_number: str) -> cards.CardView:
    """The card read for a POS sale: as the counter shows it, and the card's rules
    checked on the POS's lines before the customer types a PIN. A line the card may not
    pay declines the sale (the POS re-rings it); any other refusal leaves it open for
    another card."""
    permissions.require(session, permissions.CHARGE)
    row = _current(session, state, SALE)
    view = charging.for_sale(session, card_number)
    try:
        charging.check_sale(session, cards.get_card(view.number), row.amount, _sale_lines(row))
    except charging.ForbiddenCategory as error:
        _decline(session, row, decline_reason(error), error)
        raise
    except KioskError:
        pass  # shown on the card (view.refusal); the charge decides
    return view


def charge(session: Session, state: PosState, *, card_number: str,
           pin: str | None) -> charging.ChargeResult:
    """Charge the card for the POS's sale; the approval commits with the money. A
    refusal declines this attempt with its reason."""
    permissions.require(session, permissions.CHARGE)  # the operation decides again
    row = _current(session, state, SALE)
    request = json.loads(row.request)

    def approve(operation_id: int, data: dict) -> None:
        result = {name: data.get(name) for name in (
            "amount", "principal", "bonus", "principal_after", "bonus_after",
            "points_earned", "points_after", "business_date", "channel_order_no",
            "receipt_id")}
        result["card"] = mask_card_number(data["card_number"])
        if not pos_store.settle(row.id, row.attempt, operation_id, audit.canonical_json(result),
                                session.now()):
            raise NoLongerPending(order=row.number)

    try:
        return charging.charge(session, card_number=card_number, amount=row.amount, pin=pin,
                               key=f"pos-sale-{row.id}-{row.attempt}", lines=_sale_lines(row),
                               channel_order_no=request.get("channel_order_no"), also=approve)
    except KioskError as error:
        reason = decline_reason(error)
        if reason is not None:
            _decline(session, row, reason, error)
        raise


def decline(session: Session, state: PosState) -> PosState:
    """The cashier ends the POS's request at the counter (the customer left, another
    tender): the POS is told so."""
    permissions.require(session, permissions.CHARGE)
    row = _current(session, state, state.kind)
    reason = CANCELLED_AT_COUNTER if row.kind == SALE else REFUSED_AT_COUNTER
    _decline(session, row, reason, KioskError(
        N_("Declined at the counter.") if row.kind == SALE else N_("Refused at the counter.")))
    return _state(pos_store.by_id(row.id))


def check_refund(session: Session, state: PosState) -> None:
    """Whether the POS's refund can be made (before a supervisor is asked to sign)."""
    permissions.require(session, permissions.CHARGE)
    row = _current(session, state, REFUND)
    sale = pos_store.by_id(row.original_id)
    try:
        _check_lines_left(sale, row)
        charging.check_refund(session, sale.operation_id, row.amount)
    except KioskError as error:
        if ends_refund(error):
            _decline(session, row, REFUND_REFUSED, error)
        raise


def refund(session: Session, state: PosState, review: charging.Review) -> charging.RefundResult:
    """The POS's refund, with the supervisor's review typed at this terminal; the
    approval commits with the money, after the sale's lines are checked again under
    its lock."""
    permissions.require(session, permissions.CHARGE)  # the operation decides again
    row = _current(session, state, REFUND)
    sale = pos_store.by_id(row.original_id)

    def approve(operation_id: int, data: dict) -> None:
        _check_lines_left(pos_store.locked(sale.id), row)
        result = {name: data.get(name) for name in (
            "amount", "principal", "bonus", "points", "refunded_total", "receipt_id")}
        result["card"] = mask_card_number(data["card_number"])
        if not pos_store.settle(row.id, row.attempt, operation_id, audit.canonical_json(result),
                                session.now()):
            raise NoLongerPending(N_("POS refund {order} was cancelled by the POS: nothing "
                                     "was refunded."), order=row.number)

    try:
        return charging.refund(session, original_operation_id=sale.operation_id,
                               amount=row.amount, key=f"pos-refund-{row.id}-{row.attempt}",
                               review=review, also=approve)
    except KioskError as error:
        if ends_refund(error):
            _decline(session, row, REFUND_REFUSED, error)
        raise


def ends_refund(error: KioskError) -> bool:
    """A refusal of the refund itself (more than is left, past the refund window), not
    of the reviewer's password or of a busy store: those can be tried again."""
    return not isinstance(error, (ReviewFailed, ReviewsLocked, PermissionDenied,
                                  StoreUnavailable, TriesBusy, NoLongerPending))


def _check_lines_left(sale: models.PosRequest, refund_row: models.PosRequest) -> None:
    left = _left_by_line(sale)
    for line in json.loads(refund_row.request)["lines"]:
        if line["amount"] > left.get(line["code"], 0):
            raise InvalidInput(N_("Line {code} of order {order}: at most {left} can still "
                                  "be refunded."), code=line["code"], order=sale.number,
                               left=format_yuan(max(left.get(line["code"], 0), 0)))


def _current(session: Session, state: PosState, kind: str) -> models.PosRequest:
    """The request the counter works on, still pending in this attempt at this terminal."""
    row = pos_store.by_id(state.request_id)
    if row is None or row.kind != kind:
        raise NotFound(N_("No such POS request."))
    if pos_store.pos_by_id(row.pos_id).terminal_id != session.actor.terminal_id:
        raise WrongTerminal()
    if row.state != PENDING or row.attempt != state.attempt:
        if row.state == APPROVED and row.attempt == state.attempt:
            raise KioskError(N_("POS order {order} is paid already."), order=row.number)
        raise NoLongerPending(order=row.number)
    return row


def _decline(session: Session, row: models.PosRequest, reason: str, error: KioskError) -> None:
    pos_store.end(row.id, row.attempt, DECLINED, reason, _message(error), session.now())


def _message(error: KioskError) -> str:
    params = {name: str(value)[:80] for name, value in error.params.items()}
    return json.dumps({"id": error.message_id, "params": params}, ensure_ascii=False)


def _stored_error(text: str) -> KioskError | None:
    if not text:
        return None
    data = json.loads(text)
    return KioskError(data["id"], **data.get("params", {}))


def _sale_lines(row: models.PosRequest) -> tuple[charging.SaleLine, ...]:
    return tuple(charging.SaleLine(name=line["name"], category=line["category"],
                                   amount=line["amount"])
                 for line in json.loads(row.request)["lines"])


def _state(row: models.PosRequest) -> PosState:
    request = json.loads(row.request)
    pos = pos_store.pos_by_id(row.pos_id)
    order_no = request.get("order_no", row.number)
    return PosState(request_id=row.id, kind=row.kind, number=row.number, attempt=row.attempt,
                    state=row.state, amount=row.amount, pos_code=pos.code, pos_name=pos.name,
                    lines=tuple(request.get("lines", ())), order_no=order_no,
                    channel_order_no=request.get("channel_order_no"), reason=row.reason,
                    error=_stored_error(row.message),
                    result=dict(json.loads(row.result or "{}"),
                                journal_no=row.operation_id) if row.state == APPROVED else {})


# -- checks of what the POS sent ----------------------------------------------------------
def _check_number(number: str) -> None:
    if not isinstance(number, str) or not _NUMBER.fullmatch(number):
        raise InvalidInput(N_("An order or refund number is 1-64 letters, digits or . _ : / -"))


def _check_sale(sale: SaleRequest) -> None:
    _check_number(sale.order_no)
    if not 1 <= len(sale.lines) <= MAX_LINES:
        raise InvalidInput(N_("A sale has 1 to {most} lines."), most=MAX_LINES)
    codes = [line.code for line in sale.lines]
    if len(set(codes)) != len(codes):
        raise InvalidInput(N_("Each line of a sale has its own item code (merge the "
                              "quantities of one item into one line)."))
    for line in sale.lines:
        if line.category not in CATEGORIES:
            raise InvalidInput(N_("Line {code}: unknown category '{category}' (one of "
                                  "{known})."), code=line.code, category=line.category[:20],
                               known=", ".join(CATEGORIES))
        if line.amount <= 0:
            raise InvalidInput(N_("Line {code}: the amount must be a positive number of fen."),
                               code=line.code)
    if sale.total != sum(line.amount for line in sale.lines):
        raise InvalidInput(N_("The total {total} is not the sum of the lines."),
                           total=sale.total)
    if sale.total > MAX_TOTAL:
        raise InvalidInput(N_("The total is above {most}."), most=format_yuan(MAX_TOTAL))
    if sale.channel_order_no is not None:
        _check_number(sale.channel_order_no)

