"""The `kiosk` command: one click group; every command takes --db and --home, before or
after its name. How every command behaves on a failure (one message in the user's
language, exit 2, never a traceback) is kiosk/command_line.py."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from kiosk import cells
from kiosk.command_line import (IsoDate, KioskGroup, Month, given_options, report_settings_of,
                                settings_of)
from kiosk.config import with_simulated_devices
from kiosk.errors import InvalidInput, N_


@click.group(cls=KioskGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Counter software for member, stored-value and insurance cards."""
    ctx.ensure_object(dict)


def _runtime(ctx: click.Context, *, initialise: bool = False):
    from kiosk.services.bootstrap import open_runtime
    return open_runtime(settings_of(ctx), initialise=initialise, log_to_stderr=True)


def _report_runtime(ctx: click.Context):
    """For a command that only reads (the export, the ledgers): on the read replica when
    --read-db (or KIOSK_READ_DB) names one."""
    from kiosk.services.bootstrap import open_runtime
    return open_runtime(report_settings_of(ctx), log_to_stderr=True)


def operator_session(ctx: click.Context):
    """A command that changes things runs as the operator who logs in for it: their
    login id and password at the prompt (the password hidden), or KIOSK_OPERATOR and
    KIOSK_OPERATOR_PASSWORD for a script. Their role decides what they may do, and the
    audit log records them. Wrong passwords count as at any login."""
    import os

    from kiosk.services import operators
    from kiosk.services.bootstrap import system_session
    runtime = _runtime(ctx)
    terminal = system_session(runtime)
    outlet_code = runtime.settings.outlet_code or _only_outlet_code()
    login_id = os.environ.get("KIOSK_OPERATOR") or click.prompt("login id", err=True)
    password = os.environ.get("KIOSK_OPERATOR_PASSWORD") or click.prompt(
        "password", hide_input=True, err=True)
    result = operators.login(terminal, outlet_code=outlet_code, login_id=login_id,
                             password=password, terminal_code=runtime.settings.terminal_code,
                             at_till=False)
    return terminal.as_actor(result.actor)


def _only_outlet_code() -> str:
    """The outlet of a store with one (the first run makes the head office)."""
    from kiosk.services import directory
    codes = directory.outlet_codes(limit=2)
    if len(codes) != 1:
        raise InvalidInput(N_("Which outlet? Set outlet_code in kiosk.toml or KIOSK_OUTLET."))
    return codes[0]


@main.command()
@click.option("--outlet-code", prompt="the head office's outlet code (8 digits)",
              help="The chain's first outlet, its head office.")
@click.option("--outlet-name", prompt="its name")
@click.option("--terminal", "terminal_code", default="T01", show_default=True,
              help="This terminal's code.")
@click.option("--admin-login", prompt="the first administrator's login id")
@click.option("--admin-name", prompt="their name")
@click.pass_context
def setup(ctx, outlet_code, outlet_name, terminal_code, admin_login, admin_name) -> None:
    """First run (首次设置) of an empty store: the head office, this terminal and the first
    administrator, whose password is typed twice (or KIOSK_OPERATOR_PASSWORD). Refused
    once the store is set up."""
    import os

    from kiosk.services import admin as admin_service
    from kiosk.services import setup as first_run
    runtime = _runtime(ctx)
    password = os.environ.get("KIOSK_OPERATOR_PASSWORD") or click.prompt(
        "their password (8-12 letters and digits)", hide_input=True, confirmation_prompt=True,
        err=True)
    first_run.set_up(runtime, first_run.FirstRun(
        admin_service.OutletDetails(outlet_code, outlet_name), terminal_code, admin_login,
        admin_name, password))
    click.echo(f"store set up: outlet {outlet_code} (head office), terminal {terminal_code}, "
               f"administrator {admin_login}. Next: 'kiosk admin ...' as {admin_login}.")


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or upgrade the database schema and the pepper key (harmless to rerun)."""
    from kiosk.store import schema
    from kiosk.store.db import safe_url
    runtime = _runtime(ctx, initialise=True)
    click.echo(f"database ready at schema version {schema.current_version()}: "
               f"{safe_url(runtime.settings.db_url)}")
    click.echo(f"pepper key: {runtime.settings.pepper_path}")


@main.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the demo outlet exists.")
@click.pass_context
def seed_demo(ctx: click.Context, if_empty: bool) -> None:
    """Load the demo outlet, operators, products, members and cards (see README)."""
    from kiosk.services import demo
    from kiosk.services.session import Session
    runtime = _runtime(ctx)
    if demo.is_seeded():
        if if_empty:
            if demo.seed_pos(lambda actor: Session(runtime, actor)):
                click.echo(f"demo POS {demo.DEMO_POS_CODE} added")
            click.echo("demo data already present")
            return
        raise InvalidInput(N_("The demo outlet exists already: use a fresh --home or --db, "
                              "or --if-empty."))
    demo.seed(lambda actor: Session(runtime, actor))
    demo.seed_channel_orders(lambda actor: Session(runtime, actor))
    demo.seed_pos(lambda actor: Session(runtime, actor))
    click.echo("demo data loaded: outlet 31010001, operators cashier1/clerk1/super1/"
               "finance1/admin1 (passwords in README.md)")


@main.command()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Prove the ledger balances and the audit chain is unbroken (exit 1 if not)."""
    from kiosk.services.verify import verify as run_verify
    report = run_verify(_runtime(ctx).sealer)
    click.echo(report.summary())
    if not report.ok:
        for violation in report.violations:
            click.echo(f"VIOLATION: {violation}")
        sys.exit(1)
    click.echo("ok")


