"""Opening the store for a process: connection, schema check, pepper, hasher."""

from __future__ import annotations

from kiosk.config import Settings
from kiosk.errors import KioskError, N_, NotFound
from kiosk.logs import setup_logging
from kiosk.services import audit, permissions
from kiosk.services.secrets import Hasher, Sealer, bind_pepper
from kiosk.services.session import Actor, Runtime, Session
from kiosk.store import db, schema
from kiosk.store import models
from kiosk.store.db import database


class SchemaOutdated(KioskError):
    default_message = N_("The database schema is at version {found}, this kiosk needs "
                         "{needed}: run 'kiosk init' to upgrade it.")


def open_runtime(settings: Settings, *, initialise: bool = False, log_to_stderr: bool = False
                 ) -> Runtime:
    """Connect to settings.db_url. With `initialise`, create or upgrade the schema and
    the pepper key (what `kiosk init` does); otherwise both must already be there."""
    settings.home.mkdir(parents=True, exist_ok=True)
    setup_logging(settings.log_path, to_stderr=log_to_stderr)
    db.connect(settings.db_url)
    if initialise:
        schema.migrate()
        with database.atomic():
            permissions.ensure_default_roles()
    elif schema.current_version() != schema.LATEST_VERSION:
        raise SchemaOutdated(found=schema.current_version(), needed=schema.LATEST_VERSION)
    pepper = bind_pepper(settings.pepper_path, create=initialise)
    hasher = Hasher(pepper, time_cost=settings.hash_time_cost, memory_kib=settings.hash_memory_kib)
    runtime = Runtime(settings=settings, hasher=hasher, sealer=Sealer(pepper))
    if initialise:
        audit.adopt_unkeyed_events(runtime.sealer)
    return runtime


def terminal_actor(outlet_code: str | None, terminal_code: str | None) -> Actor:
    """The system actor of this terminal: the configured outlet (or the only one)."""
    query = models.Outlet.select().order_by(models.Outlet.id)
    outlet = query.where(models.Outlet.code == outlet_code).first() if outlet_code \
        else query.first()
    if outlet is None:
        raise NotFound(N_("Outlet {code} is not registered: run 'kiosk seed-demo' or "
                          "'kiosk admin outlet add'."), code=outlet_code or "-")
    terminal = models.Terminal.get_or_none(models.Terminal.outlet == outlet,
                                           models.Terminal.code == (terminal_code or ""))
    return Actor(outlet_id=outlet.id, terminal_id=terminal.id if terminal else None)


def system_session(runtime: Runtime) -> Session:
    settings = runtime.settings
    return Session(runtime, terminal_actor(settings.outlet_code or None, settings.terminal_code))
