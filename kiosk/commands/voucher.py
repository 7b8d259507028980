"""`kiosk admin voucher`: the chain's voucher print templates (凭证打印模板): list them,
show one (or preview it as it prints), set one from a file, or go back to the default."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk.cli import operator_session
from kiosk.command_line import KioskGroup
from kiosk.errors import InvalidInput, N_

KINDS = click.Choice(["card_issue", "recharge", "loss", "replacement", "clearing",
                      "application_form"])


@click.group(cls=KioskGroup)
def voucher() -> None:
    """Voucher print templates: list, show, set, reset."""


@voucher.command("list")
@click.pass_context
def list_vouchers(ctx) -> None:
    """Each voucher and whether the chain wrote its template (else the default prints)."""
    from kiosk.i18n import translator
    from kiosk.services import vouchers
    session = operator_session(ctx)
    tr = translator(session.runtime.settings.language)
    for row in vouchers.vouchers(session):
        click.echo(f"{row.kind:18} {tr(row.name)}  "
                   f"{'chain' if row.kept else 'default'}")


@voucher.command("show")
@click.argument("kind", type=KINDS)
@click.option("--preview", is_flag=True, help="As it prints on this terminal's paper, with "
              "sample values.")
@click.pass_context
def show(ctx, kind: str, preview: bool) -> None:
    """The template that prints for KIND (a starting point for your own)."""
    from kiosk.services import vouchers
    session = operator_session(ctx)
    click.echo(vouchers.preview(session, kind) if preview else vouchers.template(session, kind))


@voucher.command("set")
@click.argument("kind", type=KINDS)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def set_template(ctx, kind: str, path: Path) -> None:
    """The chain's template for KIND from a text file, UTF-8 or GB18030 (checked line by
    line)."""
    from kiosk.files import decoded_text, read_regular
    from kiosk.services import vouchers
    most = vouchers.MAX_LINES * (vouchers.MAX_LINE + 2) * 4  # four bytes a character at most
    data = read_regular(path, most)
    if len(data) > most:
        raise InvalidInput(N_("A template has at most {most} lines."), most=vouchers.MAX_LINES)
    lines = vouchers.save(operator_session(ctx), kind, decoded_text(data))
    click.echo(f"voucher {kind}: {lines} lines saved")


@voucher.command("reset")
@click.argument("kind", type=KINDS)
@click.pass_context
def reset(ctx, kind: str) -> None:
    """KIND prints the default again."""
    from kiosk.services import vouchers
    vouchers.reset(operator_session(ctx), kind)
    click.echo(f"voucher {kind}: the default prints")
