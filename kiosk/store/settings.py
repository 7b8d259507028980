"""The chain's settings: rules an administrator sets (policies), tender types, and the
store's own facts (the pepper's fingerprint, the audit format) kept as key and value."""

from __future__ import annotations

from kiosk.store import models

Policy, Tender, Meta = models.Policy, models.Tender, models.Meta


# -- policies --------------------------------------------------------------------------
def policy(key: str) -> str | None:
    row = Policy.get_or_none(Policy.key == key)
    return row.value if row is not None else None


def set_policy(key: str, value: str) -> None:
    Policy.insert(key=key, value=value).on_conflict(
        conflict_target=[Policy.key], update={Policy.value: value}).execute()


def set_policy_unless_set(key: str, value: str) -> None:
    Policy.insert(key=key, value=value).on_conflict_ignore().execute()


# -- tenders ---------------------------------------------------------------------------
def tender(code: str, *, active_only: bool = False) -> models.Tender | None:
    if active_only:
        return Tender.get_or_none(Tender.code == code, Tender.active == True)  # noqa: E712
    return Tender.get_or_none(Tender.code == code)


def active_tenders() -> list[models.Tender]:
    return list(Tender.select().where(Tender.active == True).order_by(Tender.id))  # noqa: E712


def tender_names() -> dict[str, str]:
    return {row.code: row.name for row in Tender.select()}


def till_account_kinds() -> set[str]:
    """The till accounts the tenders move (outlet_cash, outlet_bank ...)."""
    return {row.account_kind for row in Tender.select(Tender.account_kind)}


def add_tender(**values) -> models.Tender:
    return Tender.create(**values)


def change_tender(tender_id: int, **values) -> None:
    Tender.update(values).where(Tender.id == tender_id).execute()


# -- the store's facts -----------------------------------------------------------------
def fact(key: str) -> str | None:
    row = Meta.get_or_none(Meta.key == key)
    return row.value if row is not None else None


def add_fact(key: str, value: str) -> None:
    Meta.create(key=key, value=value)


def set_fact(key: str, value: str) -> None:
    Meta.insert(key=key, value=value).on_conflict(
        conflict_target=[Meta.key], update={Meta.value: value}).execute()
