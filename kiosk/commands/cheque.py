"""`kiosk cheque`: cheques (支票) from the command line, as finance works through the
bank's statement: list the cheques waiting, clear the ones the bank paid, bounce the
ones it refused. Runs as the operator who logs in for it (finance clears and bounces)."""

from __future__ import annotations

import uuid
from pathlib import Path

import click

from kiosk.cli import _write_rows, operator_session
from kiosk.command_line import KioskGroup
from kiosk.commands import each_of
from kiosk.money import plain_yuan


@click.group(cls=KioskGroup)
def cheque() -> None:
    """Cheques: list (query), clear, bounce."""


@cheque.command("list")
@click.option("--status", type=click.Choice(["received", "cleared", "bounced"]),
              help="Only cheques of this status.")
@click.option("--find", "search", default="", help="A cheque number, card number or drawer.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the list to this CSV file (for Excel) instead.")
@click.pass_context
def list_cheques(ctx, status: str | None, search: str, csv_path: Path | None) -> None:
    """The outlet's cheques, newest first (支票查询)."""
    from kiosk.services import cheques
    rows = [["id", "cheque no", "bank", "drawer", "card", "amount", "status", "received on",
             "received by", "decided by", "journal no", "reason"]]
    for view in cheques.cheques(operator_session(ctx), status=status or "", search=search,
                                limit=100000):
        rows.append([view.cheque_id, view.cheque_no, view.bank, view.drawer, view.card,
                     plain_yuan(view.amount), view.status, view.received_on,
                     view.received_by, view.decided_by, view.credit_operation_id or "",
                     view.reason])
    _write_rows(rows, csv_path)


@cheque.command("clear")
@click.argument("cheque_ids", nargs=-1, type=int, required=True)
@click.pass_context
def clear(ctx, cheque_ids: tuple[int, ...]) -> None:
    """The bank paid these cheques: each credits its card once (exit 1 if one was
    refused; the others are still cleared)."""
    from kiosk.services import cheques
    session = operator_session(ctx)
    each_of(ctx, session, [f"#{number}" for number in cheque_ids],
            lambda item: cheques.clear(session, int(item[1:]),
                                       key=f"cli-clear-{uuid.uuid4().hex}"),
            lambda item, done: f"{item}: {plain_yuan(done.amount)} + {plain_yuan(done.bonus)} "
                               f"-> {done.card_number}, journal #{done.operation_id}")


@cheque.command("bounce")
@click.argument("cheque_id", type=int)
@click.option("--reason", required=True, help="Why the bank refused it, e.g. 存款不足.")
@click.pass_context
def bounce(ctx, cheque_id: int, reason: str) -> None:
    """The bank refused this cheque: nothing is credited."""
    from kiosk.services import cheques
    done = cheques.bounce(operator_session(ctx), cheque_id, reason=reason,
                          key=f"cli-bounce-{uuid.uuid4().hex}")
    click.echo(f"#{done.cheque_id}: bounced, journal #{done.operation_id}")
