"""Outlets (门店) and their terminals as administration and start-up read and change them."""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.store import models

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
