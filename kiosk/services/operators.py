"""Operators: login, lockout, password rules, same-level review."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from kiosk.errors import KioskError, N_, PermissionDenied
from kiosk.services import audit, directory, lockout, permissions, policies, shifts
from kiosk.services.session import Actor, Session
from kiosk.store import models, outlets, tries
from kiosk.store import operators as operator_store

_PASSWORD_CHARACTERS = re.compile(r"(?=.*[A-Za-z])(?=.*\d)[A-Za-z\d]+")


class LoginFailed(KioskError):
    # The same words whether the account exists or not, is locked or not: the login
    # prompt must not tell a stranger which ids are real.
    default_message = N_("Wrong outlet, login id or password. After {tries} wrong passwords "
                         "an operator is locked until a supervisor unlocks it (Ctrl+O here).")


class OperatorLocked(KioskError):
    default_message = N_("This operator is locked after {tries} wrong passwords; a "
                         "supervisor must unlock it.")


class WrongPassword(KioskError):
    default_message = N_("Wrong password. {tries_left} tries left.")


class ReviewFailed(KioskError):
    default_message = N_("Wrong reviewer login id or password.")


class ReviewsLocked(KioskError):
    default_message = N_("{login_id} typed 3 wrong passwords as reviewer: their reviews are "
                         "locked until they log in at a terminal themselves.")


class PasswordRejected(KioskError):
    default_message = N_("A password has {least}-{most} letters and digits, with at least "
                         "one of each.")


@dataclass(frozen=True)
class LoginResult:
    actor: Actor
    operator_name: str
    role: str
    permissions: frozenset[str]
    must_change_password: bool


def check_password_rule(password: str) -> None:
    least, most = policies.value("password_min_length"), policies.PASSWORD_MAX_LENGTH
    if not (_PASSWORD_CHARACTERS.fullmatch(password or "") and least <= len(password) <= most):
        raise PasswordRejected(least=least, most=most)


def create_operator(session: Session, *, outlet: models.Outlet, login_id: str, name: str,
                    role: str, password: str, must_change: bool = False) -> models.Operator:
    permissions.require(session, permissions.ADMIN)
    check_password_rule(password)
    with audit.transaction(session):
        operator = operator_store.add(
            outlet=outlet, login_id=login_id, name=name, role=role,
            password_hash=session.hasher.hash(password), password_changed_at=session.now(),
            must_change_password=must_change)
        audit.append(session, "operator.create", subject=f"operator:{login_id}",
                     details={"role": role, "outlet": outlet.code})
    return operator


def _check_credentials(session: Session, operator: models.Operator | None,
                       password: str, *, logged_in: bool = False) -> models.Operator:
    """Verify a password: the try is claimed before the hash is checked (parallel
    guesses share three tries). At the login prompt unknown, inactive and locked
    accounts all get LoginFailed after the same slow hash, so it is no oracle; an
    operator already logged in (the lock screen) is told how many tries are left."""
    if operator is None:
        session.hasher.verify("", password)  # same time as a real check
        raise LoginFailed(tries=policies.value("login_tries"))
    result = lockout.check(
        session, tries.LOGIN, operator.id,
        lambda: session.hasher.verify(operator.password_hash, password),
        action="login.failed", subject=f"operator:{operator.login_id}",
        most=policies.value("login_tries"))
    if result.ok:
        return operator
    if not result.checked:
        session.hasher.verify("", password)
    if not logged_in:
        raise LoginFailed(tries=policies.value("login_tries"))
    if result.locked:
        raise OperatorLocked(tries=policies.value("login_tries"))
    raise WrongPassword(tries_left=result.tries_left)


def login(session: Session, *, outlet_code: str, login_id: str, password: str,
          terminal_code: str | None = None, at_till: bool = True) -> LoginResult:
    """`session` is the terminal's system session; the result's actor is the operator.
    Not `at_till` (the command line): no cash shift is opened, whatever the role."""
    operator = _check_credentials(session, operator_store.find(outlet_code, login_id), password)
    lockout.clear(tries.REVIEW, operator.id)  # they proved who they are
    permissions.forget(operator.id)
    directory.operator_changed(operator.id)  # a login id changed on another terminal
    terminal = outlets.terminal(operator.outlet_id, terminal_code or "")
    actor = Actor(outlet_id=operator.outlet_id, terminal_id=terminal.id if terminal else None,
                  operator_id=operator.id)
    if at_till and operator.role.opens_cash_shift:  # finance and administration handle no till
        actor = replace(actor, shift_id=shifts.open_or_resume(session.as_actor(actor)).id)
    max_age = policies.value("password_max_age_days")
    expired = bool(max_age) and \
        operator.password_changed_at + dt.timedelta(days=max_age) < session.now()
    audit.append(session.as_actor(actor), "login", subject=f"operator:{operator.login_id}")
    return LoginResult(actor=actor, operator_name=operator.name, role=operator.role.name,
                       permissions=frozenset(permissions.permissions_of(operator.id)),
                       must_change_password=expired or operator.must_change_password)


def authorise_review(session: Session, review, permission: str) -> models.Operator:
    """Same-level review: another operator of this outlet with `permission` (and the
    review right) types login id and password at this terminal. Wrong passwords here
    count on the reviewer's own review counter: three lock their reviews, never their
    login (a cashier must not be able to lock the supervisor out)."""
    return authorise_supervisor(session, review, permission, other_than_actor=True)


def check_reviewer(session: Session, review) -> None:
    """A reviewer's credentials checked as they are typed, before the request they sign
    is sent (which checks them again with its own right): the same try counter."""
    authorise_review(session, review, permissions.REVIEW)


def authorise_supervisor(session: Session, review, permission: str, *,
                         other_than_actor: bool = False) -> models.Operator:
    """A supervisor's own login and password typed for one action at any terminal (the
    supervisor's panel): the same checks and try counter as a review, but the supervisor
    may be the one logged in, or nobody may be."""
    outlet_code = directory.actor_info(session.actor).outlet_code
    reviewer = operator_store.find(outlet_code, review.login_id)
    if reviewer is None:
        session.hasher.verify("", review.password)
        raise ReviewFailed()
    if other_than_actor and reviewer.id == session.actor.operator_id:
        raise PermissionDenied(N_("The reviewer must be a different operator."))
    result = lockout.check(
        session, tries.REVIEW, reviewer.id,
        lambda: session.hasher.verify(reviewer.password_hash, review.password),
        action="review.failed", subject=f"operator:{reviewer.login_id}",
        most=policies.value("login_tries"))
    if result.locked:
        raise ReviewsLocked(login_id=reviewer.login_id)
    if not result.ok:
        raise ReviewFailed()
    granted = permissions.permissions_of(reviewer.id)
    if permissions.REVIEW not in granted or permission not in granted:
        raise PermissionDenied(N_("{login_id} may not authorise this."),
                               login_id=review.login_id)
    return reviewer


def change_password(session: Session, *, old_password: str, new_password: str) -> None:
    operator = operator_store.by_id(session.actor.operator_id)
    _check_credentials(session, operator, old_password, logged_in=True)
    check_password_rule(new_password)
    if session.hasher.verify(operator.password_hash, new_password) or \
            session.hasher.verify(operator.previous_password_hash, new_password):
        raise PasswordRejected(N_("The new password must differ from the last one."))
    with audit.transaction(session):
        operator_store.change(
            operator.id, previous_password_hash=operator.password_hash,
            password_hash=session.hasher.hash(new_password), password_changed_at=session.now(),
            must_change_password=False)
        audit.append(session, "password.change", subject=f"operator:{operator.login_id}")
    permissions.forget(operator.id)


def unlock(session: Session, *, operator_id: int) -> None:
    permissions.require(session, permissions.REVIEW)
    with audit.transaction(session):
        operator = operator_store.by_id(operator_id)
        operator_store.change(operator_id, locked=False, failed_tries=0, review_failures=0,
                              login_checks=0, review_checks=0)
        audit.append(session, "operator.unlock", subject=f"operator:{operator.login_id}")
    permissions.forget(operator_id)


def unlock_with_review(session: Session, review) -> None:
    """On the lock screen of an operator who locked themselves out: a supervisor types
    their own login and password at the terminal and unlocks them (recorded as theirs)."""
    reviewer = authorise_review(session, review, permissions.REVIEW)
    as_reviewer = session.as_actor(replace(session.actor, operator_id=reviewer.id,
                                           shift_id=None))
    unlock(as_reviewer, operator_id=session.actor.operator_id)


def reset_password(session: Session, *, operator_id: int, new_password: str) -> None:
    """An administrator sets a one-time password; the operator must change it at login."""
    permissions.require(session, permissions.ADMIN)
    check_password_rule(new_password)
    with audit.transaction(session):
        operator = operator_store.by_id(operator_id)
        operator_store.change(
            operator_id, password_hash=session.hasher.hash(new_password),
            password_changed_at=session.now(), must_change_password=True, locked=False,
            failed_tries=0, review_failures=0, login_checks=0, review_checks=0)
        audit.append(session, "password.reset", subject=f"operator:{operator.login_id}")
    permissions.forget(operator_id)


def confirm_identity(session: Session, password: str) -> None:
    """The logged-in operator proves it is still them (the lock screen); wrong tries
    count towards the lockout like any login."""
    operator = operator_store.by_id(session.actor.operator_id)
    _check_credentials(session, operator, password, logged_in=True)