@main.command()
@click.option("--date", "day", required=True, type=IsoDate(),
              help="The business date to export.")
@click.option("--out", "folder", required=True, type=click.Path(path_type=Path),
              help="Folder for <outlet>_<date>.csv/.jsonl/.manifest.json.")
@click.option("--outlet", "outlets", multiple=True, help="Outlet code (default: every outlet).")
@click.pass_context
def export(ctx: click.Context, day, folder: Path, outlets: tuple[str, ...]) -> None:
    """Write the nightly export of one business date (atomic, byte-identical on rerun)."""
    from kiosk.services import export as exporting
    from kiosk.services.bootstrap import system_session
    from kiosk.services import directory
    runtime = _report_runtime(ctx)
    session = system_session(runtime)
    codes = outlets or directory.outlet_codes()
    for code in codes:
        result = exporting.export_day(session, code, day, folder)
        click.echo(f"{code} {day}: {result.rows} rows -> "
                   f"{', '.join(path.name for path in result.paths)}")


@main.command()
@click.option("--quick", is_flag=True, help="Small sizes; under a minute.")
@click.option("--busy-day", is_flag=True, help="A day's load instead: N charges on SQLite "
              "(and, with --db postgresql://..., 8 terminals sustained), ledger checked.")
@click.option("--charges", default=100_000, show_default=True, help="--busy-day: charges.")
@click.option("--seconds", default=60.0, show_default=True,
              help="--busy-day: the sustained PostgreSQL run.")
