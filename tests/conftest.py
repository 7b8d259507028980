"""Shared fixtures: a fresh store per test on SQLite (a file in tmp_path) and, where a
PostgreSQL URL is given, the same tests on PostgreSQL in a schema of their own."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config import Settings, with_simulated_devices
from kiosk.services import demo
from kiosk.services.bootstrap import open_runtime, terminal_actor
from kiosk.services.session import Session, utc_now
from kiosk.store import db

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("KIOSK_TEST_PG_URL", "")


def pytest_collection_modifyitems(config, items):
    """Long fault and load runs (marked slow) run in CI and with KIOSK_SLOW=1."""
    slow_runs = IN_CI or os.environ.get("KIOSK_SLOW") == "1"
    skip = pytest.mark.skip(reason="slow: set KIOSK_SLOW=1 (CI does) to run")
    for item in items:
        if "slow" in item.keywords and not slow_runs:
            item.add_marker(skip)


def need(condition: bool, reason: str) -> None:
    """Skip on a bare laptop; in CI a missing service is a failure, never a skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def pg_reachable() -> bool:
    if not PG_URL:
        return False
    try:
        import psycopg2
        psycopg2.connect(PG_URL, connect_timeout=3).close()
        return True
    except Exception:
        return False


def fresh_pg_url() -> str:
    """A schema of its own per test: `options=-csearch_path=...` on the URL."""
    import psycopg2
    schema = f"t_{uuid.uuid4().hex[:12]}"
    connection = psycopg2.connect(PG_URL)
    connection.autocommit = True
    connection.cursor().execute(f"CREATE SCHEMA {schema}")
    connection.close()
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{schema}", schema


def drop_pg_schema(schema: str) -> None:
    import psycopg2
    connection = psycopg2.connect(PG_URL)
    connection.autocommit = True
    connection.cursor().execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    connection.close()


def make_settings(home: Path, db_url: str | None = None) -> Settings:
    """Cheap argon2 parameters so the suite runs fast; the hash records its own cost."""
    settings = Settings(home=home, db_url=db_url or f"sqlite:///{home / 'kiosk.db'}",
                        hash_time_cost=1, hash_memory_kib=64, language="en",
                        outlet_code=demo.OUTLET_CODE, terminal_code="T01")
    return with_simulated_devices(settings)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def store_url(backend, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'kiosk.db'}"
        return
    need(pg_reachable(), f"PostgreSQL is not reachable at KIOSK_TEST_PG_URL={PG_URL!r}")
    url, schema = fresh_pg_url()
    yield url
    db.close()
    drop_pg_schema(schema)


_store_templates: dict[str, Path] = {}


def copy_store(settings: Settings, name: str, fill=None) -> None:
    """A store as `kiosk init` makes it, then filled by `fill(runtime)` if given, into
    settings' data directory (its pepper) and SQLite file: made once per test process
    under `name` and copied, where making it afresh took much of a short test's time
    (the migrations alone about 60 ms)."""
    template = _store_templates.get(name)
    if template is None:
        template = Path(tempfile.mkdtemp(prefix="kiosk-store-"))
        atexit.register(shutil.rmtree, template, True)
        made = open_runtime(make_settings(template / "home"), initialise=True)
        if fill is not None:
            fill(made)
        db.close()
        _store_templates[name] = template
    database_file = Path(settings.db_url.removeprefix("sqlite:///"))
    database_file.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):  # with its write-ahead log, if one was left
        if (template / "home" / f"kiosk.db{suffix}").exists():
            shutil.copy2(template / "home" / f"kiosk.db{suffix}",
                         database_file.with_name(database_file.name + suffix))
    shutil.copytree(template / "home", settings.home, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("kiosk.db*", "*.log*"))


def copy_demo_store(settings: Settings, clock, name: str) -> None:
    """The demo's data as `demo.seed` puts it there with `clock` (`name` tells the
    clocks apart), copied as copy_store does."""
    def seed(made) -> None:
        made = replace(made, clock=clock)
        demo.seed(lambda actor: Session(made, actor))
    copy_store(settings, f"demo-{name}", seed)


