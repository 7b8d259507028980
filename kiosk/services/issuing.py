"""Card issue (发卡): a blank card of the outlet's stock is written with the magstripe
writer and read back (or bound to a PC/SC card's UID), which marks it `written`; then
one operation issues it: member, PIN, expiry, fee and deposit. A card whose write was
never confirmed stays `blank` (or `written`), never `active`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.errors import InvalidInput, KioskError, N_, NotFound, ReviewRequired
from kiosk.hw.msr import Tracks
from kiosk.hw.tracks import build_tracks, track_name
from kiosk.services import (audit, card_stock, cards, customers, operators, permissions, prepaid,
                            receipts, service_fees, tenders)
from kiosk.services.business_date import add_months, calendar_business_date
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.operations import OperationResult, Posting, perform
from kiosk.services.session import Session
from kiosk.store import cards as card_store
from kiosk.store import catalog, models
from kiosk.store import members as member_store

_PIN = cards.PIN_FORMAT


@dataclass(frozen=True)
class ProductChoice:
    code: str
    name: str
    kind: str
    fee: int
    deposit: int
    sub_card_limit: int
    blanks: int


@dataclass(frozen=True, kw_only=True)
class IssueResult(OperationResult):
    card_number: str
    amount: int
    fee: int
    deposit: int
    # The customer application form (客户业务申请表) queued for a named card.
    form_receipt_id: int | None = None


@dataclass(frozen=True)
class IssueRequest:
    card_number: str
    member_id: int | None  # None: an anonymous card sold over the counter
    pin: str
    fee: int
    deposit: int
    tender: str = "cash"
    main_card_number: str = ""  # a sub card of this main card
    company: bool = False
    customer_code: str = ""  # a main card of this customer (客户): its holder, its cards
    invoice: bool = True  # the service-fee invoice; the customer may decline it


def check_new_pin(pin: str, repeated: str | None = None) -> None:
    if not _PIN.fullmatch(pin or ""):
        raise InvalidInput(N_("A PIN has exactly 6 digits."), field="pin")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise InvalidInput(N_("This PIN is too easy to guess; choose another."), field="pin")
    if repeated is not None and repeated != pin:
        raise InvalidInput(N_("The two PINs differ; type it twice again."), field="pin")


def products(session: Session) -> list[ProductChoice]:
    """The products opened at this outlet, with the blank cards it holds of each."""
    permissions.require(session, permissions.QUERY)
    outlet = session.actor.outlet_id
    # Personal stored-value cards first (what the member centre issues most), then
    # company cards (those with sub cards), then the rest.
    opened = sorted(catalog.products_opened_at(outlet),
                    key=lambda p: (p.kind != "stored_value", p.sub_card_limit > 0))
    return [ProductChoice(p.code, p.name, p.kind, p.issue_fee, p.deposit, p.sub_card_limit,
                          card_store.blank_count(p.id, outlet)) for p in opened]


def next_blank(session: Session, product_code: str) -> str:
    permissions.require(session, permissions.CARD_ISSUE)
    product = catalog.product_by_code(product_code)
    card = card_store.first_blank(product.id, session.actor.outlet_id) if product else None
    if card is None:
        raise card_stock.no_blank_left(session, product)
    return card.number


def next_blank_like(session: Session, number: str) -> str:
    """A blank of the same product as card `number`: its replacement."""
    return next_blank(session, cards.get_card(number).product.code)


def blank_card(session: Session, number: str) -> models.Card:
    """A blank (or written, not yet issued) card of this outlet, ready for issue; or why
    it is not, in the clerk's words (in transit, another outlet's, never received)."""
    permissions.require(session, permissions.CARD_ISSUE)
    card = card_store.by_number(cards.normalize_number(number))
    if card is None:
        raise NotFound(N_("Card {number} is not in stock: receive it at head office first."),
                       number=cards.normalize_number(number)[:32])
    refusal = card_stock.why_not_in_stock(card, session.actor.outlet_id)
    if refusal is not None:
        raise refusal
    if card.status not in ("blank", "written"):
        raise InvalidInput(N_("Card {number} is already issued."), number=card.number[-4:])
    return card


def tracks_for(card: models.Card, today: dt.date, holder: str = "") -> Tracks:
    """The tracks to write: track 1 carries the holder's name in pinyin (SURNAME/GIVEN;
    a track holds no Chinese characters), empty for an anonymous card; the card is
    found by its number."""
    expiry = expiry_date(card.product, today)
    track1, track2 = build_tracks(card.number, track_name(holder),
                                  expiry.strftime("%y%m") if expiry else "9912")
    return Tracks(track1=track1, track2=track2)


def expiry_date(product: models.CardProduct, today: dt.date) -> dt.date | None:
    return add_months(today, product.validity_months) if product.validity_months else None


def record_written(session: Session, number: str, *, uid: str | None = None) -> None:
    """The writer read the tracks back as written (or a smart card's UID was read): the
    card is `written`, not yet issued. Called only after the device confirmed."""
    permissions.require(session, permissions.CARD_ISSUE)
    with audit.transaction(session):
        card = blank_card(session, number)
        if uid is not None:
            holder = card_store.by_uid(uid)
            if holder is not None and holder.id != card.id:
                raise InvalidInput(N_("This smart card is already bound to card {number}."),
                                   number=holder.number[-4:])
        # Decided on the card as it is now: one sent away meanwhile is not written here.
        if not card_store.mark_written(card.id, session.actor.outlet_id,
                                       uid if uid is not None else card.uid):
            blank_card(session, card.number)  # says why
            raise InvalidInput(N_("Card {number} has just left this outlet's stock; it is "
                                  "not recorded as written."), number=card.number)
        audit.append(session, "card.written", subject=f"card:{card.number}",
                     details={"bound": uid is not None})


def fee_review(session: Session, product: models.CardProduct, fee: int, deposit: int,
               review) -> int | None:
    """A fee or deposit other than the product's needs a reviewer; returns its id."""
    if fee < 0 or deposit < 0:
        raise InvalidInput(N_("Fees and deposits are never negative."))
    if fee == product.issue_fee and deposit == product.deposit:
        return None
    return require_review(session, review, permissions.CARD_ISSUE,
                          N_("The fee or deposit differs from the product's"))


def require_review(session: Session, review, permission: str, reason: str) -> int:
    if review is None:
        raise ReviewRequired(reason=reason)
    return operators.authorise_review(session, review, permission).id


def issue(session: Session, request: IssueRequest, *, key: str, review=None) -> IssueResult:
    permissions.require(session, permissions.CARD_ISSUE)
    card = cards.get_card(request.card_number)  # its status is checked inside the operation
    till = tenders.till_account_kind(request.tender)
    check_new_pin(request.pin)
    product = card.product
    reviewer = fee_review(session, product, request.fee, request.deposit, review)
    main = _main_card(request.main_card_number)
    over_limit = main is not None and (card_store.sub_cards_in_use_count(main.id)
                                       >= product.sub_card_limit)
    if over_limit:
        reviewer = reviewer or require_review(
            session, review, permissions.CARD_ISSUE,
            N_("More sub cards than the product allows"))
    member_id = main.member_id if main is not None else request.member_id
    customer = _customer(request.customer_code, main)
    if customer is not None and main is None:
        member_id = customer.member_id
    holder = member_store.by_id(member_id)
    if member_id is not None and holder is None:
        raise NotFound(N_("No such member."))
    company = request.company or (main is not None and main.company) or (
        customer is not None and customer.kind == "company")
    if prepaid.is_prepaid(product):
        prepaid.check_named_holder(holder, company=company)
    pin_hash = session.hasher.hash(request.pin)
    request_data = {"card": card.number, "member": member_id, "fee": request.fee,
                    "deposit": request.deposit, "tender": request.tender,
                    "main": main.number if main else "", "company": request.company,
                    "customer": customer.code if customer else "",
                    **({} if request.invoice else {"invoice": False})}

    def run(posting: Posting) -> dict:
        day = posting.operation.business_date
        if main is not None:
            # The count decides on the locked main card: two sub cards issued at once
            # cannot both take the last place without a review.
            main_now = cards.locked_for_spending(main.id, day)
            taken = card_store.sub_cards_in_use_count(main_now.id)
            if reviewer is None and taken >= product.sub_card_limit:
                raise ReviewRequired(reason=N_("More sub cards than the product allows"))
        issued = card_store.change_if(
            card.id, "written", status="active", member=member_id,
            anonymous=member_id is None,
            company=company, customer=customer.id if customer else None,
            main_card=main.id if main else None, pin_hash=pin_hash, pin_failures=0,
            pin_locked=False, expires_on=prepaid.expiry_for(
                product, anonymous=member_id is None, today=day, plain=expiry_date))
        if not issued:
            blank_card(session, card.number)  # says why: another outlet's, or issued
            raise InvalidInput(N_("Write the card (or read the smart card) before issuing "
                                  "it."))
        drawer = till_account(session.actor.outlet_id, session.actor.terminal_id, till)
        posting.move(drawer, service_fees.fee_account(session.actor, request.invoice), request.fee)
        posting.move(drawer, card_accounts(card, lock=True)["deposit"], request.deposit)
        data = {"card_number": card.number, "amount": request.fee + request.deposit,
                "fee": request.fee, "deposit": request.deposit, "invoice": request.invoice}
        voucher = {**data, "tender": request.tender, "member_id": member_id,
                   "customer_code": customer.code if customer else "",
                   "main_number": main.number if main else "", "business": "card_issue"}
        data["receipt_id"] = receipts.queue(session, posting.operation, card, "card_issue",
                                            voucher)
        if member_id is not None:  # a named card: the customer signs the application
            data["form_receipt_id"] = receipts.queue(session, posting.operation, card,
                                                     "application_form", voucher)
        return data

    outcome = perform(session, kind="card_issue", key=key, request=request_data, run=run,
                      card=card, amount=request.fee + request.deposit, tender=request.tender,
                      reviewer_id=reviewer)
    return IssueResult.of(outcome)


def _main_card(number: str) -> models.Card | None:
    if not number:
        return None
    main = cards.get_card(number)
    if main.status != "active" or main.main_card_id is not None:
        raise InvalidInput(N_("Card {number} cannot take sub cards."), number=main.number[-4:])
    return main


def _customer(code: str, main: models.Card | None):
    """The customer a card is issued for: named by its code, or the main card's."""
    if code:
        customer = customers.customer_by_code(code)
        if main is not None and main.customer_id != customer.id:
            raise InvalidInput(N_("Card {card} is not a main card of customer {code}."),
                               card=main.number[-4:], code=customer.code)
        return customer
    return customers.customer_of_card(main) if main is not None else None


def name_anonymous_card(session: Session, number: str, member_id: int) -> None:
    """An anonymous card sold over the counter becomes the member's named card."""
    permissions.require(session, permissions.CARD_MANAGE)
    with audit.transaction(session):
        card = cards.get_card(number)
        if not card.anonymous:
            raise InvalidInput(N_("This card already has a named holder."))
        member = member_store.by_id(member_id)
        if member is None:
            raise NotFound(N_("No such member."))
        named = {"member": member_id, "anonymous": False}
        if prepaid.is_prepaid(card.product):
            # A named prepaid card: the holder's real name, and no expiry.
            prepaid.check_named_holder(member, company=card.company)
            named["expires_on"] = None
        card_store.change(card.id, **named)
        audit.append(session, "card.named", subject=f"card:{card.number}",
                     details={"member": member_id})


def write_card(session: Session, writer, number: str, *, member_id: int | None = None,
               replacing: str = "", company: bool = False) -> None:
    """Write the tracks, read them back, and only then mark the card written. A writer
    that fails or is unplugged mid-write leaves the card blank: never issued. The name
    on track 1 is the member's the card is issued to (`member_id`), or the holder's of
    the card it replaces (`replacing`). A named prepaid card's holder is checked against
    the real-name rule first: a card the rule would refuse is never written."""
    permissions.require(session, permissions.CARD_ISSUE)
    if writer is None:
        raise KioskError(N_("No magstripe writer is configured; bind a smart card instead."))
    card = blank_card(session, number)
    if member_id is not None and prepaid.is_prepaid(card.product):
        prepaid.check_named_holder(member_store.by_id(member_id), company=company)
    writer.write_and_verify(tracks_for(card, calendar_business_date(session),
                                       _holder_name(member_id, replacing)))
    record_written(session, card.number)


def _holder_name(member_id: int | None, replacing: str) -> str:
    if member_id is None and replacing:
        old = card_store.by_number(cards.normalize_number(replacing))
        member_id = old.member_id if old is not None else None
    member = member_store.by_id(member_id) if member_id else None
    return member.name if member is not None else ""


def bind_smart_card(session: Session, reader, number: str) -> str:
    """Read the smart card in the reader and bind its UID to the card number."""
    permissions.require(session, permissions.CARD_ISSUE)
    if reader is None:
        raise KioskError(N_("No smart card reader is configured."))
    blank_card(session, number)
    identifier = reader.read_identity().identifier
    record_written(session, number, uid=identifier)
    return identifier