@click.pass_context
def bench(ctx: click.Context, quick: bool, busy_day: bool, charges: int,
          seconds: float) -> None:
    """Measure the kiosk against raw-driver baselines (ratios; see docs/performance.md).
    With --db postgresql://..., also the multi-process contention figures there."""
    benchmarks = _benchmarks()
    pg_url = _bench_server(given_options(ctx).get("db_url"))
    if busy_day:
        from benchmarks import busy_day as busy

        def report(name, value):
            click.echo(f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: {value}")
        busy.sqlite_day(charges, report)
        if pg_url:
            busy.pg_day(pg_url, seconds, report)
        return
    benchmarks.run(quick=quick, pg_url=pg_url, emit=click.echo)


def _benchmarks():
    """The benchmarks live in the repository (benchmarks/), not in the installed package:
    found next to the kiosk package of a checkout (an editable install), or in the
    current folder."""
    import importlib
    for root in (Path(__file__).resolve().parents[1], Path.cwd()):
        if (root / "benchmarks" / "__init__.py").is_file():
            if str(root) not in sys.path:
                sys.path.insert(0, str(root))
            return importlib.import_module("benchmarks")
    raise InvalidInput(N_("kiosk bench runs from a checkout of the kiosk's repository (its "
                          "benchmarks/ folder is not installed with the package): run it "
                          "there, e.g. make bench."))


def _bench_server(url: str | None) -> str | None:
    """The PostgreSQL server given with --db, checked before a long run starts; the
    SQLite figures always use a folder of their own."""
    if url is None:
        return None
    if not url.startswith("postgres"):
        raise InvalidInput(N_("kiosk bench --db takes a PostgreSQL URL (postgresql://...); "
                              "without --db it measures SQLite in a temporary folder."))
    import psycopg2

    from kiosk.store.failures import unavailable
    try:
        psycopg2.connect(url, connect_timeout=10).close()
    except psycopg2.Error as error:
        raise unavailable(error, url) from None
    return url


@main.command("close-day")
@click.option("--date", "day", type=IsoDate(), help="Default: today's.")
@click.pass_context
def close_day(ctx: click.Context, day) -> None:
    """Outlet daily close (日结): refused while shifts are open or entries are abnormal."""
    from kiosk.services import closes
    closed = closes.close_day(operator_session(ctx), day)
    click.echo(f"business date {closed} closed")


@main.command("close-month")
@click.argument("month", type=Month())
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the month's report to this file: .csv, or .xlsx for Excel.")
@click.pass_context
def close_month(ctx: click.Context, month: str, csv_path: Path | None) -> None:
    """Monthly close (月结) of MONTH (YYYY-MM), once every busy day is closed; prints the
    month's report."""
    from kiosk.services import closes
    session = operator_session(ctx)
    report = closes.close_month(session, month)
    click.echo(f"month {month} closed")
    _write_table(ctx, report.as_table(), None)
    if csv_path is not None:
        _write_table(ctx, report.as_table(), csv_path)


@main.command("month-report")
@click.argument("month", type=Month())
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead: .csv, or .xlsx for Excel.")
@click.pass_context
def month_report_command(ctx: click.Context, month: str, csv_path: Path | None) -> None:
    """The month's report (月结报表) of MONTH again (of a month not closed yet: the
    figures so far)."""
    from kiosk.services import month_report
    report = month_report.month_report(operator_session(ctx), month)
    _write_table(ctx, report.as_table(), csv_path)


@main.group()
def ledger() -> None:
    """Store ledgers: daily balance ledger (门店余额台账), general ledger (门店总账) and the
    members holding stored value (会员储值余额)."""


def _outlet_code(outlet: str | None) -> str:
    from kiosk.services import directory
    return outlet or directory.first_outlet_code()


def _write_table(ctx: click.Context, table, path: Path | None) -> None:
    """A finance table in the kiosk's language: on the terminal, or as .csv or .xlsx."""
    from kiosk.i18n import translator
    translate = translator(settings_of(ctx).language)
    if path is None:
        _write_rows(table.shown(translate), None)
        return
    from kiosk.spreadsheet import write_report
    write_report(path, table, translate)
    click.echo(f"written: {path}")


def _write_rows(rows: list[list], csv_path: Path | None) -> None:
    """A table on screen, or a formula-safe CSV for finance."""
    if csv_path is None:
        for row in rows:
            click.echo("  ".join(cells.right(cell, 14) if i else cells.left(cell, 18)
                                 for i, cell in enumerate(map(str, row))))
        return
    from kiosk.spreadsheet import write_table
    write_table(csv_path, rows)
    click.echo(f"written: {csv_path}")


_FORMAT = click.option("--format", "business_format",
                       help="Every outlet of this business format (业态) together.")


@ledger.command("daily")
@click.option("--from", "first", required=True, type=IsoDate())
@click.option("--to", "last", required=True, type=IsoDate())
@click.option("--outlet")
@_FORMAT
@click.option("--csv", "csv_path", type=click.Path(path_type=Path))
@click.pass_context
def ledger_daily(ctx, first, last, outlet, business_format, csv_path) -> None:
    """Opening, in, out and closing of principal and bonus, per business date."""
    _ledger(ctx, outlet, business_format, "daily", first, last, csv_path)


def _ledger(ctx, outlet, business_format, which, first, last, csv_path) -> None:
    """A store ledger of the outlet (or of every outlet of the business format)."""
    from kiosk.services import ledgers
    from kiosk.services.bootstrap import system_session
    session = system_session(_report_runtime(ctx))
    _write_table(ctx, ledgers.ledger_table(session, _outlet_code(outlet), which, first, last,
                                           business_format=business_format or ""),
                 csv_path)


@ledger.command("stock")
@click.option("--outlet", help="One outlet (default: every outlet and the chain).")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path))
@click.pass_context
def ledger_stock(ctx, outlet, csv_path) -> None:
    """The card stock (卡库存) per outlet and product, as `kiosk stock counts`."""
    from kiosk.services import card_stock
    from kiosk.services.bootstrap import system_session
    _write_rows(card_stock.counts_table(system_session(_report_runtime(ctx)), outlet), csv_path)


