"""Try counters behind the three-wrong-tries locks: a card's PIN, an operator's login,
an operator's reviews (同级复核) and a member's SMS code.

Each counter is two columns: the wrong tries so far, and the checks running now. A
check is claimed with one conditional UPDATE before the secret is hashed, and only
while wrong tries + running checks stay under the limit, so ten guesses sent at once
get three checks between them, not ten: the database counts, not the slow hash. A
right secret clears the wrong tries; a wrong one adds to them and, at the limit,
sets the row's lock flag. A claim that finds every slot taken by running checks is
told "busy", not "locked": the caller waits for a slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from kiosk.store import sql


@dataclass(frozen=True)
class Counter:
    table: str
    failures: str
    checks: str
    locked: str | None = None  # a flag set when the last try fails
    also_required: str = ""  # more of the WHERE clause a claim needs

    def __post_init__(self) -> None:
        object.__setattr__(self, "_statements", {})


CARD_PIN = Counter("card", "pin_failures", "pin_checks", "pin_locked")
LOGIN = Counter("operator", "failed_tries", "login_checks", "locked",
                also_required='AND "active"')
REVIEW = Counter("operator", "review_failures", "review_checks",
                 also_required='AND "active" AND NOT "locked"')
SMS_CODE = Counter("verification_code", "failures", "checks", "used")


class Claim(Enum):
    GRANTED = "granted"
    BUSY = "busy"      # the slots are taken by checks running now: wait for one
    LOCKED = "locked"  # no try is left (or the row is gone or not active)


def _release(c: Counter) -> str:
    return f'"{c.checks}" = CASE WHEN "{c.checks}" > 0 THEN "{c.checks}" - 1 ELSE 0 END'


def _not_locked(c: Counter) -> str:
    return f'AND NOT "{c.locked}"' if c.locked else ""


_TEXTS = {
    "claim": lambda c: (
        f'UPDATE "{c.table}" SET "{c.checks}" = "{c.checks}" + 1 WHERE "id" = ? '
        f'AND "{c.failures}" + "{c.checks}" < ? {_not_locked(c)} {c.also_required}'),
    "state": lambda c: (
        f'SELECT "{c.failures}" FROM "{c.table}" WHERE "id" = ? AND "{c.failures}" < ? '
        f'{_not_locked(c)} {c.also_required}'),
    "right": lambda c: f'UPDATE "{c.table}" SET "{c.failures}" = 0, {_release(c)} WHERE "id" = ?',
    "wrong": lambda c: (
        f'UPDATE "{c.table}" SET "{c.failures}" = "{c.failures}" + 1, {_release(c)} '
        f'WHERE "id" = ? RETURNING "{c.failures}"'),
    "lock": lambda c: f'UPDATE "{c.table}" SET "{c.locked}" = TRUE WHERE "id" = ?',
    "clear": lambda c: f'UPDATE "{c.table}" SET "{c.failures}" = 0, "{c.checks}" = 0 WHERE "id" = ?',
    "free": lambda c: f'UPDATE "{c.table}" SET "{c.checks}" = 0 WHERE "id" = ? AND "{c.checks}" > 0',
}


def _statement(counter: Counter, purpose: str) -> sql.Statement:
    statements = counter._statements  # type: ignore[attr-defined]
    if purpose not in statements:
        statements[purpose] = sql.Statement(_TEXTS[purpose](counter))
    return statements[purpose]


def claim(counter: Counter, row_id: int, most: int) -> Claim:
    """Take a slot for one check, if a try is left and a slot is free."""
    if _statement(counter, "claim").changed(row_id, most) == 1:
        return Claim.GRANTED
    still_open = _statement(counter, "state").first(row_id, most) is not None
    return Claim.BUSY if still_open else Claim.LOCKED


def record_right(counter: Counter, row_id: int) -> None:
    _statement(counter, "right").execute(row_id)


def record_wrong(counter: Counter, row_id: int, most: int) -> int:
    """Count the wrong try and free its slot; lock the row at the limit. Returns the
    wrong tries so far."""
    row = _statement(counter, "wrong").first(row_id)
    failures = row[0] if row else most
    if failures >= most and counter.locked:
        _statement(counter, "lock").execute(row_id)
    return failures


def free_stale_slots(counter: Counter, row_id: int) -> None:
    """Slots still taken after every wait: their checks died mid-hash (a process killed,
    a connection cut) and will never give them back."""
    _statement(counter, "free").execute(row_id)


def clear(counter: Counter, row_id: int) -> None:
    """Back to no wrong tries (an unlock, a reset, the owner logged in)."""
    _statement(counter, "clear").execute(row_id)
