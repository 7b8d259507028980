"""Operators and their roles: whether one may act right now (the money path's statement),
and what login and administration read and change."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.store import models, sql


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


# -- operators, roles and rights as administration and login read and change them --------
Operator, Role, RolePermission = models.Operator, models.Role, models.RolePermission


def find(outlet_code: str, login_id: str) -> models.Operator | None:
    """The operator logging in at the outlet with this code."""
    return (Operator.select().join(models.Outlet, on=Operator.outlet)
            .where(models.Outlet.code == outlet_code, Operator.login_id == login_id).first())


def at_outlet(outlet_id: int, login_id: str) -> models.Operator | None:
    return Operator.get_or_none(Operator.outlet == outlet_id, Operator.login_id == login_id)


def by_id(operator_id: int) -> models.Operator:
    return Operator.get_by_id(operator_id)


def by_id_or_none(operator_id: int | None) -> models.Operator | None:
    return Operator.get_or_none(Operator.id == operator_id) if operator_id else None


def any_registered() -> bool:
    return Operator.select().exists()


def add(*, role: str, **values) -> models.Operator:
    """A new operator with the role named `role` (which must exist)."""
    return Operator.create(role=Role.get(Role.name == role), **values)


def change(operator_id: int, **values) -> None:
    Operator.update(values).where(Operator.id == operator_id).execute()


def record_login_change(operator_id: int, old: str, new: str, at, by: int | None) -> None:
    models.OperatorLoginChange.create(operator=operator_id, old_login_id=old, new_login_id=new,
                                      changed_at=at, changed_by=by)


def role_named(name: str) -> models.Role | None:
    return Role.get_or_none(Role.name == name)


def ensure_role(name: str, **defaults) -> models.Role:
    """The role, made with `defaults` if there is none by that name."""
    role, _ = Role.get_or_create(name=name, defaults=defaults)
    return role


def grant(role_id: int, permission: str) -> None:
    RolePermission.get_or_create(role=role_id, permission=permission)


def revoke(role_id: int, permission: str) -> None:
    RolePermission.delete().where(RolePermission.role == role_id,
                                  RolePermission.permission == permission).execute()


def rights_of(operator_id: int) -> set[str]:
    """The rights of the operator's role, or none for an operator who is locked,
    deactivated or still on a one-time password."""
    query = (RolePermission.select(RolePermission.permission)
             .join(Operator, on=(Operator.role == RolePermission.role))
             .where(Operator.id == operator_id, Operator.active == True,  # noqa: E712
                    Operator.locked == False,  # noqa: E712
                    Operator.must_change_password == False))  # noqa: E712
    return {row.permission for row in query}


def login_ids(operator_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {operator_id for operator_id in operator_ids if operator_id is not None}
    return dict(Operator.select(Operator.id, Operator.login_id)
                .where(Operator.id.in_(ids)).tuples()) if ids else {}