@ledger.command("general")
@click.option("--date", "day", required=True, type=IsoDate())
@click.option("--outlet")
@_FORMAT
@click.option("--csv", "csv_path", type=click.Path(path_type=Path))
@click.pass_context
def ledger_general(ctx, day, outlet, business_format, csv_path) -> None:
    """Stored value of the outlet's cards by business type, up to a date."""
    _ledger(ctx, outlet, business_format, "general", day, day, csv_path)


@ledger.command("holders")
@click.option("--outlet")
@_FORMAT
@click.option("--csv", "csv_path", type=click.Path(path_type=Path))
@click.pass_context
def ledger_holders(ctx, outlet, business_format, csv_path) -> None:
    """Members holding stored value now (会员储值余额): member, card, principal, bonus,
    total."""
    _ledger(ctx, outlet, business_format, "holders", None, None, csv_path)  # dated now


@main.command()
@click.option("--channel", required=True, help="A channel of the settings ([channels.NAME]).")
@click.option("--statement", required=True, type=click.Path(exists=True, path_type=Path),
              help="The channel's statement, .csv or .xlsx.")
@click.option("--month", type=Month(), help="YYYY-MM (default: last month).")
@click.option("--out", type=click.Path(path_type=Path), help="Report for finance: .csv or .xlsx.")
@click.option("--confirm", is_flag=True, help="Mark the month reconciled (no differences).")
@click.pass_context
def reconcile(ctx, channel, statement, month, out, confirm) -> None:
    """Match a channel statement to the journal. Exit 0: all matched; 1: differences."""
    from kiosk.services import reconcile as reconciling
    from kiosk.services.bootstrap import system_session
    # Matching only reads; confirming is finance's decision, made by someone who logs in.
    session = operator_session(ctx) if confirm else system_session(_runtime(ctx))
    month = month or reconciling.month_to_reconcile(session)
    report = reconciling.reconcile(session, channel=channel, statement=statement, month=month)
    table = reconciling.report_table(report)
    _write_table(ctx, table, None)
    if out:
        _write_table(ctx, table, out)
    click.echo(reconciling.summary(report))
    if confirm:
        reconciling.confirm(session, report)
        click.echo(f"{month} of {channel} confirmed")
    sys.exit(1 if report.differences else 0)


@main.command()
@click.option("--channel", required=True)
@click.option("--in", "settle_in", required=True, type=Month(),
              help="Settlement month YYYY-MM (1, 4, 7, 10).")
@click.option("--mode", type=click.Choice(["cash", "coupon"]), default="cash", show_default=True)
@click.pass_context
def settlement(ctx, channel, settle_in, mode) -> None:
    """The quarter's settlement list from the confirmed months."""
    from kiosk.money import plain_yuan
    from kiosk.services import reconcile as reconciling
    from kiosk.services.bootstrap import system_session
    result = reconciling.settlement(system_session(_runtime(ctx)), channel=channel,
                                    settle_in=settle_in, mode=mode)
    click.echo(f"channel {channel}, months {', '.join(result.months)}")
    click.echo(f"settlement total: {plain_yuan(result.total)} ({mode})")
    if result.invoice_amount is not None:
        click.echo(f"ordinary invoice amount (total / 1.06): {plain_yuan(result.invoice_amount)}")
    if result.missing:
        click.echo(f"not yet confirmed: {', '.join(result.missing)}", err=True)
        sys.exit(1)


# -- administration -----------------------------------------------------------------------
@main.group()
def admin() -> None:
    """Outlets, terminals, operators, roles, card products and promotions."""


def _admin_session(ctx):
    return operator_session(ctx)


def _password() -> str:
    """Typed twice, never echoed, never an argument (it would stay in the shell history)."""
    return click.prompt("one-time password", hide_input=True, confirmation_prompt=True)


@admin.command("outlet")
@click.argument("code")
@click.argument("name")
@click.option("--area", default="")
@click.option("--manager", default="")
@click.option("--address", default="")
@click.option("--phone", default="")
@click.option("--time-zone", default="Asia/Shanghai", show_default=True)
@click.option("--day-boundary", default="04:00", show_default=True)
@click.option("--format", "business_format", default="",
              help="Business format (业态), e.g. pharmacy, health store, clinic.")
