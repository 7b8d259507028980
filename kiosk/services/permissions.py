"""Permissions are checked inside every operation, whatever the screen allowed."""

from __future__ import annotations


from kiosk.errors import N_, PermissionDenied, Phrase
from kiosk.services import caches
from kiosk.services.session import Session
from kiosk.store import operators as operator_store
from kiosk.store.schema import ROLES_WITHOUT_CASH_SHIFT

CHARGE = "charge"
REFUND = "refund"
RECHARGE = "recharge"
REVIEW = "review"              # same-level review (同级复核授权)
QUERY = "query"
CARD_ISSUE = "card.issue"
CARD_MANAGE = "card.manage"    # loss, replacement, PIN reset, restrictions
MEMBER_EDIT = "member.edit"
MEMBER_REVEAL = "member.reveal"  # a member's full phone and ID number (audited each time)
TRANSFER = "transfer"
SHIFT_CLOSE = "shift.close"
DAY_CLOSE = "day.close"
FINANCE = "finance"
ADMIN = "admin"
KIOSK_EXIT = "kiosk.exit"      # leave kiosk mode, quit the app
REFUND_ANY_OUTLET = "refund.any_outlet"  # refund a charge made at another outlet
STOCK_MANAGE = "stock.manage"  # blank cards in and out of a stock: receive, send, scrap

ALL = (CHARGE, REFUND, RECHARGE, REVIEW, QUERY, CARD_ISSUE, CARD_MANAGE, MEMBER_EDIT,
       MEMBER_REVEAL, TRANSFER, SHIFT_CLOSE, DAY_CLOSE, FINANCE, ADMIN, KIOSK_EXIT,
       REFUND_ANY_OUTLET, STOCK_MANAGE)

# What each right lets a person do, as a refusal names it ("Your role may not ...").
DESCRIPTIONS = {
    CHARGE: N_("charge a card"),
    REFUND: N_("refund a charge"),
    RECHARGE: N_("recharge a card"),
    REVIEW: N_("review another operator's operation"),
    QUERY: N_("look up cards and journals"),
    CARD_ISSUE: N_("issue a card"),
    CARD_MANAGE: N_("report loss, replace cards or reset PINs"),
    MEMBER_EDIT: N_("register or edit members"),
    MEMBER_REVEAL: N_("see a member's phone and ID number in full"),
    TRANSFER: N_("transfer between cards"),
    SHIFT_CLOSE: N_("close a shift"),
    DAY_CLOSE: N_("close the day"),
    FINANCE: N_("use the finance functions"),
    ADMIN: N_("administer the chain"),
    KIOSK_EXIT: N_("leave kiosk mode"),
    REFUND_ANY_OUTLET: N_("refund another outlet's charge"),
    STOCK_MANAGE: N_("manage the blank card stock"),
}


def _refusal(*wanted: str) -> PermissionDenied:
    what = tuple(Phrase(DESCRIPTIONS.get(permission, permission)) for permission in wanted)
    # The right's code is what `kiosk admin grant` takes; a Chinese screen names it.
    return PermissionDenied(N_("Your role may not {what} (right: {permission})."),
                            what=what, permission=tuple(Phrase(code) for code in wanted))


DEFAULT_ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "cashier": ("收银员", (CHARGE, QUERY, SHIFT_CLOSE)),
    "clerk": ("会员中心专员", (CHARGE, QUERY, RECHARGE, CARD_ISSUE, CARD_MANAGE, MEMBER_EDIT,
                          TRANSFER, SHIFT_CLOSE)),
    "supervisor": ("片区主管", (CHARGE, QUERY, RECHARGE, REFUND, REVIEW, CARD_ISSUE, CARD_MANAGE,
                            MEMBER_EDIT, MEMBER_REVEAL, TRANSFER, SHIFT_CLOSE, DAY_CLOSE,
                            KIOSK_EXIT, STOCK_MANAGE)),
    "finance": ("财务", (QUERY, FINANCE, DAY_CLOSE, REVIEW)),
    "admin": ("管理员", ALL),
}


def ensure_default_roles() -> None:
    for name, (title, granted) in DEFAULT_ROLES.items():
        role = operator_store.ensure_role(
            name, title=title, opens_cash_shift=name not in ROLES_WITHOUT_CASH_SHIFT)
        for permission in granted:
            operator_store.grant(role.id, permission)


# Roles change rarely; a few seconds' cache keeps a permission query off every sale. A
# change made in this process is forgotten at once (forget); one made by another
# process counts here within these seconds, and every operation decides on the rights
# read fresh anyway (ensure_can_act).
PERMISSION_CACHE_SECONDS = 5.0


def permissions_of(operator_id: int) -> frozenset[str]:
    return caches.of_open_store().permissions.within(
        operator_id, PERMISSION_CACHE_SECONDS,
        lambda: frozenset(operator_store.rights_of(operator_id)))


def forget(operator_id: int | None = None) -> None:
    """An operator's role, lock or password changed (None: a role's rights, so anyone's):
    ask the database again."""
    caches.of_open_store().permissions.forget(
        None if operator_id is None else lambda key: key == operator_id)


def ensure_can_act(session: Session, permission: str) -> None:
    """The decision inside an operation's transaction, read fresh (not cached): the
    operator exists, is active and unlocked, has changed a one-time password, and
    the role grants `permission`. The system itself (no operator) always may."""
    operator_id = session.actor.operator_id
    if operator_id is None:
        return
    ensure_standing(operator_store.standing(operator_id, permission), permission)


def ensure_standing(standing: operator_store.Standing | None, permission: str) -> None:
    """ensure_can_act on the operator's standing read inside the transaction (an
    operation reads it with the rest of what it decides on)."""
    if standing is None or not standing.active or standing.locked:
        raise PermissionDenied(N_("This operator is locked or deactivated; log in again "
                                  "or ask a supervisor."))
    if standing.must_change_password:
        raise PermissionDenied(N_("Change your one-time password before you do anything "
                                  "else."))
    if not standing.granted:
        raise _refusal(permission)


def has_permission(operator_id: int | None, permission: str) -> bool:
    return operator_id is None or permission in permissions_of(operator_id)


def require(session: Session, permission: str) -> None:
    if not has_permission(session.actor.operator_id, permission):
        raise _refusal(permission)


def require_any(session: Session, *wanted: str) -> None:
    """One of several rights will do (the supervisor's and finance's shared views)."""
    if not any(has_permission(session.actor.operator_id, p) for p in wanted):
        raise _refusal(*wanted)