@pytest.fixture
def runtime(request, tmp_path, store_url):
    settings = make_settings(tmp_path / "home", store_url)
    if store_url.startswith("sqlite:"):
        if "seeded" in request.fixturenames:
            # dated by the hour it was seeded in, as a store seeded by the test would be
            copy_demo_store(settings, utc_now, f"now-{utc_now():%Y%m%d%H}")
        else:
            copy_store(settings, "init")  # then opened as `kiosk init` opens it again
    runtime = open_runtime(settings, initialise=True)
    yield runtime
    db.close()


@pytest.fixture
def seeded(runtime, backend):
    """The demo's data (a copy of it on SQLite: see copy_demo_store)."""
    if backend != "sqlite":
        demo.seed(lambda actor: Session(runtime, actor))
    return runtime


@pytest.fixture
def system(seeded) -> Session:
    return Session(seeded, terminal_actor(demo.OUTLET_CODE, "T01"))


@pytest.fixture
def cashier(seeded) -> Session:
    return login_as(seeded, "cashier1")


def login_as(runtime, login_id: str, terminal: str = "T01") -> Session:
    """A demo operator (the demo's passwords), logged in at a demo terminal."""
    password = next(op.password for op in demo.OPERATORS if op.login_id == login_id)
    return log_in(runtime, demo.OUTLET_CODE, login_id, password, terminal)


SV_CARD = demo.card_number("888800000000001")
INS_CARD = demo.card_number("888800000000002")
MEM_CARD = demo.card_number("888800000000003")
MAIN_CARD = demo.card_number("888800000000004")
SUB_CARD = demo.card_number("888800000000005")


CHAIN_ADMIN = ("admin", "Admin1234")


@pytest.fixture
def chain(runtime) -> Session:
    """An empty store set up as a chain's first run makes it (no demo data): outlet
    10000001 (head office), terminal T01, administrator `admin`. Returns the
    administrator's session; build what a test needs with the admin services."""
    from kiosk.services import admin, setup
    setup.set_up(runtime, setup.FirstRun(
        admin.OutletDetails("10000001", "总店"), "T01", CHAIN_ADMIN[0], "管理员",
        CHAIN_ADMIN[1]))
    return log_in(runtime, "10000001", *CHAIN_ADMIN)


def at_the_till(session: Session) -> Session:
    """Where a customer's money is taken at the session's outlet: the session itself if
    it keeps a cash shift, else (an administrator opens none) the outlet's clerk
    `till1`, added the first time and logged in at the same terminal."""
    if session.actor.shift_id is not None:
        return session
    from kiosk.services import admin, directory, operators
    from kiosk.store import operators as operator_store
    info = directory.actor_info(session.actor)
    if operator_store.find(info.outlet_code, "till1") is None:
        admin.add_operator(session, info.outlet_code, "till1", "收银台", "clerk", "Start1234")
        first = log_in(session.runtime, info.outlet_code, "till1", "Start1234",
                       info.terminal_code)
        operators.change_password(first, old_password="Start1234", new_password="Till12345")
    return log_in(session.runtime, info.outlet_code, "till1", "Till12345", info.terminal_code)


def log_in(runtime, outlet_code: str, login_id: str, password: str,
           terminal: str = "T01") -> Session:
    """Any operator of any outlet, as the login screen does it."""
    from kiosk.services import operators
    base = Session(runtime, terminal_actor(outlet_code, terminal))
    result = operators.login(base, outlet_code=outlet_code, login_id=login_id,
                             password=password, terminal_code=terminal)
    return base.as_actor(result.actor)


def finishes(call, seconds=20):
    """call() run in a thread; a call still running after `seconds` fails the test
    (a hang guard, not a timing assertion). Returns the exception it raised, if any."""
    outcome = {}

    def run():
        try:
            call()
        except BaseException as error:  # handed to the test to judge
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"still running after {seconds} s: it hangs")
    return outcome.get("error")


@pytest.fixture(autouse=True)
def restore_umask():
    """The CLI sets the process umask to 077 (KioskGroup.main): a test that runs it
    in-process must not change the umask of the tests that follow."""
    umask = os.umask(0o022)
    os.umask(umask)
    yield
    os.umask(umask)