@click.option("--bank-account", default="",
              help="The bank account channels pay settlements into (bank and number).")
@click.pass_context
def admin_outlet(ctx, code, name, area, manager, address, phone, time_zone, day_boundary,
                 business_format, bank_account):
    """Create outlet CODE (8 digits) or change its details."""
    from kiosk.services import admin as admin_service
    admin_service.save_outlet(_admin_session(ctx), admin_service.OutletDetails(
        code, name, area, manager, address, phone, time_zone, day_boundary, business_format,
        bank_account))
    click.echo(f"outlet {code} saved")


@admin.command("outlet-active")
@click.argument("code")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.pass_context
def admin_outlet_active(ctx, code, state):
    """Activate or deactivate an outlet."""
    from kiosk.services import admin as admin_service
    admin_service.set_outlet_active(_admin_session(ctx), code, state == "on")
    click.echo(f"outlet {code} {state}")


@admin.command("open-product")
@click.argument("outlet")
@click.argument("product")
@click.option("--close", is_flag=True, help="Close the product for the outlet instead.")
@click.pass_context
def admin_open_product(ctx, outlet, product, close):
    """Open card PRODUCT (and its issuer) for OUTLET."""
    from kiosk.services import admin as admin_service
    admin_service.open_product(_admin_session(ctx), outlet, product, not close)
    click.echo(f"{product} {'closed' if close else 'opened'} at {outlet}")


@admin.command("terminal")
@click.argument("outlet")
@click.argument("code")
@click.option("--name", default="")
@click.pass_context
def admin_terminal(ctx, outlet, code, name):
    """Add terminal CODE to OUTLET."""
    from kiosk.services import admin as admin_service
    admin_service.add_terminal(_admin_session(ctx), outlet, code, name)
    click.echo(f"terminal {code} added to {outlet}")


@admin.command("operator")
@click.argument("outlet")
@click.argument("login_id")
@click.argument("name")
@click.argument("role")
@click.pass_context
def admin_operator(ctx, outlet, login_id, name, role):
    """Add an operator; the one-time password is asked for and changed at first login."""
    from kiosk.services import admin as admin_service
    admin_service.add_operator(_admin_session(ctx), outlet, login_id, name, role, _password())
    click.echo(f"operator {login_id} added")


@admin.command("operator-lock")
@click.argument("outlet")
@click.argument("login_id")
@click.option("--unlock", is_flag=True)
@click.pass_context
def admin_operator_lock(ctx, outlet, login_id, unlock):
    """Lock an operator (or --unlock one locked by wrong passwords)."""
    from kiosk.services import admin as admin_service
    change = admin_service.unlock_operator if unlock else admin_service.lock_operator
    change(_admin_session(ctx), outlet, login_id)
    click.echo(f"operator {login_id} {'unlocked' if unlock else 'locked'}")


@admin.command("operator-role")
@click.argument("outlet")
@click.argument("login_id")
@click.argument("role")
@click.pass_context
def admin_operator_role(ctx, outlet, login_id, role):
    """Give an operator another role (from their next operation on)."""
    from kiosk.services import admin as admin_service
    admin_service.change_role(_admin_session(ctx), outlet, login_id, role)
    click.echo(f"operator {login_id}: role {role}")


@admin.command("operator-active")
@click.argument("outlet")
@click.argument("login_id")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.pass_context
def admin_operator_active(ctx, outlet, login_id, state):
    """Deactivate an operator who left (off; their history stays), or take them back."""
    from kiosk.services import admin as admin_service
    admin_service.set_operator_active(_admin_session(ctx), outlet, login_id, state == "on")
    click.echo(f"operator {login_id} {state}")


@admin.command("terminal-set")
@click.argument("outlet")
@click.argument("code")
@click.option("--name", help="A new name.")
@click.option("--active/--inactive", default=None, help="In use, or taken out of use.")
@click.pass_context
def admin_terminal_set(ctx, outlet, code, name, active):
    """Rename terminal CODE of OUTLET, or take it out of use (its journal stays)."""
    from kiosk.services import admin as admin_service
    admin_service.set_terminal(_admin_session(ctx), outlet, code, name=name, active=active)
    click.echo(f"terminal {code} of {outlet} changed")


