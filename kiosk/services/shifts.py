"""Shifts (班次): an operator's work at one terminal, from login to the shift close."""

from __future__ import annotations

from kiosk.services import audit
from kiosk.services.business_date import current_business_date
from kiosk.services.session import Session
from kiosk.store import models
from kiosk.store import shifts as shift_store


def open_or_resume(session: Session) -> models.Shift:
    """The operator's open shift at this terminal, or a new one (logging in again after
    a lock or a restart resumes the same shift)."""
    actor = session.actor
    with audit.transaction(session):
        shift = shift_store.open_shift_of(actor.operator_id, actor.terminal_id)
        if shift is None:
            shift = shift_store.open_new(
                outlet=actor.outlet_id, terminal=actor.terminal_id,
                operator=actor.operator_id, business_date=current_business_date(session),
                opened_at=session.now())
            audit.append(session, "shift.open", subject=f"shift:{shift.id}")
    return shift


def check_open(session: Session) -> None:
    """Whether the operator's shift is still open, told before a customer types a PIN for
    a sale it would refuse (a supervisor may have closed it from another terminal). A
    hint: the operation holds the shift open itself (services/operations.py)."""
    from kiosk.services.operations import ShiftClosed
    shift_id = session.actor.shift_id
    if shift_id is not None:
        shift = shift_store.by_id(shift_id)
        if shift is not None and shift.closed_at is not None:
            raise ShiftClosed(number=shift_id)
