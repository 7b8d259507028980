"""Operators: login, lockout, password rules, same-level review."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from kiosk.errors import KioskError, N_, PermissionDenied
from kiosk.services import audit, directory, lockout, permissions, shifts
from kiosk.services.session import Actor, Session
from kiosk.store import models
from kiosk.store.db import database

_PASSWORD_RULE = re.compile(r"(?=.*[A-Za-z])(?=.*\d)[A-Za-z\d]{8,12}")


class LoginFailed(KioskError):
    default_message = N_("Wrong outlet, login id or password. {tries_left} tries left.")


class OperatorLocked(KioskError):
    default_message = N_("This operator is locked after 3 wrong passwords; a supervisor "
                         "must unlock it.")


class PasswordRejected(KioskError):
    default_message = N_("A password has 8-12 letters and digits, with at least one of each.")


@dataclass(frozen=True)
class LoginResult:
    actor: Actor
    operator_name: str
    role: str
    permissions: frozenset[str]
    must_change_password: bool


def check_password_rule(password: str) -> None:
    if not _PASSWORD_RULE.fullmatch(password or ""):
        raise PasswordRejected()


def create_operator(session: Session, *, outlet: models.Outlet, login_id: str, name: str,
                    role: str, password: str, must_change: bool = False) -> models.Operator:
    permissions.require(session, permissions.ADMIN)
    check_password_rule(password)
    with database.atomic():
        operator = models.Operator.create(
            outlet=outlet, login_id=login_id, name=name,
            role=models.Role.get(models.Role.name == role),
            password_hash=session.hasher.hash(password), password_changed_at=session.now(),
            must_change_password=must_change)
        audit.append(session, "operator.create", subject=f"operator:{login_id}",
                     details={"role": role, "outlet": outlet.code})
    return operator


def _find(outlet_code: str, login_id: str) -> models.Operator | None:
    return (models.Operator.select().join(models.Outlet, on=models.Operator.outlet)
            .where(models.Outlet.code == outlet_code, models.Operator.login_id == login_id)
            .first())


def _check_credentials(session: Session, operator: models.Operator | None,
                       password: str) -> models.Operator:
    """Verify a password; count and lock failures in their own committed transaction."""
    if operator is None or not operator.active:
        session.hasher.verify("", password)  # same time as a real check: no user oracle
        raise LoginFailed(N_("Wrong outlet, login id or password."))
    if operator.locked:
        raise OperatorLocked()
    if session.hasher.verify(operator.password_hash, password):
        if operator.failed_tries:
            lockout.clear_failures(models.Operator, operator.id, models.Operator.failed_tries)
        return operator
    failures, locked = lockout.record_failure(
        session, models.Operator, operator.id, failures=models.Operator.failed_tries,
        locked=models.Operator.locked, action="login.failed",
        subject=f"operator:{operator.login_id}")
    if locked:
        raise OperatorLocked()
    raise LoginFailed(tries_left=lockout.MAX_FAILURES - failures)


def login(session: Session, *, outlet_code: str, login_id: str, password: str,
          terminal_code: str | None = None) -> LoginResult:
    """`session` is the terminal's system session; the result's actor is the operator."""
    operator = _check_credentials(session, _find(outlet_code, login_id), password)
    terminal = models.Terminal.get_or_none(models.Terminal.outlet == operator.outlet_id,
                                           models.Terminal.code == (terminal_code or ""))
    actor = Actor(outlet_id=operator.outlet_id, terminal_id=terminal.id if terminal else None,
                  operator_id=operator.id)
    actor = replace(actor, shift_id=shifts.open_or_resume(session.as_actor(actor)).id)
    max_age = dt.timedelta(days=session.runtime.settings.password_max_age_days)
    expired = operator.password_changed_at + max_age < session.now()
    audit.append(session.as_actor(actor), "login", subject=f"operator:{operator.login_id}")
    return LoginResult(actor=actor, operator_name=operator.name, role=operator.role.name,
                       permissions=frozenset(permissions.permissions_of(operator.id)),
                       must_change_password=expired or operator.must_change_password)


def authorise_review(session: Session, review, permission: str) -> models.Operator:
    """Same-level review: another operator of this outlet with `permission` (and the
    review right) types login id and password at this terminal."""
    outlet_code = directory.actor_info(session.actor).outlet_code
    reviewer = _check_credentials(session, _find(outlet_code, review.login_id), review.password)
    if reviewer.id == session.actor.operator_id:
        raise PermissionDenied(N_("The reviewer must be a different operator."))
    granted = permissions.permissions_of(reviewer.id)
    if permissions.REVIEW not in granted or permission not in granted:
        raise PermissionDenied(N_("{login_id} may not authorise this."),
                               login_id=review.login_id)
    return reviewer


def change_password(session: Session, *, old_password: str, new_password: str) -> None:
    operator = models.Operator.get_by_id(session.actor.operator_id)
    _check_credentials(session, operator, old_password)
    check_password_rule(new_password)
    if session.hasher.verify(operator.password_hash, new_password) or \
            session.hasher.verify(operator.previous_password_hash, new_password):
        raise PasswordRejected(N_("The new password must differ from the last one."))
    with database.atomic():
        models.Operator.update(
            previous_password_hash=operator.password_hash,
            password_hash=session.hasher.hash(new_password), password_changed_at=session.now(),
            must_change_password=False).where(models.Operator.id == operator.id).execute()
        audit.append(session, "password.change", subject=f"operator:{operator.login_id}")


def unlock(session: Session, *, operator_id: int) -> None:
    permissions.require(session, permissions.REVIEW)
    with database.atomic():
        operator = models.Operator.get_by_id(operator_id)
        models.Operator.update(locked=False, failed_tries=0).where(
            models.Operator.id == operator_id).execute()
        audit.append(session, "operator.unlock", subject=f"operator:{operator.login_id}")


def reset_password(session: Session, *, operator_id: int, new_password: str) -> None:
    """An administrator sets a one-time password; the operator must change it at login."""
    permissions.require(session, permissions.ADMIN)
    check_password_rule(new_password)
    with database.atomic():
        operator = models.Operator.get_by_id(operator_id)
        models.Operator.update(
            password_hash=session.hasher.hash(new_password), password_changed_at=session.now(),
            must_change_password=True, locked=False, failed_tries=0).where(
            models.Operator.id == operator_id).execute()
        audit.append(session, "password.reset", subject=f"operator:{operator.login_id}")


def confirm_identity(session: Session, password: str) -> None:
    """The logged-in operator proves it is still them (the lock screen); wrong tries
    count towards the lockout like any login."""
    operator = models.Operator.get_by_id(session.actor.operator_id)
    _check_credentials(session, operator, password)
