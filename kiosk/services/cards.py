"""Cards as the counter sees them: lookup, status rules and the customer's PIN."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.errors import InvalidInput, KioskError, N_, NotFound
from kiosk.hw.tracks import luhn_ok
from kiosk.identity import mask_name  # noqa: F401 (the services' and screens' mask_name)
from kiosk.services import card_status, lockout, permissions, policies, prepaid
from kiosk.services.accounts import balances
from kiosk.services.business_date import current_business_date
from kiosk.services.card_status import CardStatus, CardUnusable  # noqa: F401 (re-exported)
from kiosk.services.operations import mask_card_number
from kiosk.services.session import Session
from kiosk.services.tiers import tier_offer
from kiosk.store import cards as card_store
from kiosk.store import models, tries


class WrongPin(KioskError):
    default_message = N_("Wrong PIN. {tries_left} tries left.")


class PinLocked(KioskError):
    # The tries are the chain's rule (policies: pin_tries); an anonymous card has no ID
    # to bring: a supervisor reviews its unlock.
    default_message = N_("The PIN is locked after too many wrong tries. The member centre "
                         "unlocks it (a named card's holder brings their ID).")


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
    signature_required: bool
    tier_offer: str = ""  # a higher tier the points reach: the member centre upgrades
    replaced_by: str = ""  # the number of the card that replaced this one
    pin_locked: bool = False
    forbidden_categories: str = ""  # the product's and the card's own, comma separated
    refusal: KioskError | None = None  # why a sale here would be refused (charge.for_sale)
    company: bool = False  # a company's card: its purchases are a company's (预付卡规定)
    anonymous: bool = False  # 不记名: no holder yet, may be named
    is_main_card: bool = False  # a company's main card, which allocates to sub cards
    at_insurer: bool = False  # its insurer keeps the balance: principal is the insurer's


def normalize_number(text: str) -> str:
    return "".join(text.split())


def get_card(number: str) -> models.Card:
    """The card with its product (every sale asks: both by primary or unique key)."""
    card = card_store.by_number(normalize_number(number))
    if card is None:
        raise NotFound(N_("No card with number {number}."), number=mask_card_number(number))
    return card


def before_sale(number: str, outlet_id: int, key: str) -> card_store.BeforeSale:
    """The card as a sale under `key` at the outlet first reads it, with what is checked
    before the PIN (one statement): see card_store.BeforeSale."""
    found = card_store.before_sale(normalize_number(number), outlet_id, key)
    if found is None:
        raise NotFound(N_("No card with number {number}."), number=mask_card_number(number))
    return found


def locked_for_spending(card_id: int, today: dt.date) -> models.Card:
    """Inside an operation: the card locked and as it is now, refused unless it may
    pay (or give up its balance) today."""
    card = card_store.locked(card_id)
    ensure_usable(card, today)
    return card


def locked_for_sale(card_id: int, today: dt.date, outlet_id: int
                    ) -> tuple[models.Card, bool, dict[str, models.Account]]:
    """Inside a sale: the card as locked_for_spending gives it, whether `outlet_id`
    opened its product, and its accounts by kind, locked too (read in one statement)."""
    card, opened, accounts = card_store.locked_for_sale(card_id, outlet_id)
    ensure_usable(card, today)
    return card, opened, {account.kind: account for account in accounts}


def both_locked_for_spending(one_id: int, other_id: int, today: dt.date
                             ) -> tuple[models.Card, models.Card]:
    """Two cards an operation moves between, locked in id order (two operations on the
    same pair never wait on each other the other way round), returned as asked."""
    first, second = sorted((one_id, other_id))
    locked = {first: locked_for_spending(first, today)}
    if second != first:
        locked[second] = locked_for_spending(second, today)
    return locked[one_id], locked[other_id]


def locked_holding_money(card_id: int) -> models.Card:
    """Inside an operation: the card locked, refused unless its balances are still
    its own (not replaced, closed or void): money may be taken back from it."""
    card = card_store.locked(card_id)
    if card.status not in card_status.HOLDS_MONEY:
        raise card_status.refusal(CardStatus(card.status), _replaced_by(card))
    return card


REPLACEMENT_CHAIN_LIMIT = 20
PIN_FORMAT = re.compile(r"[0-9]{6}")  # every PIN (issuing.check_new_pin sets them so)


def locked_latest(card_id: int) -> models.Card:
    """Inside an operation: the card locked, or, if it was replaced, the card that
    replaced it (its balances went there), each locked on the way."""
    card = card_store.locked(card_id)
    for _ in range(REPLACEMENT_CHAIN_LIMIT):
        if card.status != CardStatus.REPLACED or card.replaced_by_id is None:
            break
        card = card_store.locked(card.replaced_by_id)
    return card


def locked_in_id_order(card_ids: Iterable[int]) -> dict[int, models.Card]:
    """Inside an operation: several cards locked lowest id first, by id. Every operation
    that locks more than one card does it so (both_locked_for_spending too): two that
    share cards wait on each other one way, never in a circle (a deadlock)."""
    return {card_id: card_store.locked(card_id) for card_id in sorted(set(card_ids))}


def locked_latest_in_id_order(card_ids: Iterable[int]) -> dict[int, models.Card]:
    """locked_in_id_order of each card or of the card that replaced it (locked_latest),
    by the id asked for. A replacement committed while this waited is followed last."""
    latest = {card_id: _latest_id(card_id) for card_id in card_ids}
    locked = locked_in_id_order(latest.values())
    return {card_id: locked_latest(latest_id) if locked[latest_id].status ==
            CardStatus.REPLACED else locked[latest_id] for card_id, latest_id in latest.items()}


def _latest_id(card_id: int) -> int:
    for _ in range(REPLACEMENT_CHAIN_LIMIT):
        replacing = card_store.replaced_by_id(card_id)
        if replacing is None:
            break
        card_id = replacing
    return card_id


def locked_for_credit(card_id: int) -> models.Card:
    """Inside an operation: the card money may be credited to, locked (the card that
    replaced it, if it was replaced); a closed or void card receives nothing."""
    return may_be_credited(locked_latest(card_id))


def may_be_credited(card: models.Card) -> models.Card:
    """The card, locked, refused unless it may receive money (not closed or void)."""
    if card.status not in card_status.HOLDS_MONEY:
        raise card_status.refusal(CardStatus(card.status), _replaced_by(card))
    return card


def _replaced_by(card: models.Card) -> str:
    return mask_card_number(card_store.number_of(card.replaced_by_id)) \
        if card.replaced_by_id else ""


def view(card: models.Card, today: dt.date | None = None) -> CardView:
    """The card as shown; given `today`, its state is the one that counts on that day
    (an active card past its date shows as expired)."""
    money = balances(card)
    status = card_status.effective(card.status, card.expires_on, today).value \
        if today is not None else card.status
    holder = mask_name(card.member.name) if card.member_id else ""
    forbidden = [part for part in (card.product.forbidden_categories + "," +
                                   card.forbidden_categories).split(",") if part.strip()]
    return CardView(
        number=card.number, masked_number=mask_card_number(card.number),
        product_name=card.product.name, product_kind=card.product.kind, status=status,
        holder=holder, tier=card.tier, principal=money.get("principal", 0),
        bonus=money.get("bonus", 0), points=money.get("points", 0), expires_on=card.expires_on,
        signature_required=card.product.signature_required,
        tier_offer=tier_offer(card, money.get("points", 0)) if card.status == "active" else "",
        replaced_by=card.replaced_by.number if card.replaced_by_id else "",
        pin_locked=card.pin_locked, forbidden_categories="、".join(dict.fromkeys(forbidden)),
        company=card.company, anonymous=card.anonymous,
        is_main_card=card.company and card.main_card_id is None)


# Hints for the screen, from the card as read: the operations decide again themselves.
def ensure_allocates(card: CardView) -> None:
    if not card.is_main_card:
        raise InvalidInput(N_("Only a company's main card allocates to sub cards; this card "
                              "is not one."))


def ensure_holder_moves_money(card: CardView) -> None:
    ensure_holders_money(card.product_kind, card.number)


def look_up(session: Session, number: str) -> CardView:
    """A card by its number, swiped or typed. A number no card has and that fails the
    Luhn check digit is reported as a typo, so the cashier retypes instead of doubting
    the card; cards of products without a check digit are found as they are."""
    permissions.require(session, permissions.QUERY)
    try:
        return view(get_card(number), current_business_date(session))
    except NotFound:
        typed = normalize_number(number)
        if card_store.old_card_waiting(typed):
            raise NotFound(N_("Card {number} is an old system's card: migrate it at the "
                              "member centre (menu 6) before it can be used."),
                           number=mask_card_number(number)) from None
        migrated_to = card_store.old_card_migrated_to(typed)
        if migrated_to is not None:
            raise NotFound(N_("Old card {number} was migrated: its money is on card {card}, "
                              "which the customer uses now."),
                           number=mask_card_number(number),
                           card=mask_card_number(migrated_to)) from None
        if not luhn_ok(normalize_number(number)):
            raise NotFound(N_("The card number fails its check digit: retype it.")) from None
        raise


def ensure_usable(card: models.Card, today: dt.date) -> None:
    """Lost, frozen, expired, replaced, blank and void cards each get their own message.
    An expired prepaid card's balance is never forfeited: the message says where it is
    reactivated or exchanged."""
    if card_status.effective(card.status, card.expires_on, today) is CardStatus.EXPIRED \
            and prepaid.is_prepaid(card.product):
        raise CardUnusable(N_("This card has expired; its balance is kept (prepaid card "
                              "rules): the member centre reactivates it (card services, F10) "
                              "or exchanges it."))
    card_status.ensure_spendable(card.status, card.expires_on, today, _replaced_by(card))


# Money on these products is not the holder's to move at the counter.
NOT_THE_HOLDERS = {
    "insurance": N_("Card {card} is an insurance card: its balance is its issuer's, never "
                    "transferred, recharged or paid out at the counter."),
    "internal": N_("Card {card} is an internal card: its money is the chain's own, loaded "
                   "and settled by finance only."),
}


def check_money_may_move(source: models.Card, target: models.Card | None = None) -> None:
    """Money its holder may not move at the counter: an insurance card's is its issuer's;
    an internal card's is the chain's own (finance loads and settles it,
    internal_cards.py); a company customer's card's stays among that customer's cards (its
    account's credit may have paid for it). `target` None: the money would be paid out
    or paid in at the till."""
    for card in (source, target):
        if card is not None:
            ensure_holders_money(card.product.kind, card.number)
    if target is not None and customer_of(source) != customer_of(target):
        raise KioskError(N_("Money on a company customer's card stays on that customer's "
                            "cards: card {card} is not one of them."),
                         card=mask_card_number(target.number))


def ensure_holders_money(product_kind: str, number: str) -> None:
    """The product rule of check_money_may_move alone: also a hint from a card as read
    (card services says at once why a transfer, recharge, clearing or refund is refused)."""
    if product_kind in NOT_THE_HOLDERS:
        raise KioskError(NOT_THE_HOLDERS[product_kind], card=mask_card_number(number))


def customer_of(card: models.Card) -> int | None:
    """The company customer a card belongs to: its own, or its main card's."""
    if card.customer_id is None and card.main_card_id is not None:
        return card_store.by_id(card.main_card_id).customer_id
    return card.customer_id


