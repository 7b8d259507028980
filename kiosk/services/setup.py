"""The first run (首次设置): on an empty store, the chain's first outlet (its head office,
which receives the card stock), its first terminal and the first administrator, whose
own password is typed twice. Refused on a store that already has an outlet or an
operator: everything after is administration (`kiosk admin`, the admin screens), done
by an administrator who logs in."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.errors import InvalidInput, N_, fields_named
from kiosk.services import admin, audit, operators, permissions
from kiosk.services.session import Actor, Runtime, Session
from kiosk.store import outlets, schema
from kiosk.store import operators as operator_store
from kiosk.store.db import database

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class FirstRun:
    outlet: admin.OutletDetails
    terminal_code: str
    admin_login: str
    admin_name: str
    admin_password: str = field(repr=False)
    terminal_name: str = ""


class AlreadySetUp(InvalidInput):
    default_message = N_("This store is already set up: an administrator logs in and uses "
                         "'kiosk admin' or the admin screens.")


def needs_setup() -> bool:
    """Nothing to log in to yet: no outlet (the demo and `kiosk setup` both make one)."""
    return not outlets.any_registered()


def set_up(runtime: Runtime, first: FirstRun) -> Actor:
    """Create the head office, its terminal and the first administrator; returns the
    administrator at that terminal (not logged in: they log in as anyone would)."""
    with fields_named({"code": "outlet_code", "name": "outlet_name"}):
        values = admin.checked_outlet(first.outlet)
    with fields_named({"code": "terminal_code"}):
        admin.check_terminal_code(first.terminal_code)
    with fields_named({"login_id": "admin_login"}):
        admin.check_login_id(first.admin_login)
    if not first.admin_name.strip() or len(first.admin_name) > 50:
        raise InvalidInput(N_("A name has 1 to {most} characters."), most=50,
                           field="admin_name")
    operators.check_password_rule(first.admin_password)
    with database.atomic():
        schema.hold_meta_row()  # two first runs at once: the second finds it set up
        if not needs_setup() or operator_store.any_registered():
            raise AlreadySetUp()
        permissions.ensure_default_roles()
        outlet = outlets.add(**values, head_office=True)
        terminal = outlets.add_terminal(outlet.id, first.terminal_code,
                                        first.terminal_name[:50])
        system = Session(runtime, Actor(outlet_id=outlet.id, terminal_id=terminal.id))
        administrator = operators.create_operator(
            system, outlet=outlet, login_id=first.admin_login, name=first.admin_name.strip(),
            role=ADMIN_ROLE, password=first.admin_password)
        audit.append(system, "setup", subject=f"outlet:{outlet.code}",
                     details={"terminal": terminal.code, "admin": administrator.login_id})
    return Actor(outlet_id=outlet.id, terminal_id=terminal.id, operator_id=administrator.id)

