"""Who and where an actor is (outlet, terminal, operator names and the outlet's clock),
looked up once per process and database, not on every operation."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.services.session import Actor
from kiosk.store import models
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
        outlet = models.Outlet.get_by_id(actor.outlet_id)
        terminal = models.Terminal.get_or_none(models.Terminal.id == actor.terminal_id)
        operator = models.Operator.get_or_none(models.Operator.id == actor.operator_id)
        info = _cache[key] = ActorInfo(
            outlet_code=outlet.code, outlet_name=outlet.name, time_zone=outlet.time_zone,
            day_boundary=outlet.day_boundary, terminal_code=terminal.code if terminal else "",
            operator_login=operator.login_id if operator else "system")
    return info


def forget() -> None:
    """An outlet, terminal or operator changed (a login id, a time zone): look again."""
    _cache.clear()
