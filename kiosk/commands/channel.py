"""`kiosk channel`: a channel's order list (渠道订单) imported and listed; the orders are
then redeemed at the counter by the charges that name them."""

from __future__ import annotations

import uuid
from pathlib import Path

import click

from kiosk.cli import _runtime, _write_rows, _write_table, operator_session
from kiosk.command_line import KioskGroup, Month
from kiosk.money import plain_yuan
from kiosk.services import channel_orders, channel_settlements, reconcile
from kiosk.services.bootstrap import system_session


@click.group(cls=KioskGroup)
def channel() -> None:
    """Channel orders: import a channel's order list, list its orders, settle them."""


@channel.command("import")
@click.option("--channel", "name", required=True, help="A channel of the settings "
              "([channels.NAME]).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_list(ctx: click.Context, name: str, path: Path) -> None:
    """Import the channel's order list PATH (.csv or .xlsx) as open orders; every bad
    row is listed by line and nothing is imported (exit 2)."""
    result = channel_orders.import_orders(operator_session(ctx), channel=name, path=path)
    click.echo(f"{name}: {result.imported} imported ({plain_yuan(result.total)}), "
               f"{len(result.already)} already imported")
    for known in result.already:
        click.echo(f"line {known.line}: {known.order_no} already imported")


@channel.command("orders")
@click.option("--channel", "name", required=True, help="A channel of the settings.")
@click.option("--status", type=click.Choice(channel_orders.STATUSES), help="Only these.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), help="Write a CSV.")
@click.pass_context
def list_orders(ctx: click.Context, name: str, status: str | None,
                csv_path: Path | None) -> None:
    """The channel's imported orders: amount, outlet, status and the redeeming charge."""
    session = system_session(_runtime(ctx))
    rows = [["order_no", "amount", "outlet", "status", "operation", "imported_at"]] + [
        [order.order_no, plain_yuan(order.amount), order.outlet_code, order.status,
         order.operation_id or "", order.imported_at]
        for order in channel_orders.orders(session, channel=name, status=status)]
    _write_rows(rows, csv_path)


# -- settlement (结算) -------------------------------------------------------------------
@channel.command("settleable")
@click.option("--channel", "name", required=True, help="A channel of the settings.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), help="Write a CSV.")
@click.pass_context
def settleable(ctx: click.Context, name: str, csv_path: Path | None) -> None:
    """The channel's orders redeemed here and in no settlement yet."""
    rows = [["order_no", "amount", "redeemed_on", "operation"]] + [
        [order.order_no, plain_yuan(order.amount), order.redeemed_on, order.operation_id]
        for order in channel_settlements.settleable(operator_session(ctx), channel=name)]
    _write_rows(rows, csv_path)


@channel.command("settle")
@click.option("--channel", "name", required=True, help="A channel of the settings.")
@click.option("--account", required=True,
              help="The clinic's bank account the channel pays into (bank and number).")
@click.option("--key", default="", help="An idempotency key: the same run again is a replay.")
@click.argument("order_nos", nargs=-1, required=True)
@click.pass_context
def settle(ctx: click.Context, name: str, account: str, key: str, order_nos) -> None:
    """Record "settlement started" (结算中) for the channel orders ORDER_NOS."""
    started = channel_settlements.start(
        operator_session(ctx), channel=name, order_nos=order_nos, bank_account=account,
        key=key or f"cli-settle-{uuid.uuid4().hex}")
    click.echo(f"settlement no. {started.settlement_id} started: {started.order_count} "
               f"orders, {plain_yuan(started.total)}"
               + (" (replayed)" if started.replayed else ""))


@channel.command("paid")
@click.argument("settlement_id", type=int)
@click.option("--bank-serial", default="", help="The bank transfer's serial number.")
@click.option("--coupon", default="", help="The coupon's number (used once).")
@click.option("--valid-until", default="", help="The coupon's last valid day, YYYY-MM-DD.")
@click.option("--key", default="", help="An idempotency key: the same run again is a replay.")
@click.pass_context
def paid(ctx: click.Context, settlement_id: int, bank_serial: str, coupon: str,
         valid_until: str, key: str) -> None:
    """Record the channel's payment of a started settlement: --bank-serial, or --coupon
    with --valid-until."""
    if bool(bank_serial) == bool(coupon):
        raise click.UsageError("give --bank-serial or --coupon (with --valid-until)")
    method = "coupon" if coupon else "bank"
    result = channel_settlements.record_payment(
        operator_session(ctx), settlement_id=settlement_id, method=method,
        reference=coupon or bank_serial, valid_until=valid_until or None,
        key=key or f"cli-settlement-paid-{uuid.uuid4().hex}")
    click.echo(f"settlement no. {result.settlement_id} paid by {method} {result.reference}: "
               f"{plain_yuan(result.total)}" + (" (replayed)" if result.replayed else ""))


@channel.command("statement")
@click.argument("settlement_id", type=int)
@click.option("--csv", "csv_path", type=click.Path(path_type=Path),
              help="Write the statement: .csv or .xlsx.")
@click.pass_context
def statement(ctx: click.Context, settlement_id: int, csv_path: Path | None) -> None:
    """A settlement's statement: its state, the clinic's bank account and its orders."""
    session = operator_session(ctx)
    view = channel_settlements.settlement(session, settlement_id)
    click.echo(f"settlement no. {view.settlement_id} ({view.channel}): {view.status}, "
               f"{view.order_count} orders, {plain_yuan(view.total)}")
    click.echo(f"bank account: {view.bank_account}")
    if view.method:
        click.echo(f"paid by {view.method} {view.reference}"
                   + (f" (valid until {view.coupon_valid_until})"
                      if view.coupon_valid_until else "") + f" at {view.paid_at}")
    _write_table(ctx, channel_settlements.statement_table(session, settlement_id), csv_path)


@channel.command("report")
@click.option("--channel", "name", required=True, help="A channel of the settings.")
@click.option("--month", type=Month(), help="YYYY-MM (default: last month).")
@click.option("--fields", default="",
              help="The columns, in order, comma-separated: "
                   + ",".join(reconcile.REPORT_FIELDS) + " (default: all).")
@click.option("--out", type=click.Path(path_type=Path), help="Write the report: .csv or .xlsx.")
@click.pass_context
def own_report(ctx: click.Context, name: str, month: str | None, fields: str,
               out: Path | None) -> None:
    """Our own report of the month's verified (redeemed) orders, with the columns picked."""
    session = system_session(_runtime(ctx))
    month = month or reconcile.month_to_reconcile(session)
    picked = [field.strip() for field in fields.split(",") if field.strip()]
    _write_table(ctx, reconcile.verified_orders_table(session, channel=name, month=month,
                                                      fields=picked), out)
