"""A card's details (卡资料修改), as the fuel-card manual has them: its holder, its
vehicle's plate (车牌号) and a remark, changed by the clerk with a second operator's
review, each change kept with who made it and who reviewed it. (An anonymous card is
still named without review: card services F9 names it.)

And restrictions copied between cards (限制信息对转): one card's day limit, outlets and
categories written onto others, a main card's onto all its sub cards in one go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.errors import InvalidInput, N_, NotFound
from kiosk.services import audit, card_status, cards, directory, issuing, permissions, prepaid
from kiosk.services.business_date import local_time
from kiosk.services.session import Session
from kiosk.store import card_details as detail_store
from kiosk.store import cards as card_store
from kiosk.store import members as member_store
from kiosk.store import models
from kiosk.store import sub_cards as sub_card_store
from kiosk.text import plain_text

# A mainland plate: a province's character, a letter, then 5 (6 for new energy) more.
_PLATE = re.compile(r"[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}")
MAX_REMARK = 200
FIELD_NAMES = {"holder": N_("Holder"), "plate_number": N_("Plate number"),
               "remark": N_("Remark")}


@dataclass(frozen=True)
class CardDetails:
    """What the clerk typed: the holder (a member; None: unchanged for a named card),
    the plate and the remark (empty: none)."""

    member_id: int | None = None
    plate_number: str = ""
    remark: str = ""


@dataclass(frozen=True)
class DetailChange:
    at: str
    field: str  # a message id
    old: str
    new: str
    by: str
    reviewer: str


@dataclass(frozen=True)
class CardDetailsView:
    number: str
    holder: str  # masked
    plate_number: str
    remark: str
    history: tuple[DetailChange, ...]


def plate(text: str) -> str:
    """沪a 12345 -> 沪A12345; a plate that is not one is refused."""
    cleaned = "".join((text or "").replace("·", "").split()).upper()
    if cleaned and not _PLATE.fullmatch(cleaned):
        raise InvalidInput(N_("A plate number is written like 沪A12345 (a new-energy one like "
                              "沪AD12345)."), field="plate_number")
    return cleaned


def details_of(session: Session, number: str) -> CardDetailsView:
    permissions.require(session, permissions.QUERY)
    card = cards.get_card(number)
    time_zone = directory.actor_info(session.actor).time_zone
    history = tuple(DetailChange(local_time(at, time_zone).strftime("%Y-%m-%d %H:%M"),
                                 FIELD_NAMES.get(field, field), old, new, by or "",
                                 reviewer or "")
                    for at, field, old, new, by, reviewer in detail_store.changes_of(card.id))
    return CardDetailsView(card.number, cards.view(card).holder, card.plate_number,
                           card.remark, history)


def change_details(session: Session, number: str, details: CardDetails, *,
                   review=None) -> CardDetailsView:
    """The card's holder, plate and remark as typed, with review; what changed is kept
    field by field. A named prepaid card's new holder needs a name and an ID number."""
    permissions.require(session, permissions.CARD_MANAGE)
    plain_text(details.remark)
    new_plate = plate(details.plate_number)
    remark = " ".join((details.remark or "").split())
    if len(remark) > MAX_REMARK:
        raise InvalidInput(N_("At most {most} characters, please."), most=MAX_REMARK,
                           field="remark")
    card = cards.get_card(number)
    holder = _holder(details.member_id, card)
    if not _changes(card, holder, new_plate, remark):
        raise InvalidInput(N_("Nothing was changed."))
    reviewer = issuing.require_review(session, review, permissions.CARD_MANAGE,
                                      N_("Changing a card's details"))
    with audit.transaction(session):
        card_now = card_store.locked(card.id)
        if card_now.status not in card_status.HOLDS_MONEY:
            raise InvalidInput(N_("This card is closed or replaced: its details no longer "
                                  "change."))
        changes = _changes(card_now, holder, new_plate, remark)
        fields = {"plate_number": new_plate, "remark": remark}
        if holder is not None and holder.id != card_now.member_id:
            fields.update(member=holder.id, anonymous=False)
            if card_now.anonymous and prepaid.is_prepaid(card_now.product):
                fields["expires_on"] = None  # a named prepaid card never expires
        card_store.change(card_now.id, **fields)
        detail_store.record_changes(card_now.id, changes, at=session.now(),
                                    operator_id=session.actor.operator_id,
                                    reviewer_id=reviewer)
        audit.append(session, "card.details", subject=f"card:{card_now.number}",
                     details={"changed": [field for field, _, _ in changes],
                              "member": fields.get("member"), "reviewer": reviewer})
    return details_of(session, number)


def _holder(member_id: int | None, card: models.Card) -> models.Member | None:
    if member_id is None:
        return None
    member = member_store.by_id(member_id)
    if member is None:
        raise NotFound(N_("No such member."))
    if prepaid.is_prepaid(card.product):
        prepaid.check_named_holder(member, company=card.company)
    return member


def _changes(card: models.Card, holder: models.Member | None, new_plate: str,
             remark: str) -> list[tuple[str, str, str]]:
    changes = []
    if holder is not None and holder.id != card.member_id:
        old = cards.mask_name(card.member.name) if card.member_id else ""
        changes.append(("holder", old, cards.mask_name(holder.name)))
    if new_plate != card.plate_number:
        changes.append(("plate_number", card.plate_number, new_plate))
    if remark != card.remark:
        changes.append(("remark", card.remark, remark))
    return changes


def copy_restrictions(session: Session, from_number: str, to_numbers: list[str]) -> int:
    """限制信息对转: card `from_number`'s day limit, outlets and categories written onto
    each of `to_numbers`; how many cards took them."""
    permissions.require(session, permissions.CARD_MANAGE)
    source = cards.get_card(from_number)
    targets = [cards.get_card(number) for number in dict.fromkeys(to_numbers)]
    targets = [card for card in targets if card.id != source.id]
    if not targets:
        raise InvalidInput(N_("Name a card other than the one the limits come from."))
    rules = detail_store.restrictions(source)
    with audit.transaction(session):
        for card in targets:
            card_store.change(card.id, **rules)
            audit.append(session, "card.restrictions", subject=f"card:{card.number}",
                         details={**rules, "copied_from": source.number})
    return len(targets)


def copy_to_sub_cards(session: Session, main_number: str) -> int:
    """A main card's restrictions onto every sub card it has in use."""
    permissions.require(session, permissions.CARD_MANAGE)
    main = cards.get_card(main_number)
    subs = [card.number for card in sub_card_store.of_main(main.id)
            if card.status in card_store.SUB_CARDS_IN_USE]
    if not subs:
        raise InvalidInput(N_("This card has no sub cards in use."))
    return copy_restrictions(session, main.number, subs)
