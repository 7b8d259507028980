"""`kiosk legacy`: the old system's cards (实体卡迁移) as the back office reads them: the
list in store or unified mode, a migrated card's record (member, card credited,
remarks, vouchers) and a copy of one of its vouchers."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk.cli import _write_rows, operator_session
from kiosk.command_line import KioskGroup
from kiosk.money import plain_yuan

_UNIFIED = click.option("--unified", is_flag=True,
                        help="Unified mode (统一模式): every outlet's (supervisor, finance, admin).")


def _mode(unified: bool) -> str:
    from kiosk.services import scope
    return scope.UNIFIED if unified else scope.STORE


@click.group(cls=KioskGroup)
def legacy() -> None:
    """Old cards: list, a migrated card's record, its vouchers."""


@legacy.command("list")
@click.option("--migrated", type=click.Choice(["yes", "no", "all"]), default="all",
              show_default=True)
@click.option("--page", type=int, default=0)
@_UNIFIED
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def list_old_cards(ctx, migrated: str, page: int, unified: bool, csv_path: Path | None) -> None:
    """The old cards of this outlet (or, --unified, of the chain), a page at a time."""
    from kiosk.services import migration
    rules = migration.LegacyFilter(migrated={"yes": True, "no": False, "all": None}[migrated])
    rows = [["old card", "card type", "balance", "points", "outlet", "status", "migrated",
             "by"]]
    for row in migration.listing(operator_session(ctx), rules, page=page,
                                 mode=_mode(unified)):
        rows.append([row.number, row.card_type, plain_yuan(row.balance), row.points,
                     row.outlet_code, row.status,
                     row.migrated_at.strftime("%Y-%m-%d %H:%M") if row.migrated_at else "",
                     row.operator_name])
    _write_rows(rows, csv_path)


@legacy.command("record")
@click.argument("number")
@_UNIFIED
@click.pass_context
def record(ctx, number: str, unified: bool) -> None:
    """A migrated old card's record: member, card credited, who and when, remarks and the
    vouchers (name, type, bytes)."""
    from kiosk.services import migration
    found = migration.migrated_record(operator_session(ctx), number, mode=_mode(unified))
    click.echo(f"old card {found.old_card} ({found.card_type or '-'}, outlet "
               f"{found.outlet_code}): {plain_yuan(found.balance)}, {found.points} points")
    click.echo(f"member {found.member_name} {found.member_phone} -> card {found.card_number}")
    click.echo(f"by {found.operator_name} at {found.migrated_at}, journal #{found.operation_id}")
    click.echo(f"remarks: {found.remarks or '-'}")
    for voucher in found.vouchers:
        click.echo(f"voucher {voucher.name}  {voucher.kind}  {voucher.size}")


@legacy.command("voucher")
@click.argument("number")
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it (default: the data directory's reports folder).")
@_UNIFIED
@click.pass_context
def voucher(ctx, number: str, name: str, out: Path | None, unified: bool) -> None:
    """A copy of voucher NAME of migrated old card NUMBER."""
    from kiosk.services import migration
    path = migration.save_voucher(operator_session(ctx), number, name, mode=_mode(unified),
                                  target=out)
    click.echo(f"written: {path}")
