"""Customers (客户), their cards and allocation templates, as the services read and
change them. A customer's row is what an operation on its account locks: the credit
limit and the account's balance are decided on it."""

from __future__ import annotations

import datetime as dt

from kiosk.store import models, sql
from kiosk.store.ledger_reports import span_figures

_LOCKED = sql.Statement('SELECT * FROM "customer" WHERE "id" = ?', lock=True)


def by_code(code: str) -> models.Customer | None:
    return models.Customer.get_or_none(models.Customer.code == code)


def by_id(customer_id: int) -> models.Customer | None:
    return models.Customer.get_or_none(models.Customer.id == customer_id)


def locked(customer_id: int) -> models.Customer:
    """The customer as it is now, locked until the transaction ends."""
    return _LOCKED.models(models.Customer, customer_id)[0]


def code_taken(code: str) -> bool:
    return models.Customer.select().where(models.Customer.code == code).exists()


def count_at(outlet_id: int) -> int:
    return models.Customer.select().where(models.Customer.outlet == outlet_id).count()


def insert(fields: dict, holder: dict) -> models.Customer:
    """A new customer and the holder record its cards are issued to."""
    member = models.Member.create(**holder)
    return models.Customer.create(member=member, **fields)


def add(**fields) -> models.Customer:
    """A customer whose holder record exists already."""
    return models.Customer.create(**fields)


def update(customer_id: int, fields: dict) -> None:
    models.Customer.update(fields).where(models.Customer.id == customer_id).execute()
    customer = by_id(customer_id)
    if customer.member_id and "name" in fields:
        models.Member.update(name=fields["name"]).where(
            models.Member.id == customer.member_id).execute()


def listing(search: str = "", limit: int = 200) -> list[models.Customer]:
    """Customers by code or name (a part of either), by code."""
    C = models.Customer
    query = C.select()
    if search:
        query = query.where(C.code.contains(search) | C.name.contains(search))
    return list(query.order_by(C.code).limit(limit))


def balances(codes: list[str]) -> dict[str, int]:
    """Account code -> balance, for the customers' accounts that exist."""
    if not codes:
        return {}
    A = models.Account
    return {row.code: row.balance for row in A.select(A.code, A.balance).where(A.code.in_(codes))}


def cards_of(customer_id: int) -> list[models.Card]:
    """The customer's cards (main cards first, then their sub cards), by number."""
    C = models.Card
    return list(C.select().where(C.customer == customer_id)
                .order_by(C.main_card.is_null(False), C.number))


def main_cards(customer_id: int) -> list[models.Card]:
    C = models.Card
    return list(C.select().where(C.customer == customer_id, C.main_card.is_null(),
                                 C.status.not_in(("replaced", "void", "cleared")))
                .order_by(C.number))


# -- allocation templates (分配模板) ------------------------------------------------------
def templates_of(customer_id: int) -> list[models.AllocationTemplate]:
    T = models.AllocationTemplate
    return list(T.select().where(T.customer == customer_id).order_by(T.name))


def template(template_id: int) -> models.AllocationTemplate | None:
    return models.AllocationTemplate.get_or_none(models.AllocationTemplate.id == template_id)


def template_named(customer_id: int, name: str) -> models.AllocationTemplate | None:
    T = models.AllocationTemplate
    return T.get_or_none(T.customer == customer_id, T.name == name)


def template_lines(template_id: int) -> list[tuple[str, int, int]]:
    """(card number, card id, amount) of each line, by card number."""
    L, C = models.AllocationTemplateLine, models.Card
    return [(number, card_id, int(amount)) for number, card_id, amount in
            L.select(C.number, C.id, L.amount).join(C)
            .where(L.template == template_id).order_by(C.number).tuples()]


def save_template(customer_id: int, name: str, main_card_id: int,
                  lines: list[tuple[int, int]], operator_id: int | None, at,
                  template_id: int | None = None) -> int:
    """Create or replace a template and all its lines ((card id, amount) each)."""
    T, L = models.AllocationTemplate, models.AllocationTemplateLine
    fields = {"customer": customer_id, "name": name, "main_card": main_card_id,
              "updated_by": operator_id, "updated_at": at}
    if template_id is None:
        template_id = T.insert(**fields).execute()
    else:
        T.update(fields).where(T.id == template_id).execute()
        L.delete().where(L.template == template_id).execute()
    if lines:
        L.insert_many([{"template": template_id, "card": card_id, "amount": amount}
                       for card_id, amount in lines]).execute()
    return template_id


def delete_template(template_id: int) -> None:
    """A template is a standing instruction, not a record: the operations it ran keep
    their own lines."""
    L, T = models.AllocationTemplateLine, models.AllocationTemplate
    L.delete().where(L.template == template_id).execute()
    T.delete().where(T.id == template_id).execute()


def customer_figures(outlet_id: int, first: dt.date, last: dt.date
                     ) -> tuple[int, int, int, int]:
    """The accounts of the customers registered at the outlet (客户账户): opening, in,
    out, closing."""
    E, A = models.JournalEntry, models.Account
    return span_figures(E.select().join(A).where(A.outlet == outlet_id,
                                                 A.kind == "customer_funds"), first, last)
