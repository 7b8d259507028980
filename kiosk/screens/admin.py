"""Administration in the app (the same services as `kiosk admin ...`): a menu of
actions, each a one-line-per-field form. Passwords are typed twice and never shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from kiosk.errors import InvalidInput, N_
from kiosk.money import parse_yuan
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen, key_hint
from kiosk.screens.form import DIGITS, MONEY, Field, FormScreen
from kiosk.services import admin, insurer_online, permissions, policies

ON_OFF = (("on", N_("yes")), ("off", N_("no")))
UNCHANGED_YES_NO = (("", N_("unchanged")), *ON_OFF)
ROLES = (("cashier", N_("cashier")), ("clerk", N_("member-centre clerk")),
         ("supervisor", N_("supervisor")), ("finance", N_("finance")), ("admin", N_("administrator")))
TILL_ACCOUNTS = (("outlet_cash", N_("cash drawer")), ("outlet_bank", N_("bank account")))
OUTLET = Field("outlet", N_("Outlet code"), 8, DIGITS)
LOGIN = Field("login_id", N_("Login id"), 30)
PASSWORD = Field("password", N_("One-time password"), 12, password=True)
PASSWORD2 = Field("password2", N_("Password again"), 12, password=True)


def _day(text: str):
    import datetime as dt
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(N_("A date is written YYYY-MM-DD.")) from None


SPEND_ORDERS = (("", N_("unchanged")), ("principal_first", N_("principal first")),
                ("bonus_first", N_("bonus first")), ("proportional", N_("proportional")))


def product_changes(values: dict[str, str]) -> dict:
    """The fields typed in; an empty one stays as it is."""
    changes = {}
    for name, text in values.items():
        if not text:
            continue
        if name in ("fee", "deposit"):
            changes["issue_fee" if name == "fee" else name] = parse_yuan(text, allow_zero=True)
        elif name in ("sub_card_limit", "points_per_yuan"):
            changes[name] = int(text)
        elif name == "revenue":
            changes[name] = text == "on"
        else:
            changes[name] = text
    return changes


@dataclass(frozen=True)
class Action:
    key: str
    title: str
    fields: tuple[Field, ...]
    run: Callable  # (session, values) -> None


ACTIONS = (
    Action("1", N_("Add an operator"), (
        OUTLET, LOGIN, Field("name", N_("Name"), 50), Field("role", N_("Role"), choices=ROLES),
        PASSWORD, PASSWORD2),
        lambda s, v: admin.add_operator(s, v["outlet"], v["login_id"], v["name"], v["role"],
                                        v["password"])),
    Action("2", N_("Lock or unlock an operator"), (
        OUTLET, LOGIN, Field("locked", N_("Locked"), choices=ON_OFF)),
        lambda s, v: (admin.lock_operator if v["locked"] == "on" else admin.unlock_operator)(
            s, v["outlet"], v["login_id"])),
    Action("3", N_("Reset a password"), (OUTLET, LOGIN, PASSWORD, PASSWORD2),
           lambda s, v: admin.reset_password(s, v["outlet"], v["login_id"], v["password"])),
    Action("4", N_("Change a login id"), (OUTLET, LOGIN, Field("new_login", N_("New login id"),
                                                              30)),
           lambda s, v: admin.change_login_id(s, v["outlet"], v["login_id"], v["new_login"])),
    Action("5", N_("Create or change an outlet"), (
        Field("outlet", N_("Outlet code"), 8, DIGITS), Field("name", N_("Name"), 100),
        Field("area", N_("Area"), 50), Field("manager", N_("Manager"), 50),
        Field("address", N_("Address"), 200), Field("phone", N_("Phone"), 30),
        Field("business_format", N_("Business format"), 20),
        Field("bank_account", N_("Settlement account"), 80)),
        lambda s, v: admin.save_outlet(s, admin.OutletDetails(
            v["outlet"], v["name"], v["area"], v["manager"], v["address"], v["phone"],
            business_format=v["business_format"], bank_account=v["bank_account"]))),
    Action("6", N_("Add a terminal"), (OUTLET, Field("code", N_("Terminal code"), 20),
                                       Field("name", N_("Name"), 50)),
           lambda s, v: admin.add_terminal(s, v["outlet"], v["code"], v["name"])),
    Action("7", N_("Open a card product for an outlet"), (
        OUTLET, Field("product", N_("Product code"), 20),
        Field("opened", N_("Opened"), choices=ON_OFF)),
        lambda s, v: admin.open_product(s, v["outlet"], v["product"], v["opened"] == "on")),
    Action("8", N_("Grant or revoke a permission"), (
        Field("role", N_("Role"), choices=ROLES),
        Field("permission", N_("Permission"),
              choices=tuple((p, permissions.DESCRIPTIONS[p]) for p in permissions.ALL)),
        Field("granted", N_("Granted"), choices=ON_OFF)),
        lambda s, v: admin.grant(s, v["role"], v["permission"], v["granted"] == "on")),
    Action("9", N_("Change a card product (empty: unchanged)"), (
        Field("product", N_("Product code"), 20), Field("fee", N_("Card fee"), 12, MONEY),
        Field("deposit", N_("Deposit"), 12, MONEY),
        Field("sub_card_limit", N_("Sub cards allowed"), 3, DIGITS),
        Field("spend_order", N_("Spend order"), choices=SPEND_ORDERS),
        Field("points_per_yuan", N_("Points per yuan"), 3, DIGITS),
        Field("tier_thresholds", N_("Tiers (name:points)"), 200),
        Field("allowed_categories", N_("Only categories"), 300),
        Field("forbidden_categories", N_("Never categories"), 300),
        Field("revenue", N_("Sales are revenue"), choices=UNCHANGED_YES_NO)),
        lambda s, v: admin.save_product(s, v.pop("product"), **product_changes(v))),
    Action("0", N_("Add a recharge promotion"), (
        Field("product", N_("Product code"), 20), Field("name", N_("Name"), 50),
        Field("min", N_("Pay at least"), 12, MONEY), Field("bonus", N_("Bonus"), 12, MONEY),
        Field("starts", N_("From (YYYY-MM-DD)"), 10), Field("ends", N_("To (YYYY-MM-DD)"), 10)),
        lambda s, v: admin.add_promotion(s, v["product"], v["name"], parse_yuan(v["min"]),
                                         parse_yuan(v["bonus"]), _day(v["starts"]),
                                         _day(v["ends"]))),
    Action("a", N_("Change an operator's role, or deactivate one"), (
        OUTLET, LOGIN, Field("role", N_("Role"), choices=ROLES),
        Field("active", N_("Active"), choices=ON_OFF)),
        lambda s, v: (admin.change_role(s, v["outlet"], v["login_id"], v["role"]),
                      admin.set_operator_active(s, v["outlet"], v["login_id"],
                                                v["active"] == "on"))),
    Action("b", N_("Rename a terminal or take it out of use"), (
        OUTLET, Field("code", N_("Terminal code"), 20), Field("name", N_("Name"), 50),
        Field("active", N_("In use"), choices=ON_OFF)),
        lambda s, v: admin.set_terminal(s, v["outlet"], v["code"], name=v["name"] or None,
                                        active=v["active"] == "on")),
    Action("c", N_("Add or change a tender type"), (
        Field("code", N_("Tender code"), 12), Field("name", N_("Name"), 30),
        Field("account", N_("Till account"), choices=TILL_ACCOUNTS),
        Field("active", N_("In use"), choices=ON_OFF)),
        lambda s, v: admin.save_tender(s, v["code"], v["name"], v["account"],
                                       v["active"] == "on")),
    Action("d", N_("Set a rule of the chain"), (
        Field("rule", N_("Rule"), choices=tuple((r.key, r.label)
                                               for r in policies.RULES.values())),
        Field("value", N_("Value"), 6, DIGITS)),  # the prepaid rules' yuan: up to 50000
        lambda s, v: policies.set_policy(s, v["rule"], int(v["value"] or -1))),
    Action("e", N_("How an insurer's cards pay (held by us, or online)"), (
        Field("issuer", N_("Insurer"), 50),
        Field("mode", N_("Balance"), choices=tuple(insurer_online.MODE_NAMES.items())),
        Field("url", N_("Interface address"), 200),
        Field("timeout", N_("Timeout (seconds)"), 2, DIGITS, value="10")),
        lambda s, v: insurer_online.set_link(
            s, v["issuer"], online=v["mode"] == insurer_online.ONLINE, url=v["url"],
            timeout_seconds=int(v["timeout"] or 0))),
)


class AdminScreen(KioskScreen):
    BINDINGS = [Binding(a.key, f"open('{a.key}')", N_("Open"), key_display="0-9 a-e",
                        show=a is ACTIONS[0]) for a in ACTIONS] + [
        Binding("escape", "back", N_("Back"))]

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield Static(self.tr("ADMINISTRATION"), id="title")
        yield Static("\n".join(f"[b]{a.key}[/b]  {self.tr(a.title)}" for a in ACTIONS),
                     id="menu", markup=True)
        yield from self.compose_keys()

    def action_open(self, key: str) -> None:
        self.app.push_screen(registry.admin_form(next(a for a in ACTIONS if a.key == key)))

    def action_back(self) -> None:
        self.app.pop_screen()


class AdminFormScreen(FormScreen):
    DETAILS = False
    BINDINGS = [key_hint("enter", N_("Next/save")), Binding("escape", "back", N_("Back"))]

    def __init__(self, action: Action) -> None:
        super().__init__()
        self.action = action

    def fields(self) -> list[Field]:
        return list(self.action.fields)

    def heading(self) -> str:
        return self.tr(self.action.title)

    def submit(self) -> None:
        values = {field.name: self.value(field.name) for field in self.action.fields}
        if "password2" in values and values["password"] != values.pop("password2"):
            self.clear_secrets()
            self.say(self.tr("The two passwords differ; type them again."), error=True)
            return
        self.call(self._saved, self.action.run, self.app.session, values)

    def _saved(self, _) -> None:
        self.clear_secrets()
        self.say(self.tr("Saved."))

    def action_back(self) -> None:
        self.app.pop_screen()
