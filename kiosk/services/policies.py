"""The chain's rules an administrator sets (`kiosk admin policy`, the admin screens):
tries before a lock, the password's length and age. Each has the legal or usual
default until changed; every change is audited."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import InvalidInput, N_
from kiosk.services import audit, caches, permissions
from kiosk.services.session import Session
from kiosk.store import settings


@dataclass(frozen=True)
class Rule:
    key: str
    label: str  # a message id
    default: int
    least: int
    most: int


RULES = {rule.key: rule for rule in (
    Rule("login_tries", N_("Wrong passwords before an operator is locked"), 3, 1, 10),
    Rule("pin_tries", N_("Wrong PINs before a card is locked"), 3, 1, 10),
    Rule("password_min_length", N_("Shortest password"), 8, 6, 12),
    Rule("password_max_age_days", N_("Days before a password must change"), 90, 0, 3650),
    Rule("refund_window_days", N_("Days after a charge that it can be refunded"), 30, 0, 3650),
    Rule("points_expiry_months", N_("Months before earned points expire (0: never)"), 0, 0,
         120),
    Rule("membership_min_sale_yuan",
         N_("A sale (yuan) that qualifies a non-member for membership (0: no rule)"), 0, 0,
         1000000),
    Rule("small_refund_limit_yuan", N_("Largest balance (yuan) refunded as a small balance"),
         100, 0, 100000),
    # 单用途商业预付卡管理办法 (services/prepaid.py, docs/compliance.md): each defaults to
    # the legal figure and may only be made stricter.
    Rule("prepaid_named_max_yuan", N_("Most a named prepaid card holds (yuan)"),
         5000, 1, 5000),
    Rule("prepaid_anonymous_max_yuan", N_("Most an anonymous prepaid card holds (yuan)"),
         1000, 1, 1000),
    Rule("prepaid_real_name_yuan", N_("A card purchase from this much records the buyer "
                                      "(yuan)"), 10000, 1, 10000),
    Rule("prepaid_company_transfer_yuan", N_("A company pays by bank transfer from (yuan)"),
         5000, 1, 5000),
    Rule("prepaid_person_transfer_yuan", N_("A person pays by bank transfer from (yuan)"),
         50000, 1, 50000),
    Rule("prepaid_anonymous_valid_months", N_("Months an anonymous prepaid card is valid"),
         36, 36, 1200),
    Rule("prepaid_redeem_after_months", N_("Months after issue a named card can be "
                                           "redeemed"), 3, 0, 120),
    Rule("prepaid_redemption_fee_percent", N_("Redemption fee (percent of the balance)"),
         0, 0, 20),
    Rule("prepaid_records_years", N_("Years purchase and holder records are kept"),
         5, 5, 30),
    Rule("prepaid_custody_percent", N_("Custody against prepaid funds (percent: 20 规模, "
                                       "30 集团, 40 品牌)"), 40, 20, 100),
)}
PASSWORD_MAX_LENGTH = 12  # the login screen's field; a longer password could not be typed


def value(key: str) -> int:
    rule = RULES[key]
    stored = settings.policy(key)
    return int(stored) if stored is not None else rule.default


# A rule read on every sale only for what the counter offers (the membership prompt),
# never for a decision about money or access: remembered a few seconds per process;
# a change made in this process is seen at once, one made elsewhere within that time.
REMEMBER_SECONDS = 5.0


def remembered(key: str) -> int:
    """value(key), read at most every REMEMBER_SECONDS: for offers and hints only."""
    return caches.of_open_store().policies.within(key, REMEMBER_SECONDS, lambda: value(key))


@dataclass(frozen=True)
class PolicyView:
    key: str
    label: str
    value: int
    default: int


def listing(session: Session) -> list[PolicyView]:
    permissions.require(session, permissions.ADMIN)
    return [PolicyView(rule.key, rule.label, value(rule.key), rule.default)
            for rule in RULES.values()]


def set_policy(session: Session, key: str, new_value: int) -> None:
    permissions.require(session, permissions.ADMIN)
    rule = RULES.get(key)
    if rule is None:
        raise InvalidInput(N_("Unknown rule {key}; the rules are {known}."), key=key[:40],
                           known=", ".join(RULES))
    if not isinstance(new_value, int) or not rule.least <= new_value <= rule.most:
        raise InvalidInput(N_("{key} is a whole number from {least} to {most}."), key=key,
                           least=rule.least, most=rule.most)
    with audit.transaction(session):
        old = value(key)
        settings.set_policy(key, str(new_value))
        audit.append(session, "policy.set", subject=f"policy:{key}",
                     details={"from": old, "to": new_value})
    caches.of_open_store().policies.forget()
