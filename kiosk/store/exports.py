"""What the nightly export streams of one outlet's business date: its journal entries
with the names they point at, then its audit events, as raw values in a fixed order
(no per-row model conversion: a busy day has hundreds of thousands of rows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import peewee as pw

from kiosk.store import models
from kiosk.store.db import database


def entries_of_day(outlet_id: int, day: dt.date) -> Iterator[tuple]:
    """(entry id, amount, operation id, kind, created_at, reverses id, terminal code,
    operator login, card number, account code, unit, reviewer login) by entry id."""
    E, O, A = models.JournalEntry, models.Operation, models.Account
    Terminal, Operator, Card = models.Terminal, models.Operator, models.Card
    Reviewer = Operator.alias()
    entries = (E.select(E.id, E.amount, O.id.alias("op"), O.kind, O.created_at,
                        O.reverses.alias("reverses_id"), Terminal.code.alias("terminal"),
                        Operator.login_id.alias("operator"), Card.number.alias("card"),
                        A.code.alias("account"), A.unit, Reviewer.login_id.alias("reviewer"))
               .join(O).switch(E).join(A)
               .switch(O).join(Terminal, pw.JOIN.LEFT_OUTER)
               .switch(O).join(Operator, pw.JOIN.LEFT_OUTER, on=(O.operator == Operator.id))
               .switch(O).join(Reviewer, pw.JOIN.LEFT_OUTER, on=(O.reviewer == Reviewer.id))
               .switch(O).join(Card, pw.JOIN.LEFT_OUTER)
               .where(O.outlet == outlet_id, E.business_date == day)
               .order_by(E.id))
    return database.execute(entries)


def events_of_day(outlet_code: str, day: dt.date) -> Iterator[tuple]:
    """(chain name, seq, at, action, outlet code, terminal code, operator login, subject,
    operation id, details, prev hash, hash) of the events written on the business date,
    by chain and seq."""
    AE, Chain = models.AuditEvent, models.AuditChain
    events = (AE.select(Chain.name, AE.seq, AE.at, AE.action, AE.outlet_code,
                        AE.terminal_code, AE.operator_login, AE.subject, AE.operation,
                        AE.details, AE.prev_hash, AE.hash)
              .join(Chain).where(AE.outlet_code == outlet_code, AE.business_date == day)
              .order_by(Chain.name, AE.seq))
    return database.execute(events)
