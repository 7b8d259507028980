"""Customers (客户维护), as the fuel-card manual keeps them: a company (or a person) with
a code, its invoice details (发票抬头, 纳税人识别号), a credit limit and rating set by
finance, and an account (客户账户) that is recharged and allocated to its main cards.

The account may go below zero down to the credit limit: what it owes is paid back
with a receipt (收款). Money moves in services/customer_money.py; this module keeps
the customer's details and shows where its account stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.errors import InvalidInput, N_, NotFound
from kiosk.services import audit, cards, directory, permissions
from kiosk.services.accounts import customer_account, customer_account_code
from kiosk.services.operations import mask_card_number
from kiosk.services.session import Session
from kiosk.store import customers as customer_store
from kiosk.store import failures
from kiosk.store import models
from kiosk.text import plain_text

RATINGS = ("", "AAA", "AA", "A", "B", "C", "D")
KINDS = {"company": N_("company"), "person": N_("person")}
_CODE = re.compile(r"[0-9A-Za-z]{4,20}")
MAX_NAME, MAX_TITLE, MAX_TAX, MAX_CONTACT, MAX_ADDRESS = 100, 100, 20, 50, 200
# Finance's decision: a clerk registering a customer leaves them as they are.
CREDIT_FIELDS = ("credit_limit", "credit_rating")


@dataclass(frozen=True)
class CustomerDetails:
    """What the clerk types (客户维护); an empty code is given the next free one."""

    code: str
    name: str
    kind: str = "company"
    invoice_title: str = ""
    tax_number: str = ""
    contact: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class CustomerView:
    code: str
    name: str
    kind: str
    invoice_title: str
    tax_number: str
    contact: str
    phone: str
    address: str
    credit_limit: int
    credit_rating: str
    balance: int  # the account: below zero is owed
    main_cards: tuple[str, ...]  # masked

    @property
    def owed(self) -> int:
        return max(-self.balance, 0)

    @property
    def available(self) -> int:
        """What may still be allocated: the balance and the credit not yet used."""
        return self.balance + self.credit_limit


def _clean(text: str, most: int, missing: str | None = None) -> str:
    text = " ".join((text or "").split())
    plain_text(text)
    if missing and not text:
        raise InvalidInput(missing)
    if len(text) > most:
        raise InvalidInput(N_("At most {most} characters, please."), most=most)
    return text


def _checked(details: CustomerDetails) -> dict:
    if details.kind not in KINDS:
        raise InvalidInput(N_("A customer is a company or a person."))
    tax = _clean(details.tax_number, MAX_TAX).upper().replace(" ", "")
    if tax and not re.fullmatch(r"[0-9A-Z]{15,20}", tax):
        raise InvalidInput(N_("A taxpayer number (纳税人识别号) has 15 to 20 letters and "
                              "digits."), field="tax_number")
    phone = _clean(details.phone, 20)
    if phone and not re.fullmatch(r"[0-9+\- ]{5,20}", phone):
        raise InvalidInput(N_("A phone number has digits only."), field="phone")
    return {"name": _clean(details.name, MAX_NAME, N_("Type the customer's name.")),
            "kind": details.kind,
            "invoice_title": _clean(details.invoice_title, MAX_TITLE),
            "tax_number": tax, "contact": _clean(details.contact, MAX_CONTACT),
            "phone": phone, "address": _clean(details.address, MAX_ADDRESS)}


def save_customer(session: Session, details: CustomerDetails) -> CustomerView:
    """客户维护: register a customer (an empty code takes the outlet's next one) or change
    its details. Its cards are issued to its holder record, which carries its name."""
    permissions.require(session, permissions.MEMBER_EDIT)
    fields = _checked(details)
    code = _code(details.code)
    with audit.transaction(session):
        existing = customer_store.by_code(code) if code else None
        if existing is None:
            code = code or _next_code(session)
            try:  # two clerks registering at once may reach the same next code
                customer = customer_store.insert(
                    {"code": code, "outlet": session.actor.outlet_id,
                     "created_at": session.now(), **fields},
                    {"name": fields["name"], "phone": fields["phone"],
                     "outlet": session.actor.outlet_id, "source": "customer",
                     "created_at": session.now()})
            except failures.CONSTRAINT_BROKEN:
                raise InvalidInput(N_("Customer code {code} was taken a moment ago: save "
                                      "again (an empty code takes the next free one)."),
                                   code=code) from None
            customer_account(customer)  # opened with the customer, at zero
            audit.append(session, "customer.registered", subject=f"customer:{code}",
                         details=fields)
        else:
            changed = {name: value for name, value in fields.items()
                       if getattr(existing, name) != value}
            if changed:
                customer_store.update(existing.id, changed)
                audit.append(session, "customer.changed", subject=f"customer:{code}",
                             details=changed)
    return view(customer_store.by_code(code))


def save_with_credit(session: Session, details: CustomerDetails, *, credit_limit: int,
                     credit_rating: str) -> CustomerView:
    """The customer form's save, in one transaction: its details when they differ from
    what is kept (an empty code registers the customer), and its credit when that
    differs, which needs finance's right. Both rights are checked before anything is
    saved: never the details saved and then the credit refused."""
    code = _code(details.code)
    existing = customer_store.by_code(code) if code else None
    credit = {"credit_limit": credit_limit, "credit_rating": (credit_rating or "").strip().upper()}
    kept = {name: getattr(existing, name) if existing else default
            for name, default in zip(CREDIT_FIELDS, (0, ""))}
    details_changed = existing is None or any(
        getattr(existing, name) != value for name, value in _checked(details).items())
    if details_changed:
        permissions.require(session, permissions.MEMBER_EDIT)
    if credit != kept:
        permissions.require(session, permissions.FINANCE)
    with audit.transaction(session):
        saved = save_customer(session, details) if details_changed else view(existing)
        if credit != kept:
            saved = set_credit(session, saved.code, **credit)
    return saved


def _code(text: str) -> str:
    code = "".join((text or "").split()).upper()
    if code and not _CODE.fullmatch(code):
        raise InvalidInput(N_("A customer code has 4 to 20 letters and digits."), field="code")
    return code


def _next_code(session: Session) -> str:
    """The outlet's code and a running number: 100000010001, 100000010002 ..."""
    outlet_code = directory.actor_info(session.actor).outlet_code
    number = customer_store.count_at(session.actor.outlet_id) + 1
    while customer_store.code_taken(f"{outlet_code}{number:04d}"):
        number += 1
    return f"{outlet_code}{number:04d}"


def set_credit(session: Session, code: str, *, credit_limit: int, credit_rating: str) -> CustomerView:
    """Finance sets how much the customer's account may owe (信用额度) and its rating
    (信用等级). A lower limit applies to the next allocation; what is owed already stays
    owed."""
    permissions.require(session, permissions.FINANCE)
    if not isinstance(credit_limit, int) or isinstance(credit_limit, bool) or credit_limit < 0:
        raise InvalidInput(N_("The credit limit is an amount, or 0 for none."))
    rating = (credit_rating or "").strip().upper()
    if rating not in RATINGS:
        raise InvalidInput(N_("A credit rating is one of {ratings}."),
                           ratings=" ".join(r for r in RATINGS if r))
    with audit.transaction(session):
        customer = customer_store.locked(customer_by_code(code).id)
        before = {"credit_limit": customer.credit_limit, "credit_rating": customer.credit_rating}
        after = {"credit_limit": credit_limit, "credit_rating": rating}
        if before != after:
            customer_store.update(customer.id, after)
            audit.append(session, "customer.credit", subject=f"customer:{customer.code}",
                         details={"from": before, "to": after})
    return view(customer_store.by_code(customer.code))


def customer_by_code(code: str) -> models.Customer:
    customer = customer_store.by_code("".join((code or "").split()).upper())
    if customer is None:
        raise NotFound(N_("No customer with code {code}."), code=(code or "")[:20])
    return customer


def get(session: Session, code: str) -> CustomerView:
    permissions.require(session, permissions.QUERY)
    return view(customer_by_code(code))


def find(session: Session, search: str = "", *, limit: int = 200) -> list[CustomerView]:
    """Customers whose code or name contains `search` (all: empty)."""
    permissions.require(session, permissions.QUERY)
    rows = customer_store.listing("".join((search or "").split())[:MAX_NAME], limit)
    money = customer_store.balances([customer_account_code(row.id) for row in rows])
    return [view(row, money.get(customer_account_code(row.id), 0)) for row in rows]


def view(customer: models.Customer, balance: int | None = None) -> CustomerView:
    if balance is None:
        code = customer_account_code(customer.id)
        balance = customer_store.balances([code]).get(code, 0)
    return CustomerView(
        code=customer.code, name=customer.name, kind=customer.kind,
        invoice_title=customer.invoice_title, tax_number=customer.tax_number,
        contact=customer.contact, phone=customer.phone, address=customer.address,
        credit_limit=customer.credit_limit, credit_rating=customer.credit_rating,
        balance=balance,
        main_cards=tuple(mask_card_number(card.number)
                         for card in customer_store.main_cards(customer.id)))


@dataclass(frozen=True)
class CustomerCard:
    number: str
    main: bool
    main_number: str  # the main card a sub card belongs to
    status: str
    principal: int
    holder: str


def cards_of(session: Session, code: str) -> list[CustomerCard]:
    """The customer's main cards and sub cards with their balances (for the company's
    statement and the clerk choosing a card)."""
    permissions.require(session, permissions.QUERY)
    rows = []
    for card in customer_store.cards_of(customer_by_code(code).id):
        shown = cards.view(card)
        rows.append(CustomerCard(card.number, card.main_card_id is None,
                                 card.main_card.number if card.main_card_id else "",
                                 card.status, shown.principal, shown.holder))
    return rows


def customer_of_card(card: models.Card) -> models.Customer | None:
    return customer_store.by_id(card.customer_id) if card.customer_id else None
