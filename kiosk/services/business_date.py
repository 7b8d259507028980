"""The business date: the outlet's calendar day, turning over at its day boundary
(e.g. 04:00, so a late shift's sales at 01:30 still belong to the evening before)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from kiosk.errors import InvalidInput, N_
from kiosk.store import outlets


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_boundary(text: str) -> dt.timedelta:
    hours, _, minutes = text.partition(":")
    return dt.timedelta(hours=int(hours), minutes=int(minutes or 0))


def business_date(utc_moment: dt.datetime, time_zone: str, day_boundary: str) -> dt.date:
    """`utc_moment` is naive UTC (as stored)."""
    local = utc_moment.replace(tzinfo=dt.timezone.utc).astimezone(_zone(time_zone))
    return (local - parse_boundary(day_boundary)).date()


def local_time(utc_moment: dt.datetime, time_zone: str) -> dt.datetime:
    """Naive UTC (as stored) to the outlet's wall-clock time, for receipts and screens."""
    return utc_moment.replace(tzinfo=dt.timezone.utc).astimezone(_zone(time_zone))


def utc_bounds(day: dt.date, time_zone: str, day_boundary: str) -> tuple[dt.datetime, dt.datetime]:
    """The inverse of business_date: the naive-UTC span [start, end) of a business date."""
    local_start = dt.datetime.combine(day, dt.time()) + parse_boundary(day_boundary)
    start = local_start.replace(tzinfo=_zone(time_zone)).astimezone(dt.timezone.utc)
    start = start.replace(tzinfo=None)
    return start, start + dt.timedelta(days=1)


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """YYYY-MM -> (its first day, the first day of the next month)."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidInput(N_("A month is written YYYY-MM.")) from None
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def calendar_business_date(session) -> dt.date:
    """The outlet's business date by the clock alone: today, closed or not."""
    return _by_the_clock(session, outlets.calendar(session.actor.outlet_id))


def current_business_date(session) -> dt.date:
    """The outlet's business date now; after a daily or monthly close, the next open
    date (so nothing is ever posted into a closed day or month)."""
    return open_business_date(session, outlets.calendar(session.actor.outlet_id))


def open_business_date(session, calendar: outlets.Calendar) -> dt.date:
    """The business date now by the outlet's calendar as read (an operation reads it
    with the rest of what it decides on, in one round trip)."""
    day = _by_the_clock(session, calendar)
    if calendar.last_closed_day is not None and day <= calendar.last_closed_day:
        day = calendar.last_closed_day + dt.timedelta(days=1)
    if calendar.last_closed_month is not None and \
            day.strftime("%Y-%m") <= calendar.last_closed_month:
        day = month_bounds(calendar.last_closed_month)[1]
    return day


def _by_the_clock(session, outlet: outlets.Calendar) -> dt.date:
    return business_date(session.now(), outlet.time_zone, outlet.day_boundary)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), on the month's last day when it is
    shorter: 2026-01-31 plus one month is 2026-02-28, never a day early elsewhere."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    next_month = dt.date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return dt.date(year, month + 1, min(day.day, (next_month - dt.timedelta(days=1)).day))
