"""The stores the benchmarks measure: settings for a temporary one, a throw-away
PostgreSQL schema, and the bench outlet's cashier session."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

from benchmarks import dataset
from kiosk.config import Settings
from kiosk.services.session import Actor, Session


def bench_settings(home: Path, db_url: str | None = None) -> Settings:
    """The bench outlet and till; SQLite in `home` unless a URL is given."""
    return Settings(home=home, db_url=db_url or f"sqlite:///{home / 'kiosk.db'}",
                    outlet_code="99000001", terminal_code="B01", language="en")


@contextlib.contextmanager
def pg_schema(pg_url: str, prefix: str = "bench") -> Iterator[str]:
    """A URL on a new, empty schema of the PostgreSQL at `pg_url`; dropped afterwards."""
    import psycopg2

    from kiosk.store import db
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(pg_url)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in pg_url else "?"
    try:
        yield f"{pg_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        db.close()
        admin.cursor().execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.close()


def cashier_session(runtime, data: dataset.BenchData) -> Session:
    """The bench's cashier at its terminal, in an open cash shift as after a login."""
    return with_shift(Session(runtime, Actor(outlet_id=data.outlet.id,
                                             terminal_id=data.terminal.id,
                                             operator_id=data.cashier.id)))


def with_shift(session: Session) -> Session:
    """The session in its operator's open cash shift at its terminal (one opened if
    none): money taken by a till's tender is counted in a shift."""
    from dataclasses import replace

    from kiosk.services import shifts
    shift = shifts.open_or_resume(session)
    return session.as_actor(replace(session.actor, shift_id=shift.id))
