"""The store POS's registered terminals and their requests (services/pos_sales.py).

A request changes state only by a conditional UPDATE on its current state and attempt,
so the counter approving it and the POS cancelling it can never both succeed: the
approval runs inside the charge's own transaction, and whichever commits first wins.
"""

from __future__ import annotations

import datetime as dt

from kiosk.store import failures, models, sql
from kiosk.store.db import database

PENDING, APPROVED, DECLINED, CANCELLED = "pending", "approved", "declined", "cancelled"
FINAL = (APPROVED, DECLINED, CANCELLED)


# -- registered POS -------------------------------------------------------------------------
def pos_by_code(code: str) -> models.PosTerminal | None:
    return models.PosTerminal.get_or_none(models.PosTerminal.code == code)


def pos_by_id(pos_id: int) -> models.PosTerminal | None:
    return models.PosTerminal.get_or_none(models.PosTerminal.id == pos_id)


def add_pos(code: str, name: str, outlet_id: int, terminal_id: int, token_hash: str,
            now: dt.datetime) -> int:
    return models.PosTerminal.insert(code=code, name=name, outlet=outlet_id,
                                     terminal=terminal_id, token_hash=token_hash,
                                     created_at=now).execute()


def outlet_and_terminal(outlet_code: str, terminal_code: str
                        ) -> tuple[models.Outlet | None, models.Terminal | None]:
    outlet = models.Outlet.get_or_none(models.Outlet.code == outlet_code)
    if outlet is None:
        return None, None
    return outlet, models.Terminal.get_or_none(models.Terminal.outlet == outlet.id,
                                               models.Terminal.code == terminal_code)


def set_token(pos_id: int, token_hash: str) -> None:
    models.PosTerminal.update(token_hash=token_hash).where(
        models.PosTerminal.id == pos_id).execute()


def set_active(pos_id: int, active: bool) -> None:
    models.PosTerminal.update(active=active).where(models.PosTerminal.id == pos_id).execute()


def pos_listing() -> list[tuple[models.PosTerminal, str, str]]:
    """Every POS with its outlet's and terminal's codes."""
    P, O, T = models.PosTerminal, models.Outlet, models.Terminal
    query = (P.select(P, O.code.alias("outlet_code"), T.code.alias("terminal_code"))
             .join(O, on=(P.outlet == O.id)).switch(P).join(T, on=(P.terminal == T.id))
             .order_by(P.code).objects())
    return [(row, row.outlet_code, row.terminal_code) for row in query]


# -- requests ---------------------------------------------------------------------------------
def find(pos_id: int, kind: str, number: str) -> models.PosRequest | None:
    R = models.PosRequest
    return R.get_or_none(R.pos == pos_id, R.kind == kind, R.number == number)


def by_id(request_id: int) -> models.PosRequest | None:
    return models.PosRequest.get_or_none(models.PosRequest.id == request_id)


_LOCKED = sql.Statement('SELECT * FROM "pos_request" WHERE "id" = ?', lock=True)


def locked(request_id: int) -> models.PosRequest | None:
    """The request, locked until the transaction ends."""
    found = _LOCKED.models(models.PosRequest, request_id)
    return found[0] if found else None


def insert(pos_id: int, kind: str, number: str, request: str, request_hash: str,
           amount: int, original_id: int | None, now: dt.datetime) -> bool:
    """A new request; False if another arrived under the same number meanwhile."""
    try:
        with database.atomic():
            models.PosRequest.insert(pos=pos_id, kind=kind, number=number, request=request,
                                     request_hash=request_hash, amount=amount,
                                     original=original_id, created_at=now,
                                     updated_at=now).execute()
        return True
    except failures.CONSTRAINT_BROKEN:
        return False


_RESTART = sql.Statement(
    'UPDATE "pos_request" SET "attempt" = "attempt" + 1, "state" = \'pending\', '
    '"request" = ?, "request_hash" = ?, "amount" = ?, "original_id" = ?, "reason" = \'\', '
    '"message" = \'\', "result" = \'{}\', "operation_id" = NULL, "updated_at" = ? '
    'WHERE "id" = ? AND "attempt" = ? AND "state" IN (\'declined\', \'cancelled\')')


def restart(request_id: int, attempt: int, request: str, request_hash: str, amount: int,
            original_id: int | None, now: dt.datetime) -> bool:
    """A declined or cancelled request sent again: its next attempt, pending."""
    return _RESTART.changed(request, request_hash, amount, original_id, now, request_id,
                            attempt) == 1


_SETTLE = sql.Statement(
    'UPDATE "pos_request" SET "state" = \'approved\', "operation_id" = ?, "result" = ?, '
    '"updated_at" = ? WHERE "id" = ? AND "attempt" = ? AND "state" = \'pending\'')


def settle(request_id: int, attempt: int, operation_id: int, result: str,
           now: dt.datetime) -> bool:
    """Approve the pending attempt (inside its operation's transaction); False if it is
    no longer pending (the POS cancelled it)."""
    return _SETTLE.changed(operation_id, result, now, request_id, attempt) == 1


_END = sql.Statement(
    'UPDATE "pos_request" SET "state" = ?, "reason" = ?, "message" = ?, "updated_at" = ? '
    'WHERE "id" = ? AND "attempt" = ? AND "state" = \'pending\'')


def end(request_id: int, attempt: int, state: str, reason: str, message: str,
        now: dt.datetime) -> bool:
    """Decline or cancel the pending attempt; False if it is no longer pending."""
    return _END.changed(state, reason, message, now, request_id, attempt) == 1


def pending_at_terminal(terminal_id: int) -> list[models.PosRequest]:
    R, P = models.PosRequest, models.PosTerminal
    return list(R.select(R).join(P).where(P.terminal == terminal_id, R.state == PENDING)
                .order_by(R.updated_at, R.id))


def approved_refunds_of(sale_id: int) -> list[models.PosRequest]:
    R = models.PosRequest
    return list(R.select().where(R.original == sale_id, R.kind == "refund",
                                 R.state == APPROVED))


def receipt_document(receipt_id: int) -> models.Receipt | None:
    return models.Receipt.get_or_none(models.Receipt.id == receipt_id)
