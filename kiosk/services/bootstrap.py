"""Opening the store for a process: connection, schema check, pepper, hasher."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Settings
from kiosk.errors import InvalidInput, KioskError, N_, NotFound
from kiosk.logs import setup_logging
from kiosk.services import audit, caches, permissions
from kiosk.services.secrets import Hasher, Sealer, bind_pepper
from kiosk.services.session import Actor, Runtime, Session
from kiosk.store import db, outlets, schema
from kiosk.store.db import database


class SchemaOutdated(KioskError):
    default_message = N_("The database schema is at version {found}, this kiosk needs "
                         "{needed}: run 'kiosk init' to upgrade it.")


class SchemaNewer(KioskError):
    default_message = N_("The database schema is at version {found}, newer than this kiosk "
                         "knows ({known}): this kiosk is older than the database. Upgrade the "
                         "kiosk; nothing was changed.")


def open_runtime(settings: Settings, *, initialise: bool = False, log_to_stderr: bool = False
                 ) -> Runtime:
    """Connect to settings.db_url. With `initialise`, create or upgrade the schema and
    the pepper key (what `kiosk init` does); otherwise both must already be there, and
    nothing is created: no data directory, no database file."""
    check_home(settings.home, create=initialise)
    setup_logging(settings.log_path, to_stderr=log_to_stderr)
    db.connect(settings.db_url, create=initialise)
    db.use_replica(settings.read_db_url)
    found = schema.current_version()
    if found > schema.LATEST_VERSION:  # init must not claim to have upgraded it either
        raise SchemaNewer(found=found, known=schema.LATEST_VERSION)
    if initialise:
        schema.migrate()
        with database.atomic():
            permissions.ensure_default_roles()
    elif found != schema.LATEST_VERSION:
        raise SchemaOutdated(found=found, needed=schema.LATEST_VERSION)
    pepper = bind_pepper(settings.pepper_path, create=initialise)
    hasher = Hasher(pepper, time_cost=settings.hash_time_cost, memory_kib=settings.hash_memory_kib)
    runtime = Runtime(settings=settings, hasher=hasher, sealer=Sealer(pepper),
                      caches=caches.of_open_store())
    if initialise:
        audit.adopt_unkeyed_events(runtime.sealer)
    return runtime


def check_home(home: Path, *, create: bool = False) -> None:
    """The data directory is a folder (made owner-only by `create`), or does not exist."""
    if home.exists() and not home.is_dir():
        raise InvalidInput(N_("The data directory {path} is a file, not a folder: give --home "
                              "(or KIOSK_HOME) a folder."), path=str(home))
    if create:
        try:
            home.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise InvalidInput(N_("Cannot create the data directory {path}: {reason}."),
                               path=str(home), reason=error.strerror or str(error)) from None


def terminal_actor(outlet_code: str | None, terminal_code: str | None) -> Actor:
    """The system actor of this terminal: the configured outlet (or the only one)."""
    outlet = outlets.by_code(outlet_code) if outlet_code else outlets.first()
    if outlet is None:
        raise NotFound(N_("Outlet {code} is not registered: run 'kiosk seed-demo' or "
                          "'kiosk admin outlet add'."), code=outlet_code or "-")
    terminal = outlets.terminal(outlet.id, terminal_code or "")
    return Actor(outlet_id=outlet.id, terminal_id=terminal.id if terminal else None)


def system_session(runtime: Runtime) -> Session:
    settings = runtime.settings
    return Session(runtime, terminal_actor(settings.outlet_code or None, settings.terminal_code))
