"""Groups of `kiosk` subcommands, one module per area, registered at the end of kiosk/cli.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import click


def each_of(ctx: click.Context, session, items: Iterable, act: Callable,
            told: Callable[[object, object], str]) -> None:
    """A batch command's loop: `act(item)` for each item, `told(item, result)` printed;
    a refusal is printed on the item's line and the others still run; exit 1 if one was
    refused."""
    from kiosk.errors import KioskError
    from kiosk.i18n import translator
    tr = translator(session.runtime.settings.language)
    refused = 0
    for item in items:
        try:
            result = act(item)
        except KioskError as error:
            refused += 1
            click.echo(f"{item}: {error.render(tr)}")
            continue
        click.echo(told(item, result))
    ctx.exit(1 if refused else 0)
