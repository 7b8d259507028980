"""The business date: the outlet's calendar day, turning over at its day boundary
(e.g. 04:00, so a late shift's sales at 01:30 still belong to the evening before)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo


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