@admin.command("tender")
@click.argument("code")
@click.argument("name")
@click.option("--account", default="", help="The till account it moves (outlet_cash, "
              "outlet_bank, or a new one such as outlet_cheque).")
@click.option("--inactive", is_flag=True, help="No longer taken.")
@click.pass_context
def admin_tender(ctx, code, name, account, inactive):
    """Add or change a tender type (收款方式)."""
    from kiosk.services import admin as admin_service
    admin_service.save_tender(_admin_session(ctx), code, name, account, not inactive)
    click.echo(f"tender {code} saved")


@admin.command("policy")
@click.argument("rule", required=False)
@click.argument("value", type=int, required=False)
@click.pass_context
def admin_policy(ctx, rule, value):
    """The chain's rules (tries before a lock, password length and age, the refund
    window): all of them with no argument, or set RULE to VALUE."""
    from kiosk.services import policies
    session = _admin_session(ctx)
    if rule is not None:
        policies.set_policy(session, rule, value if value is not None else -1)
    for policy in policies.listing(session):
        click.echo(f"{policy.key:24} {policy.value:>6}   (default {policy.default})")


@admin.command("reset-password")
@click.argument("outlet")
@click.argument("login_id")
@click.pass_context
def admin_reset_password(ctx, outlet, login_id):
    """Set a one-time password; the operator must change it at the next login."""
    from kiosk.services import admin as admin_service
    admin_service.reset_password(_admin_session(ctx), outlet, login_id, _password())
    click.echo(f"password of {login_id} reset")


@admin.command("login-id")
@click.argument("outlet")
@click.argument("old")
@click.argument("new")
@click.pass_context
def admin_login_id(ctx, outlet, old, new):
    """Change an operator's login id (the old one stays on record)."""
    from kiosk.services import admin as admin_service
    admin_service.change_login_id(_admin_session(ctx), outlet, old, new)
    click.echo(f"{old} is now {new}")


@admin.command("grant")
@click.argument("role")
@click.argument("permission")
@click.option("--revoke", is_flag=True)
@click.pass_context
def admin_grant(ctx, role, permission, revoke):
    """Grant PERMISSION to ROLE (or --revoke it)."""
    from kiosk.services import admin as admin_service
    admin_service.grant(_admin_session(ctx), role, permission, not revoke)
    click.echo(f"{role}: {permission} {'revoked' if revoke else 'granted'}")


def _fen(text: str | None) -> int | None:
    from kiosk.money import parse_yuan
    return None if text is None else parse_yuan(text, allow_zero=True)


@admin.command("product")
@click.argument("code")
@click.option("--name")
@click.option("--kind", type=click.Choice(["stored_value", "membership", "insurance", "fuel",
                                           "internal"]))
@click.option("--issuer")
@click.option("--spend-order", type=click.Choice(["principal_first", "bonus_first",
                                                  "proportional"]))
@click.option("--fee", help="Card fee in yuan.")
@click.option("--deposit", help="Deposit in yuan.")
@click.option("--sub-cards", "sub_card_limit", type=int)
@click.option("--points-per-yuan", type=int)
@click.option("--tiers", "tier_thresholds", help='e.g. "银卡:5000,金卡:20000" (points).')
@click.option("--allowed", "allowed_categories")
@click.option("--forbidden", "forbidden_categories")
@click.option("--validity-months", type=int)
@click.option("--signature/--no-signature", "signature_required", default=None)
@click.option("--initial-pin", type=click.Choice(["typed", "id_last6"]),
              help="The PIN a card starts with: typed by the customer at issue, or the last "
                   "six of the holder's ID number (X as 0: what an insurer's file needs).")
@click.option("--active/--inactive", default=None)
@click.option("--check-digit/--no-check-digit", "uses_luhn", default=None,
              help="Whether the product's card numbers end in a Luhn check digit (the "
                   "default): without one, a misread swipe cannot be told from a card.")
@click.option("--prepaid/--not-prepaid", default=None,
              help="A single-purpose prepaid card the chain sells (单用途商业预付卡): the "
                   "commerce ministry's rules apply. Every kind but insurance by default.")
@click.option("--revenue/--not-revenue", default=None,
              help="Whether what its cards pay (sales, channel orders redeemed) counts as "
                   "the outlet's revenue; if not, it is the issuer's receivable. Every kind "
                   "but insurance by default.")
