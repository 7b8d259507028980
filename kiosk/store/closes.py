"""Day closes (日结) and month closes (月结), and what the abnormal journal check
(异常流水检查) counts before a day may close."""

from __future__ import annotations

import datetime as dt

from kiosk.store import models

Operation, DayClose, MonthClose = models.Operation, models.DayClose, models.MonthClose


def add_day_close(**values) -> models.DayClose:
    return DayClose.create(**values)


def add_month_close(**values) -> models.MonthClose:
    return MonthClose.create(**values)


def closed_days(outlet_id: int, first: dt.date, last: dt.date) -> set[dt.date]:
    return {row.business_date for row in DayClose.select().where(
        DayClose.outlet == outlet_id, DayClose.business_date.between(first, last))}


def days_with_business(outlet_id: int, first: dt.date, last: dt.date) -> set[dt.date]:
    return {row.business_date for row in Operation.select(Operation.business_date).distinct()
            .where(Operation.outlet == outlet_id, Operation.business_date.between(first, last))}


def receipts_never_printed(outlet_id: int, day: dt.date) -> int:
    """Receipts of the day's operations still queued for the printer."""
    return (models.Receipt.select().join(Operation)
            .where(Operation.outlet == outlet_id, Operation.business_date == day,
                   models.Receipt.status == "queued").count())


def cards_left_written(outlet_id: int) -> list[str]:
    """The numbers of the outlet's cards written but never issued (grey cards)."""
    return [card.number for card in models.Card.select(models.Card.number).where(
        models.Card.outlet == outlet_id, models.Card.status == "written")
        .order_by(models.Card.number)]


def reversals_of_reversals(outlet_id: int, day: dt.date) -> int:
    Original = Operation.alias()
    return (Operation.select().join(Original, on=(Operation.reverses == Original.id))
            .where(Operation.outlet == outlet_id, Operation.business_date == day,
                   Original.reverses.is_null(False)).count())
