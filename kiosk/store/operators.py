"""Operators as the money path reads them: whether one may act right now."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.store import sql


@dataclass(frozen=True)
class Standing:
    active: bool
    locked: bool
    must_change_password: bool
    granted: bool  # the operator's role has the permission asked about


_STANDING = sql.Statement(
    'SELECT o."active", o."locked", o."must_change_password", '
    'EXISTS (SELECT 1 FROM "role_permission" AS rp WHERE rp."role_id" = o."role_id" '
    'AND rp."permission" = ?) FROM "operator" AS o WHERE o."id" = ?')


def standing(operator_id: int, permission: str) -> Standing | None:
    """Read fresh inside the operation's transaction: an operator locked or deactivated
    a moment ago is refused at their next operation."""
    row = _STANDING.first(permission, operator_id)
    return Standing(*(bool(value) for value in row)) if row else None
