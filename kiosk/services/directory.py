"""Who and where an actor is (outlet, terminal, operator names and the outlet's clock),
looked up once per process and database, not on every operation."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.services.session import Actor
from kiosk.store import operators, outlets
from kiosk.store.db import store_key


@dataclass(frozen=True)
class ActorInfo:
    outlet_code: str
    outlet_name: str
    time_zone: str
    day_boundary: str
    terminal_code: str
    operator_login: str


_cache: dict[tuple, ActorInfo] = {}


def actor_info(actor: Actor) -> ActorInfo:
    key = (store_key(), actor.outlet_id, actor.terminal_id, actor.operator_id)
    info = _cache.get(key)
    if info is None:
        outlet = outlets.by_id(actor.outlet_id)
        terminal = outlets.terminal_by_id(actor.terminal_id)
        operator = operators.by_id_or_none(actor.operator_id)
        info = _cache[key] = ActorInfo(
            outlet_code=outlet.code, outlet_name=outlet.name, time_zone=outlet.time_zone,
            day_boundary=outlet.day_boundary, terminal_code=terminal.code if terminal else "",
            operator_login=operator.login_id if operator else "system")
    return info


def forget() -> None:
    """An outlet, terminal or operator changed (a login id, a time zone): look again."""
    _cache.clear()


def outlet_codes(limit: int | None = None) -> list[str]:
    """The chain's outlets by code (the first `limit`): what a command works through."""
    return outlets.codes(limit)


def first_outlet_code() -> str:
    """The first outlet registered: the head office a first run makes."""
    return outlets.first().code
