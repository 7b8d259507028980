"""Three wrong tries lock: the one counter behind card PINs and operator passwords.

The failure is committed in its own transaction, so it counts even though the request
that carried the wrong secret is refused, and it holds across terminals and restarts.
"""

from __future__ import annotations

import peewee as pw

from kiosk.services import audit
from kiosk.services.session import Session
from kiosk.store.db import database

MAX_FAILURES = 3


def record_failure(session: Session, model: type[pw.Model], row_id: int, *,
                   failures: pw.Field, locked: pw.Field, action: str, subject: str
                   ) -> tuple[int, bool]:
    """Count one wrong try on the row; lock it at the third. Returns (failures, locked)."""
    with database.atomic():
        model.update({failures: failures + 1}).where(model.id == row_id).execute()
        count = getattr(model.get_by_id(row_id), failures.name)
        now_locked = count >= MAX_FAILURES
        if now_locked:
            model.update({locked: True}).where(model.id == row_id).execute()
        audit.append(session, action, subject=subject,
                     details={"failures": count, "locked": now_locked})
    return count, now_locked


def clear_failures(model: type[pw.Model], row_id: int, failures: pw.Field) -> None:
    model.update({failures: 0}).where(model.id == row_id).execute()
