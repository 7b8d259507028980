"""Who and where an actor is (outlet, terminal, operator names and the outlet's clock),
looked up once and remembered (caches.StoreCaches.directory), not read on every
operation. Administration refreshes what it changes (an outlet's details, a login id)
in the same call, so this process shows and audits the new values at once; another
process reads an operator's entry again when they log in. No decision takes its
business date from here (business_date.current_business_date reads the outlet's clock
fresh); a screen's default date does (`outlet_today`), without a query on its thread."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.services import caches
from kiosk.services.business_date import business_date
from kiosk.services.session import Actor
from kiosk.store import operators, outlets


@dataclass(frozen=True)
class ActorInfo:
    outlet_code: str
    outlet_name: str
    time_zone: str
    day_boundary: str
    terminal_code: str
    operator_login: str


def actor_info(actor: Actor) -> ActorInfo:
    key = (actor.outlet_id, actor.terminal_id, actor.operator_id)
    return caches.of_open_store().directory.get(key, lambda: _read(*key))


def _read(outlet_id: int, terminal_id: int | None, operator_id: int | None) -> ActorInfo:
    outlet = outlets.by_id(outlet_id)
    terminal = outlets.terminal_by_id(terminal_id)
    operator = operators.by_id_or_none(operator_id)
    return ActorInfo(
        outlet_code=outlet.code, outlet_name=outlet.name, time_zone=outlet.time_zone,
        day_boundary=outlet.day_boundary, terminal_code=terminal.code if terminal else "",
        operator_login=operator.login_id if operator else "system")


def outlet_today(session) -> dt.date:
    """The outlet's date by its remembered clock (time zone, day boundary): a screen's
    default date or month, not the UTC date and not a read of the store."""
    info = actor_info(session.actor)
    return business_date(session.now(), info.time_zone, info.day_boundary)


def outlet_changed(outlet_id: int) -> None:
    """An outlet's name, time zone or day boundary changed: read its actors again."""
    _refresh(lambda key: key[0] == outlet_id)


def operator_changed(operator_id: int) -> None:
    """An operator's login id changed (or they logged in, on any terminal): read it again."""
    _refresh(lambda key: key[2] == operator_id)


def _refresh(which) -> None:
    """Read the entries `which` picks now, in the caller's thread: a screen that shows
    one (the status bar) never waits on the store for it."""
    caches.of_open_store().directory.refresh(which, lambda key: _read(*key))


def outlet_codes(limit: int | None = None) -> list[str]:
    """The chain's outlets by code (the first `limit`): what a command works through."""
    return outlets.codes(limit)


def first_outlet_code() -> str:
    """The first outlet registered: the head office a first run makes."""
    return outlets.first().code
