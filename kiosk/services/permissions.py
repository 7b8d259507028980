"""Permissions are checked inside every operation, whatever the screen allowed."""

from __future__ import annotations

import time

from kiosk.errors import N_, PermissionDenied
from kiosk.services.session import Session
from kiosk.store import models
from kiosk.store.db import store_key

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

ALL = (CHARGE, REFUND, RECHARGE, REVIEW, QUERY, CARD_ISSUE, CARD_MANAGE, MEMBER_EDIT,
       MEMBER_REVEAL, TRANSFER, SHIFT_CLOSE, DAY_CLOSE, FINANCE, ADMIN, KIOSK_EXIT)

DEFAULT_ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "cashier": ("收银员", (CHARGE, QUERY, SHIFT_CLOSE)),
    "clerk": ("会员中心专员", (CHARGE, QUERY, RECHARGE, CARD_ISSUE, CARD_MANAGE, MEMBER_EDIT,
                          TRANSFER, SHIFT_CLOSE)),
    "supervisor": ("片区主管", (CHARGE, QUERY, RECHARGE, REFUND, REVIEW, CARD_ISSUE, CARD_MANAGE,
                            MEMBER_EDIT, MEMBER_REVEAL, TRANSFER, SHIFT_CLOSE, DAY_CLOSE,
                            KIOSK_EXIT)),
    "finance": ("财务", (QUERY, FINANCE, DAY_CLOSE, REVIEW)),
    "admin": ("管理员", ALL),
}


def ensure_default_roles() -> None:
    for name, (title, granted) in DEFAULT_ROLES.items():
        role, _ = models.Role.get_or_create(name=name, defaults={"title": title})
        for permission in granted:
            models.RolePermission.get_or_create(role=role, permission=permission)


# Roles change rarely; a few seconds' cache keeps a permission query off every sale.
PERMISSION_CACHE_SECONDS = 5.0
_cache: dict[tuple, tuple[float, frozenset[str]]] = {}


def permissions_of(operator_id: int) -> frozenset[str]:
    key = (store_key(), operator_id)
    cached = _cache.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < PERMISSION_CACHE_SECONDS:
        return cached[1]
    granted = frozenset(_load_permissions(operator_id))
    _cache[key] = (now, granted)
    return granted


def _load_permissions(operator_id: int) -> set[str]:
    query = (models.RolePermission.select(models.RolePermission.permission)
             .join(models.Operator, on=(models.Operator.role == models.RolePermission.role))
             .where(models.Operator.id == operator_id, models.Operator.active == True))  # noqa: E712
    return {row.permission for row in query}


def has_permission(operator_id: int | None, permission: str) -> bool:
    return operator_id is None or permission in permissions_of(operator_id)


def require(session: Session, permission: str) -> None:
    if not has_permission(session.actor.operator_id, permission):
        raise PermissionDenied(N_("Your role may not do this ({permission})."),
                               permission=permission)


def require_any(session: Session, *wanted: str) -> None:
    """One of several rights will do (the supervisor's and finance's shared views)."""
    if not any(has_permission(session.actor.operator_id, p) for p in wanted):
        raise PermissionDenied(N_("Your role may not do this ({permission})."),
                               permission=" / ".join(wanted))
