"""`kiosk internal`: internal cards (内部卡), as finance works them at the month's end:
the list of the outlet's internal cards with what each used since it was last settled,
loading one, and settling them (one card, several, or every card with use)."""

from __future__ import annotations

import uuid
from pathlib import Path

import click

from kiosk.cli import _write_rows, operator_session
from kiosk.command_line import IsoDate, KioskGroup
from kiosk.money import plain_yuan


@click.group(cls=KioskGroup)
def internal() -> None:
    """Internal cards: list, load, settle."""


@internal.command("list")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the list to this CSV file (for Excel) instead.")
@click.pass_context
def list_cards(ctx, csv_path: Path | None) -> None:
    """The outlet's internal cards: balance, use not yet settled, last settled."""
    from kiosk.services import internal_cards
    rows = [["card", "holder", "status", "balance", "unsettled use", "settled up to"]]
    for row in internal_cards.internal_cards(operator_session(ctx)):
        rows.append([row.number, row.holder, row.status, plain_yuan(row.principal),
                     plain_yuan(row.unsettled), row.last_settled])
    _write_rows(rows, csv_path)


@internal.command("load")
@click.argument("card")
@click.argument("amount_yuan")
@click.option("--memo", default="", help="What for (a department, a month).")
@click.pass_context
def load(ctx, card: str, amount_yuan: str, memo: str) -> None:
    """Load AMOUNT (yuan) of the chain's internal funds onto CARD (内部卡拨款)."""
    from kiosk.money import parse_yuan
    from kiosk.services import internal_cards
    done = internal_cards.load(operator_session(ctx), card_number=card,
                               amount=parse_yuan(amount_yuan), memo=memo,
                               key=f"cli-internal-load-{uuid.uuid4().hex}")
    click.echo(f"{done.card_number}: +{plain_yuan(done.amount)}, balance "
               f"{plain_yuan(done.principal_after)}, journal #{done.operation_id}")


@internal.command("settle")
@click.argument("cards_", metavar="[CARD]...", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every internal card with use to settle.")
@click.option("--through", type=IsoDate(), help="Count use up to this business date "
              "(default: today's).")
@click.option("--return-balance", is_flag=True,
              help="Also give what is left on each card back to the internal funds.")
@click.pass_context
def settle(ctx, cards_: tuple[str, ...], every: bool, through, return_balance: bool) -> None:
    """Settle internal cards (内部卡结算): each card's use since its last settlement booked
    once as internal expense (exit 1 if one was refused; the others are settled)."""
    from kiosk.errors import InvalidInput, KioskError, N_
    from kiosk.i18n import translator
    from kiosk.services import internal_cards
    session = operator_session(ctx)
    numbers = list(cards_)
    if every:
        numbers += [row.number for row in internal_cards.internal_cards(session)
                    if row.unsettled or (return_balance and row.principal)]
    if not numbers and not every:
        raise InvalidInput(N_("Name the cards to settle, or --all."))
    tr = translator(session.runtime.settings.language)
    refused = 0
    for number in dict.fromkeys(numbers):
        try:
            done = internal_cards.settle(session, card_number=number, through=through,
                                         return_balance=return_balance,
                                         key=f"cli-internal-settle-{uuid.uuid4().hex}")
        except KioskError as error:
            refused += 1
            click.echo(f"{number}: {error.render(tr)}")
            continue
        click.echo(f"{done.card_number}: used {plain_yuan(done.used)} up to "
                   f"{done.through_date}, given back {plain_yuan(done.returned)}, journal "
                   f"#{done.operation_id}")
    ctx.exit(1 if refused else 0)
