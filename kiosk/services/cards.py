"""Cards as the counter sees them: lookup, status rules and the customer's PIN."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.errors import KioskError, N_, NotFound
from kiosk.hw.tracks import luhn_ok
from kiosk.services import lockout, permissions
from kiosk.services.accounts import balances
from kiosk.services.operations import mask_card_number
from kiosk.services.session import Session
from kiosk.services.tiers import tier_offer
from kiosk.store import models, sql

class CardUnusable(KioskError):
    default_message = N_("This card cannot be used.")


class WrongPin(KioskError):
    default_message = N_("Wrong PIN. {tries_left} tries left.")


class PinLocked(KioskError):
    default_message = N_("The PIN is locked after 3 wrong tries. The member centre can "
                         "unlock it (bring ID).")


STATUS_MESSAGES = {
    "blank": N_("This card has not been issued yet."),
    "written": N_("This card was written but its issue was not completed."),
    "lost": N_("This card is reported lost. Keep it and call the member centre."),
    "frozen": N_("This card is frozen. Call the member centre."),
    "expired": N_("This card has expired."),
    "replaced": N_("This card was replaced by card {replaced_by}; use the new card."),
    "void": N_("This card is void and can never be used again."),
    "cleared": N_("This card was closed (cleared) and can never be used again."),
}


@dataclass(frozen=True)
class CardView:
    """What the counter may show about a card, without a PIN: masked data only."""

    number: str
    masked_number: str
    product_name: str
    product_kind: str
    status: str
    holder: str
    tier: str
    principal: int
    bonus: int
    points: int
    expires_on: dt.date | None
    has_pin: bool
    signature_required: bool
    tier_offer: str = ""  # a higher tier the points reach: the member centre upgrades
    replaced_by: str = ""  # the number of the card that replaced this one


def mask_name(name: str) -> str:
    """张三丰 -> 张**, Alice -> A****."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def normalize_number(text: str) -> str:
    return "".join(text.split())


_CARD_BY_NUMBER = sql.Statement('SELECT * FROM "card" WHERE "number" = ?')
_PRODUCT = sql.Statement('SELECT * FROM "card_product" WHERE "id" = ?')


def get_card(number: str) -> models.Card:
    """The card with its product (every sale asks: both by primary or unique key)."""
    found = _CARD_BY_NUMBER.models(models.Card, normalize_number(number))
    if not found:
        raise NotFound(N_("No card with number {number}."), number=mask_card_number(number))
    card = found[0]
    return sql.joined(card, "product", _PRODUCT.models(models.CardProduct, card.product_id)[0])


def view(card: models.Card) -> CardView:
    money = balances(card)
    holder = mask_name(card.member.name) if card.member_id else ""
    return CardView(
        number=card.number, masked_number=mask_card_number(card.number),
        product_name=card.product.name, product_kind=card.product.kind, status=card.status,
        holder=holder, tier=card.tier, principal=money.get("principal", 0),
        bonus=money.get("bonus", 0), points=money.get("points", 0), expires_on=card.expires_on,
        has_pin=bool(card.pin_hash), signature_required=card.product.signature_required,
        tier_offer=tier_offer(card, money.get("points", 0)) if card.status == "active" else "",
        replaced_by=card.replaced_by.number if card.replaced_by_id else "")


def look_up(session: Session, number: str) -> CardView:
    """A card by its number, swiped or typed. A number no card has and that fails the
    Luhn check digit is reported as a typo, so the cashier retypes instead of doubting
    the card; cards of products without a check digit are found as they are."""
    permissions.require(session, permissions.QUERY)
    try:
        return view(get_card(number))
    except NotFound:
        if not luhn_ok(normalize_number(number)):
            raise NotFound(N_("The card number fails its check digit: retype it.")) from None
        raise


def ensure_usable(card: models.Card, today: dt.date) -> None:
    """Lost, frozen, expired, replaced, blank and void cards each get their own message."""
    status = card.status
    if status == "active" and card.expires_on is not None and card.expires_on < today:
        status = "expired"
    if status == "active":
        return
    replaced_by = mask_card_number(card.replaced_by.number) if card.replaced_by_id else ""
    raise CardUnusable(STATUS_MESSAGES.get(status, CardUnusable.default_message),
                       replaced_by=replaced_by)


def check_pin(session: Session, card: models.Card, pin: str | None) -> None:
    """Verify the customer's PIN in its own committed transaction, so a wrong try counts
    even though the sale that asked for it is refused. Three wrong tries lock the card,
    on every terminal, across restarts."""
    if not card.pin_hash:
        return
    if card.pin_locked:
        raise PinLocked()
    if pin and session.hasher.verify(card.pin_hash, pin):
        if card.pin_failures:
            lockout.clear_failures(models.Card, card.id, models.Card.pin_failures)
        return
    failures, locked = lockout.record_failure(
        session, models.Card, card.id, failures=models.Card.pin_failures,
        locked=models.Card.pin_locked, action="pin.wrong", subject=f"card:{card.number}")
    if locked:
        raise PinLocked()
    raise WrongPin(tries_left=lockout.MAX_FAILURES - failures)


def look_up_by_uid(session: Session, identifier: str) -> CardView:
    """A smart card bound at issue by its UID (or ATR)."""
    permissions.require(session, permissions.QUERY)
    card = models.Card.get_or_none(models.Card.uid == identifier)
    if card is None:
        raise NotFound(N_("This smart card is not bound to any account."))
    return view(card)
