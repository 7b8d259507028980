"""Insurance-to-stored-value transfer requests (保险卡转储值): filed by an outlet,
decided once by finance."""

from __future__ import annotations

import datetime as dt

from kiosk.store import models

Transfer = models.InsuranceTransfer


def by_id(request_id: int) -> models.InsuranceTransfer | None:
    return Transfer.get_or_none(Transfer.id == request_id)


def of_charge(charge_id: int) -> models.InsuranceTransfer | None:
    return Transfer.get_or_none(Transfer.charge == charge_id)


def filed_for(charge_id: int) -> bool:
    """Whether a charge is filed for transfer to stored value (pending or approved)."""
    return Transfer.select().where(Transfer.charge == charge_id,
                                   Transfer.status != "rejected").exists()


def add(**values) -> models.InsuranceTransfer:
    return Transfer.create(**values)


def decide_pending(request_id: int, **decision) -> bool:
    """Move a pending request to its decision (one conditional UPDATE, so it is decided
    once); False if it was no longer pending."""
    return Transfer.update(**decision).where(Transfer.id == request_id,
                                             Transfer.status == "pending").execute() == 1


def mark_told(request_id: int, when: dt.datetime) -> None:
    Transfer.update(told_at=when).where(Transfer.id == request_id).execute()


def of_outlet(outlet_id: int, *, status: str = "", decided_from: dt.datetime | None = None,
              decided_before: dt.datetime | None = None) -> list[models.InsuranceTransfer]:
    """The outlet's requests by id; of a status, decided in a span of time (UTC)."""
    query = Transfer.select().where(Transfer.outlet == outlet_id).order_by(Transfer.id)
    if status:
        query = query.where(Transfer.status == status)
    if decided_from is not None:
        query = query.where(Transfer.decided_at >= decided_from,
                            Transfer.decided_at < decided_before)
    return list(query)
