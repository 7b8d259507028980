"""Members: registration and edits (with history), and lookup by any field or
combination, paged, on indexes (phone, ID number, name prefix, card number).

Phone and ID numbers leave this module masked (138****8000, 110***********4514);
reveal() gives them in full to a role with member.reveal, and audits every look."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple


from kiosk.errors import InvalidInput, N_, NotFound
from kiosk.identity import mask_id_number, mask_phone, normalise_id_number, normalise_phone
from kiosk.services import audit, directory, permissions, prepaid, scope
from kiosk.services.business_date import calendar_business_date, local_time
from kiosk.services.session import Session
from kiosk.store import members as member_store
from kiosk.store import models
from kiosk.text import plain_text

MAX_PAGE = 100


class MemberRow(NamedTuple):  # a tuple: rows are made straight from the cursor's
    member_id: int
    name: str
    phone: str
    level: str
    region: str


@dataclass(frozen=True)
class MemberQuery:
    phone: str = ""
    name_prefix: str = ""
    card_number: str = ""
    old_card_number: str = ""
    id_number: str = ""
    level: str = ""
    source: str = ""
    region: str = ""


def search(session: Session, query: MemberQuery, *, page: int = 0,
           page_size: int = 20, mode: str | None = None) -> list[MemberRow]:
    """Members matching every field given. `mode` is the member query's switch: store
    mode (this outlet's members: registered here or holding one of its cards) or
    unified mode (the chain's, with a chain-wide right); None is the lookup another
    screen makes to pick a member by phone (a chain's member is served anywhere)."""
    permissions.require(session, permissions.QUERY)
    plain_text(*vars(query).values())
    if not 1 <= page_size <= MAX_PAGE or page < 0:
        raise InvalidInput(N_("Pages hold 1 to {most} rows."), most=MAX_PAGE)
    asked: dict = {name: value for name, value in vars(query).items() if value}
    if mode is not None and (outlet_id := scope.outlet_in_scope(session, mode)) is not None:
        asked["outlet"] = outlet_id
    rows = member_store.search(asked, page_size, page * page_size)
    return [MemberRow(member_id, name, _masked("phone", phone), level, region)
            for member_id, name, phone, level, region in rows]


MAX_NAME = 50
MAX_TAGS = 200
EDITABLE = ("name", "phone", "id_number", "level", "source", "region", "tags")
MASKS = {"phone": mask_phone, "id_number": mask_id_number}


def _masked(field: str, value: str) -> str:
    """The value as screens and lists show it: phone and ID number masked."""
    return MASKS[field](value) if field in MASKS and value else value


class DuplicatePhone(InvalidInput):
    default_message = N_("{count} member(s) already use this phone; confirm to share it "
                         "(family members often do).")


@dataclass(frozen=True)
class MemberDetails:
    name: str
    phone: str
    id_number: str = ""
    level: str = ""
    source: str = ""
    region: str = ""
    tags: str = ""


def _clean(details: MemberDetails) -> dict:
    plain_text(*vars(details).values())
    name = " ".join(details.name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(N_("A name has 1 to {most} characters."), most=MAX_NAME,
                           field="name")
    if len(details.tags) > MAX_TAGS or any(
            len(value) > 30 for value in (details.level, details.source, details.region)):
        raise InvalidInput(N_("A field is too long."))
    return {"name": name, "phone": normalise_phone(details.phone),
            "id_number": normalise_id_number(details.id_number) if details.id_number else "",
            "level": details.level.strip(), "source": details.source.strip(),
            "region": details.region.strip(), "tags": details.tags.strip()}


def _check_shared_phone(phone: str, member_id: int | None, confirmed: bool) -> None:
    count = member_store.sharing_phone(phone, besides=member_id)
    if count and not confirmed:
        raise DuplicatePhone(count=count)


def register(session: Session, details: MemberDetails, *,
             shared_phone_confirmed: bool = False) -> int:
    """A new member; returns the member id. Duplicate phones need a confirmation."""
    permissions.require(session, permissions.MEMBER_EDIT)
    fields = _clean(details)
    with audit.transaction(session):
        _check_shared_phone(fields["phone"], None, shared_phone_confirmed)
        member = member_store.add(outlet=session.actor.outlet_id, created_at=session.now(),
                                  **fields)
        audit.append(session, "member.register", subject=f"member:{member.id}")
    return member.id


def edit(session: Session, member_id: int, details: MemberDetails, *,
         shared_phone_confirmed: bool = False) -> list[str]:
    """Change a member; every changed field is kept as history. Returns what changed.
    A phone or ID number sent back masked, as get() gave it, stays as it is."""
    permissions.require(session, permissions.MEMBER_EDIT)
    with audit.transaction(session):
        member = _member(member_id)
        fields = _clean(_unmasked(details, member))
        prepaid.ensure_kept(member_id, fields, calendar_business_date(session))
        if fields["phone"] != member.phone:
            _check_shared_phone(fields["phone"], member_id, shared_phone_confirmed)
        changed = [name for name in EDITABLE if getattr(member, name) != fields[name]]
        for name in changed:
            member_store.record_change(member=member_id, field=name,
                                       old_value=getattr(member, name), new_value=fields[name],
                                       changed_at=session.now(),
                                       operator=session.actor.operator_id)
        if changed:
            member_store.change(member_id, **{name: fields[name] for name in changed})
            audit.append(session, "member.edit", subject=f"member:{member_id}",
                         details={"fields": changed})
    return changed


def _unmasked(details: MemberDetails, member: models.Member) -> MemberDetails:
    """The form shows what get() gave: a masked value sent back unchanged keeps the
    stored one."""
    kept = {field: getattr(member, field) for field in MASKS
            if getattr(details, field) and
            getattr(details, field) == _masked(field, getattr(member, field))}
    return replace(details, **kept)


@dataclass(frozen=True)
class MemberRecord:
    member_id: int
    details: MemberDetails  # phone and ID number masked
    cards: list[tuple[str, str, str]]  # (masked number, product name, status)
    # (when, in the outlet's time; field name; old; new), newest first, masked
    history: list[tuple[str, str, str, str]]


def get(session: Session, member_id: int) -> MemberRecord:
    permissions.require(session, permissions.QUERY)
    from kiosk.services.operations import mask_card_number
    member = _member(member_id)
    details = MemberDetails(**{name: _masked(name, getattr(member, name)) for name in EDITABLE})
    cards = [(mask_card_number(card.number), card.product.name, card.status)
             for card in member_store.cards_of(member.id)]
    time_zone = directory.actor_info(session.actor).time_zone
    history = [(local_time(change.changed_at, time_zone).strftime("%Y-%m-%d %H:%M"),
                change.field,
                _masked(change.field, change.old_value), _masked(change.field, change.new_value))
               for change in member_store.latest_changes(member.id, 20)]
    return MemberRecord(member.id, details, cards, history)


def reveal(session: Session, member_id: int) -> MemberDetails:
    """The member's details with phone and ID number in full, for a role with
    member.reveal; every reveal is an audit event."""
    permissions.require(session, permissions.MEMBER_REVEAL)
    with audit.transaction(session):
        member = _member(member_id)
        audit.append(session, "member.reveal", subject=f"member:{member.id}")
    return MemberDetails(**{name: getattr(member, name) for name in EDITABLE})


def _member(member_id: int) -> models.Member:
    member = member_store.by_id(member_id)
    if member is None:
        raise NotFound(N_("No such member."))
    return member
