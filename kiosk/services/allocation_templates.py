"""Allocation templates (分配模板): a customer's standing instruction to allocate from a
main card to its sub cards, each line a sub card and an amount (¥500 to the truck,
¥300 to the van). Kept by the clerk with the customer; run whenever the company asks,
as one operation: every line or none.

The run locks the main card and every sub card of the template (in id order, so two
runs or a run and an allocation never wait on each other the other way round), checks
each is still a usable sub card of the main card, and decides the total on the locked
main card's principal: two terminals running templates at once never allocate more
than the main card holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import InvalidInput, N_, NotFound
from kiosk.money import format_yuan
from kiosk.services import audit, cards, permissions
from kiosk.services.accounts import card_accounts
from kiosk.services.customers import customer_by_code
from kiosk.services.operations import (InsufficientFunds, OperationResult, Posting,
                                       mask_card_number, perform)
from kiosk.services.session import Session
from kiosk.store import cards as card_store
from kiosk.store import customers as customer_store
from kiosk.store import models

MAX_LINES, MAX_NAME = 200, 50


@dataclass(frozen=True)
class TemplateLine:
    card_number: str
    amount: int  # fen, above zero


@dataclass(frozen=True)
class TemplateView:
    template_id: int
    customer_code: str
    name: str
    main_card_number: str
    lines: tuple[TemplateLine, ...]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True, kw_only=True)
class TemplateRun(OperationResult):
    template_id: int
    name: str
    main_card_number: str
    total: int
    lines: list  # [card number, amount] as allocated
    main_after: int  # the main card's principal left


def _view(template: models.AllocationTemplate, customer_code: str) -> TemplateView:
    return TemplateView(template.id, customer_code, template.name,
                        card_store.number_of(template.main_card_id),
                        tuple(TemplateLine(number, amount) for number, _, amount in
                              customer_store.template_lines(template.id)))


def templates(session: Session, customer_code: str) -> list[TemplateView]:
    permissions.require(session, permissions.QUERY)
    customer = customer_by_code(customer_code)
    return [_view(row, customer.code) for row in customer_store.templates_of(customer.id)]


def _template(template_id: int) -> tuple[models.AllocationTemplate, models.Customer]:
    template = customer_store.template(template_id)
    if template is None:
        raise NotFound(N_("No allocation template #{number}."), number=template_id)
    return template, customer_store.by_id(template.customer_id)


def save(session: Session, customer_code: str, *, name: str, main_card_number: str,
         lines: list[TemplateLine], template_id: int | None = None) -> TemplateView:
    """A new template (or the template `template_id` replaced): a main card of the
    customer and lines of its sub cards, each once, each an amount above zero."""
    permissions.require(session, permissions.TRANSFER)
    customer = customer_by_code(customer_code)
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(N_("A template's name has 1 to {most} characters."), most=MAX_NAME)
    main = cards.get_card(main_card_number)
    if main.customer_id != customer.id or main.main_card_id is not None:
        raise InvalidInput(N_("Card {card} is not a main card of customer {code}."),
                           card=main.number[-4:], code=customer.code)
    checked = _checked_lines(main, lines)
    with audit.transaction(session):
        if template_id is not None:
            existing, owner = _template(template_id)
            if owner.id != customer.id:
                raise NotFound(N_("No allocation template #{number}."), number=template_id)
        same_name = customer_store.template_named(customer.id, name)
        if same_name is not None and same_name.id != template_id:
            raise InvalidInput(N_("Customer {code} has a template named {name} already."),
                               code=customer.code, name=name)
        saved = customer_store.save_template(customer.id, name, main.id, checked,
                                             session.actor.operator_id, session.now(),
                                             template_id)
        audit.append(session, "template.saved", subject=f"customer:{customer.code}",
                     details={"template": saved, "name": name, "main": main.number,
                              "lines": [[number, amount] for number, amount in
                                        ((line.card_number, line.amount) for line in lines)]})
    return _view(customer_store.template(saved), customer.code)


def _checked_lines(main: models.Card, lines: list[TemplateLine]) -> list[tuple[int, int]]:
    if not lines:
        raise InvalidInput(N_("A template needs at least one sub card and amount."))
    if len(lines) > MAX_LINES:
        raise InvalidInput(N_("A template has at most {most} lines."), most=MAX_LINES)
    checked, seen = [], set()
    for line in lines:
        card = cards.get_card(line.card_number)
        if card.main_card_id != main.id:
            raise InvalidInput(N_("Card {sub} is not a sub card of {main}."),
                               sub=card.number[-4:], main=main.number[-4:])
        if card.id in seen:
            raise InvalidInput(N_("Card {card} is in the template twice."),
                               card=card.number[-4:])
        if not isinstance(line.amount, int) or isinstance(line.amount, bool) \
                or line.amount <= 0:
            raise InvalidInput(N_("The amount must be a positive number of fen."))
        seen.add(card.id)
        checked.append((card.id, line.amount))
    return checked


def delete(session: Session, template_id: int) -> None:
    permissions.require(session, permissions.TRANSFER)
    with audit.transaction(session):
        template, customer = _template(template_id)
        customer_store.delete_template(template.id)
        audit.append(session, "template.deleted", subject=f"customer:{customer.code}",
                     details={"template": template.id, "name": template.name})


def run(session: Session, template_id: int, *, key: str) -> TemplateRun:
    """按模板分配: every line of the template from the main card to its sub card, in one
    operation; refused whole if the main card holds less than the total or a card of it
    is no longer a usable sub card of the main card."""
    permissions.require(session, permissions.TRANSFER)
    template, customer = _template(template_id)
    # The lines as read here, what the clerk confirmed: they are the request, and a
    # retry of a template changed meanwhile is refused as a different request.
    lines = customer_store.template_lines(template.id)
    if not lines:
        raise InvalidInput(N_("A template needs at least one sub card and amount."))
    main = cards.get_card(card_store.number_of(template.main_card_id))

    def decide(posting: Posting) -> dict:
        day = posting.operation.business_date
        ids = sorted({template.main_card_id, *(card_id for _, card_id, _ in lines)})
        locked = {card_id: cards.locked_for_spending(card_id, day) for card_id in ids}
        main_card = locked[template.main_card_id]
        principal = card_accounts(main_card, lock=True)["principal"]
        total = sum(amount for _, _, amount in lines)
        if principal.balance < total:
            raise InsufficientFunds(N_("Main card {card} holds {balance}; the template "
                                       "allocates {total}."),
                                    card=mask_card_number(main_card.number),
                                    balance=format_yuan(principal.balance),
                                    total=format_yuan(total))
        for number, card_id, amount in lines:
            if locked[card_id].main_card_id != main_card.id:
                raise InvalidInput(N_("Card {sub} is not a sub card of {main}."),
                                   sub=number[-4:], main=main_card.number[-4:])
            posting.move(principal, card_accounts(locked[card_id], lock=True)["principal"],
                         amount)
        posting.operation.amount = total
        return {"template_id": template.id, "name": template.name,
                "main_card_number": main_card.number, "total": total,
                "lines": [[number, amount] for number, _, amount in lines],
                "main_after": principal.balance - total}

    outcome = perform(session, kind="template_allocation", key=key,
                      request={"template": template.id, "lines": [
                          [number, amount] for number, _, amount in lines]},
                      run=decide, card=main, memo=template.name[:50])
    return TemplateRun.of(outcome)
