"""Who is acting, where, and with which tools: what every service operation receives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from kiosk.config import Settings
from kiosk.services.caches import StoreCaches
from kiosk.services.secrets import Hasher, Sealer


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class Actor:
    """The operator at a terminal of an outlet. operator_id None means the system
    itself (a CLI command run by the machine's administrator, the nightly export)."""

    outlet_id: int
    terminal_id: int | None = None
    operator_id: int | None = None
    shift_id: int | None = None

    @property
    def is_system(self) -> bool:
        return self.operator_id is None


@dataclass(frozen=True)
class Runtime:
    """What operations need besides the database: the hasher and the sealer (both keyed
    by the pepper), the clock, the settings."""

    settings: Settings
    hasher: Hasher
    sealer: Sealer
    clock: Callable[[], dt.datetime] = field(default=utc_now)
    # What the process remembers of the store it opened (services/caches.py).
    caches: StoreCaches | None = None


@dataclass(frozen=True)
class Session:
    runtime: Runtime
    actor: Actor

    @property
    def hasher(self) -> Hasher:
        return self.runtime.hasher

    def now(self) -> dt.datetime:
        return self.runtime.clock()

    def as_actor(self, actor: Actor) -> "Session":
        return replace(self, actor=actor)
