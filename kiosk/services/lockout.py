"""Three wrong tries lock: the one rule behind card PINs, operator passwords, reviews
and members' SMS codes.

The try is claimed first, in a transaction of its own that commits before the slow
hash is checked (kiosk/store/tries.py), so parallel guesses share three checks and a
wrong try counts even though the request that carried it is refused. The count holds
across terminals and restarts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.errors import KioskError, N_
from kiosk.services import audit
from kiosk.services.session import Session
from kiosk.store import failures, tries
from kiosk.store.db import database

MAX_FAILURES = 3


@dataclass(frozen=True)
class TryResult:
    ok: bool
    failures: int = 0  # wrong tries counted so far (when not ok)
    locked: bool = False  # no try left: this one was refused, or it was the last
    checked: bool = True  # False: refused before any check (no try was left)
    most: int = MAX_FAILURES

    @property
    def tries_left(self) -> int:
        return max(self.most - self.failures, 0)


# A claim that finds every slot busy waits for a running check to finish (a few hash
# times); one that waits longer than this is refused as busy, never as locked.
BUSY_WAITS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.5, 1.0, 1.0, 1.0)


class TriesBusy(KioskError):
    default_message = N_("Too many checks of this at once; try again in a moment.")


def check(session: Session, counter: tries.Counter, row_id: int, secret_matches: Callable[[], bool],
          *, action: str, subject: str, most: int = MAX_FAILURES) -> TryResult:
    """Claim a check on the row, then run `secret_matches` (the slow hash check); `most`
    wrong tries lock it (the chain's policy)."""
    if database.in_transaction():
        raise RuntimeError("a try must commit on its own, before the operation it guards")
    with failures.as_unavailable():
        return _check(session, counter, row_id, secret_matches, action, subject, most)


def _check(session, counter, row_id, secret_matches, action, subject, most) -> TryResult:
    claim = _claim(counter, row_id, most)
    if claim is tries.Claim.LOCKED:
        return TryResult(ok=False, failures=most, locked=True, checked=False, most=most)
    try:
        matched = secret_matches()
    except BaseException:
        with database.atomic():  # the slot is given back; the try counts as wrong
            tries.record_wrong(counter, row_id, most)
        raise
    if matched:
        with database.atomic():
            tries.record_right(counter, row_id)
        return TryResult(ok=True, most=most)
    with audit.transaction(session):
        wrong = tries.record_wrong(counter, row_id, most)
        spent = wrong >= most
        audit.append(session, action, subject=subject,
                     details={"failures": wrong, "locked": spent})
    return TryResult(ok=False, failures=wrong, locked=spent, most=most)


def _claim(counter: tries.Counter, row_id: int, most: int) -> tries.Claim:
    for wait in BUSY_WAITS:
        with database.atomic():
            claim = tries.claim(counter, row_id, most)
        if claim is not tries.Claim.BUSY:
            return claim
        time.sleep(wait)
    # A check takes well under a second; slots held this long belong to checks that
    # died (a terminal killed mid-hash). They are freed, and the wrong tries counted
    # so far still count.
    with database.atomic():
        tries.free_stale_slots(counter, row_id)
        claim = tries.claim(counter, row_id, most)
    if claim is tries.Claim.BUSY:
        raise TriesBusy()
    return claim


def clear(counter: tries.Counter, row_id: int) -> None:
    """A person proved who they are another way (the reviewer logged in)."""
    with database.atomic():
        tries.clear(counter, row_id)
