"""`kiosk points`: the member points batches of the hospital CRM (博爱), run at night or
once a year by cron or by hand. They run as the operator who logs in for them (the
`card.manage` right: a supervisor or an administrator); each card's change is an
operation of its own under a key made from the card and the day (expiry) or the year
(tiers), so a batch run twice, or on two terminals at once, changes nothing twice."""

from __future__ import annotations

import click

from kiosk.cli import operator_session
from kiosk.command_line import IsoDate, KioskGroup
from kiosk.i18n import translator


@click.group(cls=KioskGroup)
def points() -> None:
    """Member points: expiry by the chain's rule and the yearly tier review."""


@points.command("expire")
@click.option("--date", "day", type=IsoDate(), help="The run's day. Default: today's.")
@click.pass_context
def expire(ctx, day) -> None:
    """Expire the points older than the chain's rule (policy points_expiry_months)."""
    from kiosk.services import points as points_service
    session = operator_session(ctx)
    tr = translator(session.runtime.settings.language)
    report = points_service.expire_points(session, day)
    if report.cutoff is None:
        click.echo(tr("Points never expire (policy points_expiry_months is 0)."))
        return
    click.echo(tr("Points earned up to {cutoff} expired: {points} points on {cards} cards.")
               .format(cutoff=report.cutoff.isoformat(), points=report.points,
                       cards=report.cards))


@points.command("review-tiers")
@click.option("--date", "day", type=IsoDate(), help="The review's day. Default: today's.")
@click.pass_context
def review_tiers(ctx, day) -> None:
    """The yearly tier review: a card whose last twelve months' points no longer reach
    its tier goes down (once a year per card)."""
    from kiosk.services import points as points_service
    session = operator_session(ctx)
    tr = translator(session.runtime.settings.language)
    changes = points_service.review_tiers(session, day)
    for change in changes:
        click.echo(f"{change.card_number}  {change.old_tier or '-'} -> "
                   f"{change.new_tier or '-'}  ({change.earned})")
    click.echo(tr("{count} cards went down a tier.").format(count=len(changes)))