@click.pass_context
def admin_product(ctx, code, fee, deposit, **fields):
    """Create card product CODE or change the options given."""
    from kiosk.services import admin as admin_service
    changes = {name: value for name, value in fields.items() if value is not None}
    for name, text in (("issue_fee", fee), ("deposit", deposit)):
        if text is not None:
            changes[name] = _fen(text)
    admin_service.save_product(_admin_session(ctx), code, **changes)
    click.echo(f"product {code} saved")


@admin.command("promotion")
@click.argument("product")
@click.argument("name")
@click.option("--min", "min_amount", required=True, help="Pay at least (yuan).")
@click.option("--bonus", required=True, help="Bonus (yuan).")
@click.option("--from", "starts", required=True, type=IsoDate())
@click.option("--to", "ends", required=True, type=IsoDate())
@click.pass_context
def admin_promotion(ctx, product, name, min_amount, bonus, starts, ends):
    """Add a recharge promotion to PRODUCT (e.g. 充500送50)."""
    from kiosk.services import admin as admin_service
    admin_service.add_promotion(_admin_session(ctx), product, name, _fen(min_amount),
                                _fen(bonus), starts, ends)
    click.echo(f"promotion {name} added to {product}")


@admin.group("pos")
def admin_pos() -> None:
    """Store POS allowed to call a terminal's payment endpoint (docs/pos-api.md)."""


@admin_pos.command("add")
@click.argument("outlet")
@click.argument("terminal")
@click.argument("code")
@click.option("--name", default="")
@click.pass_context
def admin_pos_add(ctx, outlet, terminal, code, name):
    """Register POS CODE for TERMINAL of OUTLET; its token is shown once."""
    from kiosk.services import pos_sales
    token = pos_sales.register(_admin_session(ctx), code=code, name=name,
                               outlet_code=outlet, terminal_code=terminal)
    click.echo(f"POS {code} registered for {outlet}/{terminal}. Its token (shown once, "
               f"only a hash is kept; give it to the POS as 'Authorization: Bearer ...'):")
    click.echo(token)


@admin_pos.command("token")
@click.argument("code")
@click.pass_context
def admin_pos_token(ctx, code):
    """A new token for POS CODE (the old one stops working); shown once."""
    from kiosk.services import pos_sales
    token = pos_sales.new_token(_admin_session(ctx), code)
    click.echo(f"new token of POS {code} (shown once; the old one no longer works):")
    click.echo(token)


@admin_pos.command("active")
@click.argument("code")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.pass_context
def admin_pos_active(ctx, code, state):
    """Allow (on) or refuse (off) POS CODE."""
    from kiosk.services import pos_sales
    pos_sales.set_active(_admin_session(ctx), code, state == "on")
    click.echo(f"POS {code} {state}")


@admin_pos.command("list")
@click.pass_context
def admin_pos_list(ctx):
    """Every registered POS, its outlet and terminal."""
    from kiosk.services import pos_sales
    for pos in pos_sales.listing(_admin_session(ctx)):
        click.echo(f"{pos.code:20} {pos.outlet_code}/{pos.terminal_code:8} "
                   f"{'on ' if pos.active else 'off'} {pos.name}")
@main.group()
def report() -> None:
    """Reports for the regulator."""


@report.command("prepaid")
@click.option("--quarter", required=True, help="e.g. 2026Q4")
@click.option("--out", type=click.Path(path_type=Path),
              help="The .xlsx to write (default: prepaid-QUARTER.xlsx here).")
@click.option("--custody-held", help="Prepaid funds held in custody at the bank (yuan).")
@click.option("--guarantee", help="A bank guarantee held in its place (yuan).")
@click.pass_context
def report_prepaid(ctx, quarter, out, custody_held, guarantee) -> None:
    """预收资金: prepaid card funds per issuing company and day, the custody due, and
    the purchases recorded, for the commerce regulator (单用途商业预付卡管理办法)."""
    from kiosk.i18n import translator
    from kiosk.services import prepaid
    from kiosk.spreadsheet import write_workbook
    session = operator_session(ctx)
    period = prepaid.Quarter.parse(quarter)
    result = prepaid.quarter_report(session, period, custody_held=_fen(custody_held) or 0,
                                    guarantee=_fen(guarantee) or 0)
    path = out or Path(f"prepaid-{period}.xlsx")
    if path.suffix.lower() != ".xlsx":
        raise InvalidInput(N_("The report is an .xlsx file."))
    write_workbook(path, prepaid.report_sheets(result, translator(
        session.runtime.settings.language)))
    for funds in result.issuers:
        click.echo(f"{funds.issuer}: {period} closing {funds.closing / 100:.2f}, custody due "
                   f"{funds.custody_due / 100:.2f}, shortfall {funds.shortfall / 100:.2f}")
    click.echo(f"written: {path}")