def ensure_move(card: models.Card, to: CardStatus) -> None:
    """Refuse a state change the card's life does not allow, saying why."""
    card_status.ensure_move(card.status, to, _replaced_by(card))


def check_pin(session: Session, card: models.Card, pin: str | None) -> None:
    """The customer's PIN: the try is claimed (and committed) before the hash is checked,
    so parallel guesses share three tries, and a wrong try counts even though the sale
    that asked for it is refused. Three wrong tries lock the card, on every terminal,
    across restarts."""
    if not card.pin_hash:
        return
    pin = unicodedata.normalize("NFKC", pin or "")  # full-width digits from an IME
    if not PIN_FORMAT.fullmatch(pin):  # an amount typed again, a slip: not a guess
        raise InvalidInput(N_("A PIN has exactly 6 digits: type the customer's PIN again "
                              "(this try was not counted)."), field="pin")
    result = lockout.check(
        session, tries.CARD_PIN, card.id,
        lambda: bool(pin) and session.hasher.verify(card.pin_hash, pin),
        action="pin.wrong", subject=f"card:{card.number}", most=policies.value("pin_tries"))
    if result.ok:
        return
    if result.locked:
        raise PinLocked()
    raise WrongPin(tries_left=result.tries_left)


def look_up_by_uid(session: Session, identifier: str) -> CardView:
    """A smart card bound at issue by its UID (or ATR)."""
    permissions.require(session, permissions.QUERY)
    card = card_store.by_uid(identifier)
    if card is None:
        raise NotFound(N_("This smart card is not bound to any account."))
    return view(card, current_business_date(session))
