"""A supervisor at any terminal (主管授权): from any screen, the login screen included,
without the operator there logging out, the supervisor types their own login and password
and unlocks an operator or closes another's shift. Each call checks the supervisor's credentials again
(nothing elevated is kept on the terminal) and is recorded as the supervisor's."""

from __future__ import annotations

from dataclasses import replace

from kiosk.errors import N_, NotFound
from kiosk.services import closes, operators, permissions
from kiosk.services.closes import ShiftReport
from kiosk.services.session import Session
from kiosk.store import operators as operator_store

ACTIONS = (("unlock", N_("unlock an operator")), ("close_shift", N_("close a shift")))


def _as_supervisor(session: Session, review) -> Session:
    supervisor = operators.authorise_supervisor(session, review, permissions.REVIEW)
    return session.as_actor(replace(session.actor, operator_id=supervisor.id, shift_id=None))


def unlock_operator(session: Session, review, login_id: str) -> str:
    """Unlock an operator of this outlet by login id; their login id back."""
    supervisor = _as_supervisor(session, review)
    operator = operator_store.at_outlet(session.actor.outlet_id, login_id.strip())
    if operator is None:
        raise NotFound(N_("No operator {login_id} at this outlet."), login_id=login_id[:30])
    operators.unlock(supervisor, operator_id=operator.id)
    return operator.login_id


def close_shift(session: Session, review, shift_id: int, *, key: str) -> ShiftReport:
    """Close an operator's shift of this outlet (the supervisor needs the day-close right)."""
    return closes.close_shift(_as_supervisor(session, review), key=key, shift_id=shift_id)
