"""Administration: outlets (and the card products opened for them), terminals,
operators (lock, unlock, password reset, login id change with history), roles and
their permissions, card products and their promotions. Every change is audited and
needs the admin permission, whatever screen or command asks."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields

from kiosk.errors import InvalidInput, N_, NotFound
from kiosk.services import audit, channel_settlements, directory, operators, permissions
from kiosk.services.session import Session
from kiosk.store import catalog, failures, models, outlets
from kiosk.store import settings as settings_store
from kiosk.store import operators as operator_store

_OUTLET_CODE = re.compile(r"\d{8}")
_LOGIN_ID = re.compile(r"[A-Za-z0-9_.-]{3,30}")


def _admin(session: Session) -> None:
    permissions.require(session, permissions.ADMIN)


def _outlet(code: str) -> models.Outlet:
    outlet = outlets.by_code(code)
    if outlet is None:
        raise NotFound(N_("No outlet with code {code}."), code=code[:8])
    return outlet


def _product(code: str) -> models.CardProduct:
    product = catalog.product_by_code(code)
    if product is None:
        raise NotFound(N_("No card product {code}."), code=code[:20])
    return product


def _operator(outlet_code: str, login_id: str) -> models.Operator:
    operator = operator_store.at_outlet(_outlet(outlet_code).id, login_id)
    if operator is None:
        raise NotFound(N_("No operator {login_id} at outlet {code}."), login_id=login_id[:30],
                       code=outlet_code[:8])
    return operator


# -- outlets and terminals --------------------------------------------------------------
@dataclass(frozen=True)
class OutletDetails:
    code: str
    name: str
    area: str = ""
    manager: str = ""
    address: str = ""
    phone: str = ""
    time_zone: str = "Asia/Shanghai"
    day_boundary: str = "04:00"
    business_format: str = ""  # 业态: pharmacy, health store, clinic ...
    bank_account: str = ""  # what channels pay settlements into: bank and number


def save_outlet(session: Session, details: OutletDetails) -> None:
    """Create the outlet, or change its details (the code never changes)."""
    _admin(session)
    values = checked_outlet(details)
    with audit.transaction(session):
        existing = outlets.by_code(details.code)
        if existing is None:
            outlets.add(**values)
        else:
            outlets.change(existing.id, **values)
        audit.append(session, "outlet.save", subject=f"outlet:{details.code}",
                     details={"new": existing is None})
    if existing is not None:
        directory.outlet_changed(existing.id)


def checked_outlet(details: OutletDetails) -> dict:
    """The outlet's fields, trimmed, or a clear refusal of the first that is wrong."""
    if not _OUTLET_CODE.fullmatch(details.code):
        raise InvalidInput(N_("An outlet code has 8 digits."), field="code")
    if not details.name.strip() or len(details.name) > 100:
        raise InvalidInput(N_("A name has 1 to {most} characters."), most=100, field="name")
    if len(details.business_format.strip()) > 20:
        raise InvalidInput(N_("A business format has at most {most} characters."), most=20,
                           field="business_format")
    if details.bank_account.strip():
        channel_settlements.bank_account_text(details.bank_account)  # refused if unsound
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", details.day_boundary):
        raise InvalidInput(N_("A day boundary is a time HH:MM, e.g. 04:00."),
                           field="day_boundary")
    try:
        import zoneinfo
        zoneinfo.ZoneInfo(details.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(N_("Unknown time zone {zone}."), zone=details.time_zone[:50],
                           field="time_zone") from None
    values = {f.name: getattr(details, f.name).strip() for f in fields(OutletDetails)}
    values["bank_account"] = " ".join(details.bank_account.split())
    return values


def set_outlet_active(session: Session, code: str, active: bool) -> None:
    _admin(session)
    with audit.transaction(session):
        outlets.change(_outlet(code).id, active=active)
        audit.append(session, "outlet.active", subject=f"outlet:{code}",
                     details={"active": active})


def open_product(session: Session, outlet_code: str, product_code: str, opened: bool) -> None:
    """Activate a card product (and so its issuer) for an outlet, or close it; an outlet
    that has not opened a product answers its cards with 无匹配卫生机构."""
    _admin(session)
    outlet, product = _outlet(outlet_code), _product(product_code)
    with audit.transaction(session):
        if opened:
            catalog.open_product(outlet.id, product.id)
        else:
            catalog.close_product(outlet.id, product.id)
        audit.append(session, "outlet.product", subject=f"outlet:{outlet_code}",
                     details={"product": product_code, "opened": opened})


def check_terminal_code(code: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,20}", code):
        raise InvalidInput(N_("A terminal code has 1 to 20 letters or digits."), field="code")


def check_login_id(login_id: str) -> None:
    if not _LOGIN_ID.fullmatch(login_id):
        raise InvalidInput(N_("A login id has 3 to 30 letters, digits, '.', '_' or '-'."),
                           field="login_id")


def set_terminal(session: Session, outlet_code: str, code: str, *, name: str | None = None,
                 active: bool | None = None) -> None:
    """Rename a terminal or take it out of use (its journal stays)."""
    _admin(session)
    terminal = outlets.terminal(_outlet(outlet_code).id, code)
    if terminal is None:
        raise NotFound(N_("No terminal {code} at outlet {outlet}."), code=code[:20],
                       outlet=outlet_code[:8])
    changes = {key: value for key, value in (("name", name), ("active", active))
               if value is not None}
    with audit.transaction(session):
        outlets.change_terminal(terminal.id, **changes)
        audit.append(session, "terminal.change", subject=f"terminal:{outlet_code}/{code}",
                     details=changes)


def add_terminal(session: Session, outlet_code: str, code: str, name: str = "") -> None:
    _admin(session)
    check_terminal_code(code)
    with audit.transaction(session):
        try:
            outlets.add_terminal(_outlet(outlet_code).id, code, name[:50])
        except failures.CONSTRAINT_BROKEN:
            raise InvalidInput(N_("Terminal {code} already exists."), code=code) from None
        audit.append(session, "terminal.add", subject=f"terminal:{outlet_code}/{code}")


# -- operators ----------------------------------------------------------------------------
def add_operator(session: Session, outlet_code: str, login_id: str, name: str, role: str,
                 password: str) -> None:
    """A new operator with a one-time password, changed at first login."""
    _admin(session)
    check_login_id(login_id)
    if operator_store.role_named(role) is None:
        raise NotFound(N_("No role {role}."), role=role[:30])
    try:
        operators.create_operator(session, outlet=_outlet(outlet_code), login_id=login_id,
                                  name=name[:50], role=role, password=password,
                                  must_change=True)
    except failures.CONSTRAINT_BROKEN:
        raise InvalidInput(N_("Login id {login_id} is taken at this outlet."),
                           login_id=login_id, field="login_id") from None


def lock_operator(session: Session, outlet_code: str, login_id: str) -> None:
    _change_operator(session, outlet_code, login_id, "operator.lock", locked=True)


def set_operator_active(session: Session, outlet_code: str, login_id: str,
                        active: bool) -> None:
    """Deactivate an operator who left (their history stays), or take them back."""
    _change_operator(session, outlet_code, login_id, "operator.active", active=active)


def change_role(session: Session, outlet_code: str, login_id: str, role: str) -> None:
    found = operator_store.role_named(role)
    if found is None:
        raise NotFound(N_("No role {role}."), role=role[:30])
    _change_operator(session, outlet_code, login_id, "operator.role", role=found.id)


def _change_operator(session: Session, outlet_code: str, login_id: str, action: str,
                     **changes) -> None:
    """Takes effect at the operator's next operation, on every terminal."""
    _admin(session)
    operator = _operator(outlet_code, login_id)
    with audit.transaction(session):
        operator_store.change(operator.id, **changes)
        audit.append(session, action, subject=f"operator:{login_id}", details=changes)
    permissions.forget(operator.id)


def unlock_operator(session: Session, outlet_code: str, login_id: str) -> None:
    _admin(session)
    operators.unlock(session, operator_id=_operator(outlet_code, login_id).id)


def reset_password(session: Session, outlet_code: str, login_id: str, password: str) -> None:
    _admin(session)
    operators.reset_password(session, operator_id=_operator(outlet_code, login_id).id,
                             new_password=password)


def change_login_id(session: Session, outlet_code: str, old: str, new: str) -> None:
    """The operator keeps their history: journal rows point at the operator, and the
    old login id stays on record."""
    _admin(session)
    check_login_id(new)
    operator = _operator(outlet_code, old)
    with audit.transaction(session):
        try:
            operator_store.change(operator.id, login_id=new)
        except failures.CONSTRAINT_BROKEN:
            raise InvalidInput(N_("Login id {login_id} is taken at this outlet."),
                               login_id=new) from None
        operator_store.record_login_change(operator.id, old, new, session.now(),
                                           session.actor.operator_id)
        audit.append(session, "operator.login_id", subject=f"operator:{new}",
                     details={"old": old})
    directory.operator_changed(operator.id)


# -- roles --------------------------------------------------------------------------------
def grant(session: Session, role: str, permission: str, granted: bool = True) -> None:
    _admin(session)
    if permission not in permissions.ALL:
        raise InvalidInput(N_("Unknown permission {permission}; the permissions are {known}."),
                           permission=permission[:40], known=", ".join(permissions.ALL))
    row = operator_store.ensure_role(role, title=role)
    with audit.transaction(session):
        if granted:
            operator_store.grant(row.id, permission)
        else:
            operator_store.revoke(row.id, permission)
        audit.append(session, "role.grant" if granted else "role.revoke",
                     subject=f"role:{role}", details={"permission": permission})
    permissions.forget()  # every operator of the role


# -- products and promotions --------------------------------------------------------------
PRODUCT_FIELDS = {"name": str, "kind": str, "issuer": str, "spend_order": str,
                  "allowed_categories": str, "forbidden_categories": str, "issue_fee": int,
                  "deposit": int, "sub_card_limit": int, "points_per_yuan": int,
                  "tier_thresholds": str, "validity_months": int,
                  "signature_required": bool, "active": bool, "initial_pin": str,
                  "prepaid": bool, "uses_luhn": bool, "revenue": bool}
INITIAL_PINS = ("typed", "id_last6")


def save_product(session: Session, code: str, **changes) -> None:
    """Create a card product (needs name and kind) or change the given fields."""
    _admin(session)
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise InvalidInput(N_("Unknown product field {name}."), name=sorted(unknown)[0])
    if changes.get("kind", models.PRODUCT_KINDS[0]) not in models.PRODUCT_KINDS:
        raise InvalidInput(N_("A product kind is one of {known}."),
                           known=", ".join(models.PRODUCT_KINDS))
    if changes.get("initial_pin", INITIAL_PINS[0]) not in INITIAL_PINS:
        raise InvalidInput(N_("A PIN rule is one of {known}."), known=", ".join(INITIAL_PINS))
    if changes.get("spend_order", models.SPEND_ORDERS[0]) not in models.SPEND_ORDERS:
        raise InvalidInput(N_("A spend order is one of {known}."),
                           known=", ".join(models.SPEND_ORDERS))
    if any(changes.get(name, 0) < 0 for name in ("issue_fee", "deposit", "sub_card_limit",
                                                  "points_per_yuan", "validity_months")):
        raise InvalidInput(N_("Fees, limits and rates are never negative."))
    with audit.transaction(session):
        existing = catalog.product_by_code(code)
        if changes.get("kind", getattr(existing, "kind", "")) in models.OUTSIDE_STORED_VALUE:
            changes["prepaid"] = False  # as prepaid.is_prepaid reads it: the flag says so too
        _check_prepaid_validity(existing, changes)
        if existing is None:
            if not {"name", "kind"} <= set(changes):
                raise InvalidInput(N_("A new product needs a name and a kind."))
            catalog.add_product(code=code, **changes)
        elif changes:
            catalog.change_product(existing.id, **changes)
        audit.append(session, "product.save", subject=f"product:{code}",
                     details={"fields": sorted(changes)})


def _check_prepaid_validity(existing: models.CardProduct | None, changes: dict) -> None:
    """An anonymous prepaid card is valid at least the legal months (named ones never
    expire): a prepaid product's validity, if any, is no shorter."""
    from kiosk.services import policies, prepaid
    merged = {"kind": getattr(existing, "kind", ""), "prepaid": getattr(existing, "prepaid", True),
              "validity_months": getattr(existing, "validity_months", 0), **changes}
    least = policies.value("prepaid_anonymous_valid_months")
    if prepaid.is_prepaid_kind(merged["prepaid"], merged["kind"]) and \
            0 < merged["validity_months"] < least:
        raise prepaid.PrepaidRuleBroken(
            N_("Validity rule (单用途商业预付卡管理办法): an anonymous prepaid card is valid at "
               "least {months} months (0: no expiry); named cards never expire."), months=least)


def add_promotion(session: Session, product_code: str, name: str, min_amount: int, bonus: int,
                  starts_on: dt.date, ends_on: dt.date) -> None:
    _admin(session)
    if min_amount <= 0 or bonus <= 0 or ends_on < starts_on or not name.strip():
        raise InvalidInput(N_("A promotion needs a name, positive amounts and an end after "
                              "its start."))
    with audit.transaction(session):
        catalog.add_promotion(product=_product(product_code).id, name=name[:50],
                              min_amount=min_amount, bonus=bonus, starts_on=starts_on,
                              ends_on=ends_on)
        audit.append(session, "promotion.add", subject=f"product:{product_code}",
                     details={"name": name, "min": min_amount, "bonus": bonus})


# -- tender types -------------------------------------------------------------------------
_TILL_ACCOUNT = re.compile(r"outlet_[a-z]{2,16}")


def save_tender(session: Session, code: str, name: str, account_kind: str = "",
                active: bool = True) -> None:
    """Create a tender type (收款方式) or change one; `account_kind` is the till account it
    moves (outlet_cash, outlet_bank, or a new one such as outlet_cheque)."""
    _admin(session)
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,11}", code) or code == "card":
        raise InvalidInput(N_("A tender code has 2 to 12 small letters or digits (and is "
                              "not 'card')."))
    if not name.strip() or len(name) > 30:
        raise InvalidInput(N_("A name has 1 to {most} characters."), most=30)
    with audit.transaction(session):
        existing = settings_store.tender(code)
        account_kind = account_kind or (existing.account_kind if existing else "")
        if not _TILL_ACCOUNT.fullmatch(account_kind):
            raise InvalidInput(N_("A till account is written outlet_ and a few small letters, "
                                  "e.g. outlet_cash."))
        values = {"name": name.strip(), "account_kind": account_kind, "active": active}
        if existing is None:
            settings_store.add_tender(code=code, **values)
        else:
            settings_store.change_tender(existing.id, **values)
        audit.append(session, "tender.save", subject=f"tender:{code}", details=values)
