"""`kiosk insurer`: insurers' files (保险卡) from the command line. Commands that change
things run as the operator who logs in for them; a review asks for the reviewer's
login id and password at the prompt, never on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kiosk.cli import _runtime, operator_session
from kiosk.command_line import KioskGroup
from kiosk.i18n import translator
from kiosk.money import plain_yuan


@click.group(cls=KioskGroup)
def insurer() -> None:
    """Insurers' files: their cards (开卡) and their loads and adjustments."""


def _session(ctx):
    from kiosk.services.bootstrap import system_session
    return system_session(_runtime(ctx))



def _import_command(kind: str, help_text: str) -> None:
    """`kiosk insurer import-<kind> FILE --name NAME`."""
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--name", required=True, help="What the file is, e.g. '泰康 2026-11'.")
    @click.pass_context
    def command(ctx, path: Path, name: str) -> None:
        from kiosk.services import insurer_cards
        file_id = insurer_cards.import_file(operator_session(ctx), path, kind=kind, name=name)
        click.echo(f"imported as #{file_id} (draft): a second operator reviews it with "
                   f"'kiosk insurer review {file_id}'")
    command.__doc__ = help_text
    insurer.command(f"import-{kind}")(command)


_import_command("cards", """The insurer's card file (.csv/.xlsx): card number, holder, ID
    number, product code, opening balance (empty or 由保险公司记账: held by the insurer).""")
_import_command("loads", """The insurer's loads file (.csv/.xlsx): card number, amount (a
    load; -amount takes back, never below zero).""")


@insurer.command("files")
@click.pass_context
def files(ctx) -> None:
    """The latest files: kind, insurer, status, lines done of all, total."""
    from kiosk.services import insurer_cards
    for row in insurer_cards.summaries(_session(ctx)):
        click.echo(f"#{row.file_id:<5} {row.kind:6} {row.status:9} {row.done:>5}/{row.lines:<5} "
                   f"{plain_yuan(row.total):>14}  {row.issuer}  {row.name}  "
                   f"by {row.created_by or 'system'}"
                   + (f", reviewed by {row.reviewed_by}" if row.reviewed_by else ""))


def _on_a_file(name: str):
    """A command on one file, named by its number."""
    def decorate(command):
        return insurer.command(name)(click.argument("file_id", type=int)(
            click.pass_context(command)))
    return decorate


@_on_a_file("review")
def review(ctx, file_id: int) -> None:
    """A second operator (finance) approves the file: login id and password asked for."""
    from kiosk.services import insurer_cards
    from kiosk.services.charge import Review
    session = operator_session(ctx)
    login_id = click.prompt("reviewer login id")
    password = click.prompt("reviewer password", hide_input=True)
    insurer_cards.review(session, file_id, Review(login_id, password))
    click.echo(f"#{file_id} reviewed by {login_id}")


@_on_a_file("run")
def run(ctx, file_id: int) -> None:
    """Post every line not yet posted (safe to rerun). Exit 1 if a line was refused."""
    from kiosk.services import insurer_cards
    session = operator_session(ctx)
    report = insurer_cards.run(session, file_id)
    tr = translator(session.runtime.settings.language)
    click.echo(f"#{file_id}: posted {report.posted}, already posted {report.already_posted}, "
               f"refused {len(report.failed)}")
    for line, error in report.failed:
        click.echo(f"line {line}: {error.render(tr)}", err=True)
    if report.failed:
        sys.exit(1)


@_on_a_file("void")
def void(ctx, file_id: int) -> None:
    """Void a draft or reviewed file that has not started to run."""
    from kiosk.services import insurer_cards
    insurer_cards.void(operator_session(ctx), file_id)
    click.echo(f"#{file_id} void")



# -- insurers that keep their cards' balances online -------------------------------------------
@insurer.command("link")
@click.argument("issuer")
@click.option("--online", "url", default="", metavar="URL",
              help="The insurer's balance interface (sim, or http(s)://...): its cards "
                   "pay online.")
@click.option("--held", is_flag=True, help="The balance is held by us (the default).")
@click.option("--timeout", type=int, default=10, show_default=True,
              help="Seconds to wait for the insurer's answer.")
@click.pass_context
def link(ctx, issuer: str, url: str, held: bool, timeout: int) -> None:
    """How an insurer's cards pay: online at its interface, or from the balance held by
    us. Needs the admin right."""
    from kiosk.services import insurer_online
    if held == bool(url):
        raise click.UsageError("give --online URL or --held")
    insurer_online.set_link(operator_session(ctx), issuer, online=bool(url), url=url,
                            timeout_seconds=timeout)
    click.echo(f"{issuer}: " + (f"online at {url}" if url else "held by us"))


@insurer.command("links")
@click.pass_context
def links(ctx) -> None:
    """Every insurer of a card product and how its cards pay."""
    from kiosk.services import insurer_online
    for row in insurer_online.links(_session(ctx)):
        click.echo(f"{row.issuer:12} {row.mode:7} {row.url}"
                   + (f" (timeout {row.timeout_seconds} s)" if row.mode == "online" else ""))


@insurer.command("settle")
@click.option("--minutes", type=int, default=10, show_default=True,
              help="Only deductions asked at least this long ago.")
@click.pass_context
def settle(ctx, minutes: int) -> None:
    """Cancel at the online insurers every deduction no charge posted for (a terminal
    that died mid-sale, an answer never heard). Exit 1 if an insurer did not answer."""
    from kiosk.services import insurer_online
    report = insurer_online.settle(operator_session(ctx), older_than_minutes=minutes)
    click.echo(f"cancelled {report.cancelled}, posted meanwhile {report.posted}, "
               f"insurer silent {report.open}")
    if report.open:
        sys.exit(1)
