"""`kiosk channel`: a channel's order list (渠道订单) imported and listed; the orders are
then redeemed at the counter by the charges that name them."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk.cli import _runtime, _write_rows, operator_session
from kiosk.command_line import KioskGroup
from kiosk.money import plain_yuan
from kiosk.services import channel_orders
from kiosk.services.bootstrap import system_session


@click.group(cls=KioskGroup)
def channel() -> None:
    """Channel orders: import a channel's order list, list its orders."""


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
