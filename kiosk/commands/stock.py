"""`kiosk stock ...`: the chain's card stock (卡库存) from the command line, run as the
system session of the configured outlet (the head office for receiving and sending)."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk.cli import _runtime, _write_rows, operator_session
from kiosk.command_line import KioskGroup

MOVE_TITLES = ["#", "kind", "status", "product", "count", "from", "to", "numbers",
               "created", "by", "note"]


def _session(ctx: click.Context):
    """Reading the stock needs no login; every move is made by an operator who logs in."""
    from kiosk.services.bootstrap import system_session
    return system_session(_runtime(ctx))



def _say(move) -> None:
    numbers = f" {move.first_number}-{move.last_number}" if move.first_number else ""
    done = " (already done: nothing changed)" if move.replayed else ""
    click.echo(f"move #{move.move_id} {move.kind} {move.status}: {move.count} {move.product}"
               f"{numbers}{done}")


@click.group(cls=KioskGroup)
def stock() -> None:
    """Card stock: receive blank cards, request, send, receive, return, scrap, counts."""


@stock.command("receive")
@click.option("--product", "product_code", default="",
              help="Product code (for a file: of the rows without one).")
@click.option("--file", "path", type=click.Path(exists=True, path_type=Path),
              help="The card maker's .csv/.xlsx: a card number per row, optionally a product.")
@click.option("--prefix", default="", help="Range: the digits before the serial.")
@click.option("--from", "first", help="Range: the first serial, as wide as the serials are "
              "(0000001).")
@click.option("--count", type=int, help="Range: how many cards.")
@click.option("--note", default="", help="E.g. the maker's batch.")
@click.pass_context
def stock_receive(ctx, product_code, path, prefix, first, count, note):
    """Receive blank cards into the head office's stock."""
    from kiosk.services import card_stock
    if path is not None and (first or count):
        raise click.UsageError("give either --file or --prefix/--from/--count")
    if path is not None:
        moves = card_stock.receive_file(operator_session(ctx), path, product_code=product_code,
                                        note=note)
    elif first is not None and count is not None and product_code:
        moves = [card_stock.receive_range(operator_session(ctx), product_code=product_code,
                                          prefix=prefix, first=first, count=count, note=note)]
    else:
        raise click.UsageError("give --file, or --product with --prefix, --from and --count")
    for move in moves:
        _say(move)


@stock.command("request")
@click.option("--outlet", required=True, help="The outlet that needs the cards.")
@click.option("--product", "product_code", required=True)
@click.option("--count", type=int, required=True)
@click.pass_context
def stock_request(ctx, outlet, product_code, count):
    """An outlet asks the head office for blank cards."""
    from kiosk.services import card_stock
    _say(card_stock.request_cards(operator_session(ctx), outlet, product_code, count))


@stock.command("send")
@click.argument("move_id", type=int)
@click.option("--numbers", default="", metavar="FIRST-LAST",
              help="Send these cards (default: the first blanks in stock).")
@click.pass_context
def stock_send(ctx, move_id, numbers):
    """The head office sends request MOVE_ID: the cards are in transit."""
    from kiosk.services import card_stock
    _say(card_stock.send(operator_session(ctx), move_id, numbers))


@stock.command("receive-move")
@click.argument("move_id", type=int)
@click.pass_context
def stock_receive_move(ctx, move_id):
    """The cards of MOVE_ID arrived: they become the receiving outlet's stock."""
    from kiosk.services import card_stock
    _say(card_stock.receive_move(operator_session(ctx), move_id))


@stock.command("cancel")
@click.argument("move_id", type=int)
@click.pass_context
def stock_cancel(ctx, move_id):
    """Cancel request MOVE_ID before it is sent."""
    from kiosk.services import card_stock
    _say(card_stock.cancel_request(operator_session(ctx), move_id))


@stock.command("return")
@click.option("--outlet", required=True, help="The outlet that sends cards back.")
@click.option("--product", "product_code", required=True)
@click.option("--count", type=int, default=0, help="Its first COUNT blanks of the product.")
@click.option("--numbers", default="", metavar="FIRST-LAST", help="Or these cards.")
@click.option("--note", default="")
@click.pass_context
def stock_return(ctx, outlet, product_code, count, numbers, note):
    """An outlet returns blank cards to the head office (received there with receive-move)."""
    from kiosk.services import card_stock
    _say(card_stock.return_cards(operator_session(ctx), outlet, product_code, count=count,
                                 numbers=numbers, note=note))


@stock.command("exchange")
@click.argument("number")
@click.option("--reason", required=True)
@click.pass_context
def stock_exchange(ctx, number, reason):
    """Scrap an outlet's damaged blank NUMBER and send a good one in its place."""
    from kiosk.services import card_stock
    _say(card_stock.exchange(operator_session(ctx), number, reason))


@stock.command("scrap")
@click.argument("numbers", nargs=-1, required=True)
@click.option("--reason", required=True)
@click.pass_context
def stock_scrap(ctx, numbers, reason):
    """Scrap blank (or written, never issued) cards of one outlet."""
    from kiosk.services import card_stock
    for move in card_stock.scrap(operator_session(ctx), list(numbers), reason):
        _say(move)


@stock.command("moves")
@click.option("--outlet", default="", help="Only the moves to or from this outlet.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--csv", "csv_path", type=click.Path(path_type=Path))
@click.pass_context
def stock_moves(ctx, outlet, limit, csv_path):
    """The latest stock moves."""
    from kiosk.services import card_stock
    rows = [[m.move_id, m.kind, m.status, m.product, m.count, m.from_outlet, m.to_outlet,
             f"{m.first_number}-{m.last_number}" if m.first_number else "", m.created_at,
             m.operator, m.note]
            for m in card_stock.moves(_session(ctx), outlet, limit=limit)]
    _write_rows([MOVE_TITLES] + rows, csv_path)


@stock.command("counts")
@click.option("--outlet", default="", help="One outlet (default: every outlet and the "
              "chain's totals, outlet *).")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path))
@click.pass_context
def stock_counts(ctx, outlet, csv_path):
    """Blank, written, in transit, issued and scrapped cards per outlet and product."""
    from kiosk.services import card_stock
    _write_rows(card_stock.counts_table(_session(ctx), outlet), csv_path)
