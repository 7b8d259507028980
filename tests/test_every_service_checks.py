"""Every public service function that acts for someone (its first argument is the
session) checks a right before it does anything: by calling permissions.require(...),
permissions.require_any(...), permissions.ensure_can_act(...), operations.perform(...)
(which checks the operation kind's right inside its transaction), or another service
function that does. Found by reading the code, so a new function without a check fails
here the day it is written."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.source_code import parse

SERVICES = Path(__file__).resolve().parent.parent / "kiosk" / "services"
CHECKS = {"require", "require_any", "ensure_can_act", "perform"}

# Functions anyone at the terminal may call, and why.
OPEN_TO_ALL = {
    "operators.login": "the login itself: anyone may try (and tries are counted)",
    "operators.change_password": "one's own password, after the old one is checked",
    "operators.confirm_identity": "the lock screen: one's own password",
    "operators.unlock_with_review": "a supervisor's credentials are checked (review right)",
    "operators.authorise_review": "checks the reviewer's credentials and rights",
    "cards.check_pin": "the customer's PIN: counted tries, part of a checked operation",
    "lockout.check": "the mechanism behind every PIN and password check",
    "audit.append": "records; called inside checked operations",
    "audit.chain_name": "a name, no data",
    "shifts.open_or_resume": "called by the login for the operator who logged in",
    "receipts.queue": "inside a checked operation",
    "receipts.print_pending": "this terminal's own queue, from the app's printer worker",
    "business_date.current_business_date": "a date, no data",
    "business_date.open_business_date": "a date, no data",
    "business_date.calendar_business_date": "a date, no data",
    "directory.outlet_today": "the actor's own outlet date by its remembered clock, no data",
    "charge.check_sale": "a hint inside a checked sale; its data is the card just read",
    "channel_orders.redeem": "inside a checked sale's transaction",
    "points.post_earned": "inside a checked sale's transaction (charge, member_sale)",
    "prepaid.record_sale": "inside a checked sale's transaction (recharge, batch list)",
    "channels.channel_mapping": "the settings' column names, no data",
    "channels.channel_of_issuer": "the settings' channel names, no data",
    "operations.perform": "checks the operation kind's right inside its transaction",
    "permissions.require": "the check itself",
    "permissions.require_any": "the check itself",
    "permissions.ensure_can_act": "the check itself",
    "card_stock.no_blank_left": "a message for an issue that was checked",
    "card_stock.outlet_in_view": "the operator's own outlet code, no data",
    "shifts.check_open": "whether the actor's own shift is open: a hint before a PIN",
    "tenders.drawer": "the till account a checked operation posts to",
    "tenders.drawer_giving_back": "the till account a checked refund or return pays out of",
}


def _all_functions() -> dict[str, ast.FunctionDef]:
    """Every module-level function of the services, private helpers too."""
    found = {}
    for path in sorted(SERVICES.glob("*.py")):
        tree = parse(path)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                found[f"{path.stem}.{node.name}"] = node
    return found


def _service_functions() -> dict[str, ast.FunctionDef]:
    """The public ones that act for someone: their first argument is the session."""
    return {name: node for name, node in _all_functions().items()
            if not node.name.startswith("_")
            and [arg.arg for arg in node.args.args][:1] == ["session"]}


def _called_names(node: ast.FunctionDef) -> set[str]:
    """module.function and bare names of every call in the function, nested ones too."""
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            function = call.func
            if isinstance(function, ast.Attribute):
                names.add(function.attr)
                if isinstance(function.value, ast.Name):
                    names.add(f"{function.value.id}.{function.attr}")
            elif isinstance(function, ast.Name):
                names.add(function.id)
    return names


def _checked(functions: dict[str, ast.FunctionDef]) -> set[str]:
    """Functions that check, directly or through another checked service function."""
    calls = {name: _called_names(node) for name, node in functions.items()}
    checked = {name for name, names in calls.items() if names & CHECKS} | set(OPEN_TO_ALL)
    changed = True
    while changed:
        changed = False
        for name, names in calls.items():
            if name in checked:
                continue
            module = name.split(".")[0]
            reached = {f"{module}.{called}" for called in names} | names
            if reached & checked:
                checked.add(name)
                changed = True
    return checked


def test_every_public_service_function_checks_a_right():
    functions = _service_functions()
    unchecked = sorted(set(functions) - _checked(_all_functions()))
    assert not unchecked, f"service functions that check no right: {unchecked}"


def test_the_list_of_open_functions_names_real_ones():
    functions = _service_functions()
    assert not set(OPEN_TO_ALL) - set(functions), set(OPEN_TO_ALL) - set(functions)
