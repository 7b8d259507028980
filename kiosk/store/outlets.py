"""Outlets (门店) and their terminals as administration and start-up read and change them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.store import models, sql

Outlet, Terminal = models.Outlet, models.Terminal


def any_registered() -> bool:
    return Outlet.select().exists()


def by_code(code: str) -> models.Outlet | None:
    return Outlet.get_or_none(Outlet.code == code)


def by_id(outlet_id: int) -> models.Outlet:
    return Outlet.get_by_id(outlet_id)


def first() -> models.Outlet | None:
    """The first outlet registered (the head office a first run makes)."""
    return Outlet.select().order_by(Outlet.id).first()


def issuing_outlet() -> models.Outlet | None:
    """The head office, or the first outlet of a chain that named none."""
    return Outlet.select().order_by(Outlet.head_office.desc(), Outlet.id).first()


def every_outlet() -> list[models.Outlet]:
    return list(Outlet.select().order_by(Outlet.code))


def codes(limit: int | None = None) -> list[str]:
    """Every outlet's code in code order (the first `limit` of them)."""
    query = Outlet.select(Outlet.code).order_by(Outlet.code)
    return [outlet.code for outlet in (query.limit(limit) if limit else query)]


def ids_of_format(business_format: str) -> list[int]:
    """The outlets of a business format (业态)."""
    return [outlet.id for outlet in Outlet.select(Outlet.id)
            .where(Outlet.business_format == business_format)]


def business_formats() -> list[str]:
    """Every business format an outlet has, in order."""
    return [outlet.business_format for outlet in Outlet.select(Outlet.business_format)
            .where(Outlet.business_format != "").distinct().order_by(Outlet.business_format)]


def known_codes(wanted: Iterable[str]) -> set[str]:
    """Those of `wanted` that are outlets' codes."""
    wanted = set(wanted)
    return {outlet.code for outlet in Outlet.select(Outlet.code)
            .where(Outlet.code.in_(wanted))} if wanted else set()


def add(**values) -> models.Outlet:
    return Outlet.create(**values)


def change(outlet_id: int, **values) -> None:
    Outlet.update(values).where(Outlet.id == outlet_id).execute()


# -- terminals -----------------------------------------------------------------------
def terminal(outlet_id: int, code: str) -> models.Terminal | None:
    return Terminal.get_or_none(Terminal.outlet == outlet_id, Terminal.code == code)


def terminal_by_id(terminal_id: int | None) -> models.Terminal | None:
    return Terminal.get_or_none(Terminal.id == terminal_id) if terminal_id else None


def add_terminal(outlet_id: int, code: str, name: str = "") -> models.Terminal:
    return Terminal.create(outlet=outlet_id, code=code, name=name)


def change_terminal(terminal_id: int, **values) -> None:
    Terminal.update(values).where(Terminal.id == terminal_id).execute()


# -- the outlet's calendar ---------------------------------------------------------------
@dataclass(frozen=True)
class Calendar:
    """What decides an outlet's business date, as it is in the store now."""

    time_zone: str
    day_boundary: str
    last_closed_day: dt.date | None
    last_closed_month: str | None  # YYYY-MM


# The outlet's calendar as four columns of a statement that reads more with it (an
# operation's opening, a sale's first look at the card): the outlet's id given
# CALENDAR_PARAMETERS times.
CALENDAR_COLUMNS = (
    '(SELECT "time_zone" FROM "outlet" WHERE "id" = ?), '
    '(SELECT "day_boundary" FROM "outlet" WHERE "id" = ?), '
    '(SELECT MAX("business_date") FROM "day_close" WHERE "outlet_id" = ?), '
    '(SELECT MAX("month") FROM "month_close" WHERE "outlet_id" = ?)')
CALENDAR_PARAMETERS = 4  # how many times CALENDAR_COLUMNS names the outlet's id

_CALENDAR = sql.Statement(f'SELECT {CALENDAR_COLUMNS}')


def calendar(outlet_id: int) -> Calendar:
    """Read fresh, in one statement, by every operation (twice: the screen's hint, then
    the decision): a time zone or day boundary changed on another terminal counts at
    the next operation here."""
    return calendar_of(*_CALENDAR.first(*[outlet_id] * CALENDAR_PARAMETERS))


def calendar_of(time_zone, day_boundary, day, month) -> Calendar:
    """The calendar from CALENDAR_COLUMNS' four values."""
    return Calendar(time_zone, day_boundary, sql.as_date(day), month)
