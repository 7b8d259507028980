"""Cheques (支票) as the money path reads and changes them: a cheque's status moves
from received to cleared or bounced only on its locked row, once."""

from __future__ import annotations

import datetime as dt

import peewee as pw

from kiosk.store import models, sql

_LOCKED = sql.Statement('SELECT * FROM "cheque" WHERE "id" = ?', lock=True)
_BY_ID = sql.Statement('SELECT * FROM "cheque" WHERE "id" = ?')
_BY_NUMBER = sql.Statement('SELECT * FROM "cheque" WHERE "bank" = ? AND "cheque_no" = ?')


def insert(**values) -> int:
    """A new cheque row; its id."""
    return sql.insert(models.Cheque(**values))


def by_id(cheque_id: int) -> models.Cheque | None:
    found = _BY_ID.models(models.Cheque, cheque_id)
    return found[0] if found else None


def locked(cheque_id: int) -> models.Cheque | None:
    """The cheque as it is now, locked until the transaction ends."""
    found = _LOCKED.models(models.Cheque, cheque_id)
    return found[0] if found else None


def by_number(bank: str, cheque_no: str) -> models.Cheque | None:
    found = _BY_NUMBER.models(models.Cheque, bank, cheque_no)
    return found[0] if found else None


_DECIDE = sql.Statement(
    'UPDATE "cheque" SET "status" = ?, "credit_id" = ?, "decided_by_id" = ?, '
    '"decided_at" = ?, "reason" = ? WHERE "id" = ? AND "status" = \'received\'')


def decide(cheque_id: int, status: str, *, credit_id: int | None, operator_id: int | None,
           at, reason: str = "") -> bool:
    """received -> cleared or bounced; False if the cheque was no longer received."""
    return _DECIDE.changed(status, credit_id, operator_id,
                           models.Cheque.decided_at.db_value(at), reason, cheque_id) == 1


def listing(outlet_id: int, *, status: str = "", search: str = "", limit: int = 200):
    """The outlet's cheques, newest first, with the card number and who received and
    decided them; `search` finds a cheque number, a card number or a drawer."""
    C, Card, O = models.Cheque, models.Card, models.Operation
    Receiver, Decider = models.Operator.alias(), models.Operator.alias()
    query = (C.select(C, Card.number.alias("card_number"),
                      Receiver.login_id.alias("received_by"),
                      Decider.login_id.alias("decided_login"))
             .join(Card, on=(C.card == Card.id))
             .switch(C).join(O, on=(C.received == O.id))
             .join(Receiver, pw.JOIN.LEFT_OUTER, on=(O.operator == Receiver.id))
             .switch(C).join(Decider, pw.JOIN.LEFT_OUTER, on=(C.decided_by == Decider.id))
             .where(C.outlet == outlet_id))
    if status:
        query = query.where(C.status == status)
    if search:
        query = query.where((C.cheque_no == search) | (Card.number == search)
                            | C.drawer.contains(search))
    return list(query.order_by(C.id.desc()).limit(limit).objects())



def waiting_at(outlet_id: int, last: dt.date) -> tuple[int, int]:
    """(count, amount) of the outlet's cheques received by `last` and not cleared yet."""
    C = models.Cheque
    count, total = (C.select(pw.fn.COUNT(C.id), pw.fn.COALESCE(pw.fn.SUM(C.amount), 0))
                    .where(C.outlet == outlet_id, C.status == "received",
                           C.received_on <= last).tuples().first())
    return int(count), int(total or 0)