@main.command("verify-export")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.pass_context
def verify_export(ctx: click.Context, path: Path) -> None:
    """Check an export manifest (or a folder of them): its signature, checksums, the
    records' counts and totals, audit hashes. Needs the store's pepper key (--home or
    KIOSK_PEPPER_FILE); no database."""
    from kiosk.services.export import verify_export as check
    from kiosk.services.secrets import Sealer, read_pepper
    sealer = Sealer(read_pepper(settings_of(ctx).pepper_path))
    failed = False
    for result in check(path, sealer):
        click.echo(f"{result.manifest.name}: {'ok' if result.ok else 'FAILED'}")
        for problem in result.problems:
            click.echo(f"  {problem}")
        failed = failed or not result.ok
    sys.exit(1 if failed else 0)


@main.command()
@click.option("--sim", is_flag=True, help="Probe the simulated devices instead.")
@click.pass_context
def devices(ctx: click.Context, sim: bool) -> None:
    """List the configured devices, probe each, and print its state."""
    from kiosk.hw.devices import build_devices
    settings = settings_of(ctx)
    if sim:
        settings = with_simulated_devices(settings)
    for name, state in build_devices(settings).describe().items():
        configured = getattr(settings, name)
        click.echo(f"{name:8} {configured.driver:8} {state}")


@main.command()
@click.option("--sim", is_flag=True, help="Simulated devices (the demo).")
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), help="Screen language.")
@click.option("--no-kiosk-mode", is_flag=True, help="Allow quitting with Ctrl+Q (development).")
@click.option("--pos-listen", metavar="[HOST:]PORT",
              help="Serve the store POS's endpoint there (host 127.0.0.1 unless named; "
                   "pos_listen in kiosk.toml, KIOSK_POS_LISTEN).")
@click.pass_context
def run(ctx: click.Context, sim: bool, lang: str | None, no_kiosk_mode: bool,
        pos_listen: str | None) -> None:
    """Start the counter application (full screen)."""
    from kiosk.app import build_app
    runtime = _runtime(ctx)
    settings = runtime.settings
    if sim:
        settings = with_simulated_devices(settings)
        if not settings.outlet_code:
            settings = replace(settings, outlet_code="31010001")
    if lang:
        settings = replace(settings, language=lang)
    if no_kiosk_mode:
        settings = replace(settings, kiosk_mode=False)
    if pos_listen is not None:
        from kiosk.pos_api import parse_listen
        parse_listen(pos_listen)  # a bad address is said before the screen starts
        settings = replace(settings, pos_listen=pos_listen)
    app = build_app(replace(runtime, settings=settings), demo=sim)
    drop_keys_typed_ahead(sys.stdin)
    app.run()
    if app.return_code:  # it stopped on a failure (kiosk.log has it): a supervisor restarts it
        sys.exit(app.return_code)


def drop_keys_typed_ahead(stream) -> None:
    """Keys typed while the kiosk was starting would land in the login screen's first
    field, a password typed ahead in clear: the terminal's unread input is dropped."""
    if stream.isatty():
        import termios
        termios.tcflush(stream.fileno(), termios.TCIFLUSH)


from kiosk.commands.channel import channel  # noqa: E402  (groups of their own modules)
from kiosk.commands.cheque import cheque  # noqa: E402
from kiosk.commands.customer import customer  # noqa: E402
from kiosk.commands.internal import internal  # noqa: E402
from kiosk.commands.voucher import voucher  # noqa: E402
from kiosk.commands.insurer import insurer  # noqa: E402
from kiosk.commands.points import points  # noqa: E402
from kiosk.commands.stock import stock  # noqa: E402
from kiosk.commands.legacy import legacy  # noqa: E402
main.add_command(channel)
main.add_command(cheque)
main.add_command(customer)
main.add_command(internal)
admin.add_command(voucher)
main.add_command(insurer)
main.add_command(points)
main.add_command(stock)
main.add_command(legacy)

if __name__ == "__main__":
    main()
