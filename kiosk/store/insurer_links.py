"""How each insurer's cards pay (held by us, or online at the insurer) and the
deductions asked of online insurers, each under its sale's idempotency key."""

from __future__ import annotations

import datetime as dt

from kiosk.store import failures, models
from kiosk.store.db import database

Link = models.InsurerLink
Deduction = models.InsurerDeduction


def link(issuer: str) -> models.InsurerLink | None:
    return Link.get_or_none(Link.issuer == issuer)


def links() -> list[models.InsurerLink]:
    return list(Link.select().order_by(Link.issuer))


def save_link(issuer: str, **values) -> None:
    """Insert or update the insurer's row (the caller holds the meta row)."""
    if Link.update(**values).where(Link.issuer == issuer).execute() == 0:
        Link.create(issuer=issuer, **values)


def issuers() -> list[str]:
    """Every issuer a card product names, for the set-up screen's list."""
    return [row.issuer for row in models.CardProduct.select(models.CardProduct.issuer)
            .where(models.CardProduct.kind == "insurance", models.CardProduct.issuer != "")
            .distinct().order_by(models.CardProduct.issuer)]


def deduction(key: str) -> models.InsurerDeduction | None:
    return Deduction.get_or_none(Deduction.key == key)


def add_deduction(**values) -> models.InsurerDeduction:
    """The row of a deduction about to be asked, or the one already there under its key
    (a retry, or another terminal with the same sale)."""
    try:
        with database.atomic():
            return Deduction.create(**values)
    except failures.CONSTRAINT_BROKEN:
        return Deduction.get(Deduction.key == values["key"])


def move(key: str, allowed: tuple[str, ...], to: str, **values) -> bool:
    """The deduction from one of `allowed` to `to`, once (one conditional UPDATE);
    False if it was no longer in one of them."""
    return Deduction.update(status=to, **values).where(
        Deduction.key == key, Deduction.status.in_(allowed)).execute() == 1


def unsettled(before: dt.datetime) -> list[models.InsurerDeduction]:
    """Deductions still pending or being cancelled, asked before `before`."""
    unfinished = (models.DeductionStatus.PENDING, models.DeductionStatus.CANCELLING)
    return list(Deduction.select().where(Deduction.status.in_(unfinished),
                                         Deduction.created_at < before)
                .order_by(Deduction.id))


def recent(limit: int = 50) -> list[models.InsurerDeduction]:
    return list(Deduction.select().order_by(Deduction.id.desc()).limit(limit))
