"""Sub cards (副卡), as the fuel-card manual issues and manages them:

- issued by the main card, or by the customer's code (its main card found for it);
- several at once (`issue_sub_cards`): the blanks written one after another, then one
  operation issues them all with one PIN, one fee and one deposit for every card (the
  later cards' fees are the first's), and one review when the batch passes the
  product's limit of sub cards (the screen asks "continue issuing?" first);
- the list of a main card's sub cards printed (`print_list`), as the batch's receipt
  lists the cards it issued;
- sub-card upgrade (副卡升级): when the main card is lost, one of its sub cards becomes
  the main card; the main card's balances move to it and the other sub cards (and the
  allocation templates) follow it.

Counts and moves are decided on the locked main card: two batches issued at once never
both take the last places without a review, and two sub cards upgraded at once never
both become the main card.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import InvalidInput, KioskError, N_, ReviewRequired
from kiosk.i18n import translator
from kiosk.money import printed_yuan
from kiosk.services import (card_care, card_status, cards, customers, issuing, permissions,
                            prepaid, receipts, service_fees, tenders)
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.card_status import CardStatus
from kiosk.services.operations import (OperationResult, Posting, mask_card_number, perform,
                                       stored)
from kiosk.services.session import Session
from kiosk.store import cards as card_store
from kiosk.store import customers as customer_store
from kiosk.store import models
from kiosk.store import sub_cards as sub_card_store

MOST_AT_ONCE = 50
OVER_LIMIT = N_("More sub cards than the product allows")


@dataclass(frozen=True)
class SubCardRoom:
    """Where a main card stands before sub cards are issued (a hint for the screen: the
    issue decides again on the locked main card)."""

    main_number: str
    product_code: str
    product_name: str
    in_use: int
    limit: int
    fee: int
    deposit: int

    def over_limit(self, count: int) -> bool:
        return self.in_use + count > self.limit


def main_card_for(main_number: str = "", customer_code: str = "") -> models.Card:
    """The main card named, or the customer's one main card in use."""
    if main_number:
        main = cards.get_card(main_number)
        if customer_code and main.customer_id != customers.customer_by_code(customer_code).id:
            raise InvalidInput(N_("Card {card} is not a main card of customer {code}."),
                               card=main.number[-4:], code=customer_code)
    elif customer_code:
        customer = customers.customer_by_code(customer_code)
        mains = [card for card in customer_store.main_cards(customer.id)
                 if card.status == CardStatus.ACTIVE]
        if len(mains) != 1:
            raise InvalidInput(N_("Customer {code} has {count} main cards in use: type the "
                                  "main card's number."), code=customer.code, count=len(mains))
        main = cards.get_card(mains[0].number)
    else:
        raise InvalidInput(N_("Type the main card's number or the customer's code."))
    if main.main_card_id is not None or main.status != "active":
        raise InvalidInput(N_("Card {number} cannot take sub cards."), number=main.number[-4:])
    return main


def room(session: Session, *, main_number: str = "", customer_code: str = "") -> SubCardRoom:
    permissions.require(session, permissions.CARD_ISSUE)
    main = main_card_for(main_number, customer_code)
    product = main.product
    return SubCardRoom(main.number, product.code, product.name,
                       card_store.sub_cards_in_use_count(main.id), product.sub_card_limit,
                       product.issue_fee, product.deposit)


def write_next(session: Session, writer, main_number: str) -> str:
    """The outlet's next blank of the main card's product, written with the main card's
    holder's name and read back; its number."""
    main = cards.get_card(main_number)
    number = issuing.next_blank(session, main.product.code)
    issuing.write_card(session, writer, number, member_id=main.member_id, company=main.company)
    return number


def bind_next(session: Session, reader, main_number: str) -> str:
    """The smart card on the reader bound to the outlet's next blank of the main card's
    product (a card already bound to another number is refused); its number."""
    main = cards.get_card(main_number)
    number = issuing.next_blank(session, main.product.code)
    issuing.bind_smart_card(session, reader, number)
    return number


@dataclass(frozen=True)
class SubCardBatch:
    card_numbers: tuple[str, ...]  # written cards, issued in this order
    pin: str
    fee: int  # each card's: the later cards' are the first's
    deposit: int
    main_number: str = ""
    customer_code: str = ""
    tender: str = "cash"
    invoice: bool = True  # the service-fee invoice; the customer may decline it


@dataclass(frozen=True, kw_only=True)
class SubCardsIssued(OperationResult):
    main_number: str
    card_numbers: list
    fee: int
    deposit: int
    amount: int
    in_use: int  # the main card's sub cards now
    form_receipt_id: int | None = None  # the customer application form (客户业务申请表)


def issue_sub_cards(session: Session, batch: SubCardBatch, *, key: str,
                    review=None) -> SubCardsIssued:
    """Every written card of the batch issued as a sub card of the main card, in one
    operation: all or none. One review covers a fee or deposit other than the
    product's and a batch passing the product's limit of sub cards."""
    permissions.require(session, permissions.CARD_ISSUE)
    numbers = tuple(dict.fromkeys(cards.normalize_number(n) for n in batch.card_numbers))
    if not numbers:
        raise InvalidInput(N_("Write the cards (F6) first."))
    if len(numbers) > MOST_AT_ONCE:
        raise InvalidInput(N_("At most {most} sub cards at once."), most=MOST_AT_ONCE)
    issuing.check_new_pin(batch.pin)
    till = tenders.till_account_kind(batch.tender)
    main = main_card_for(batch.main_number, batch.customer_code)
    product = main.product
    new_cards = [cards.get_card(number) for number in numbers]
    for card in new_cards:
        if card.product_id != product.id:
            raise InvalidInput(N_("Card {card} is not of the main card's product."),
                               card=card.number[-4:])
    reviewer = None
    if stored(key) is None:  # a retry replays what was decided; it asks nothing again
        reviewer = issuing.fee_review(session, product, batch.fee, batch.deposit, review)
        if card_store.sub_cards_in_use_count(main.id) + len(numbers) > product.sub_card_limit:
            reviewer = reviewer or issuing.require_review(
                session, review, permissions.CARD_ISSUE, OVER_LIMIT)
    pin_hash = session.hasher.hash(batch.pin)
    company = main.company
    if prepaid.is_prepaid(product) and main.member_id is not None:
        prepaid.check_named_holder(main.member, company=company)

    def run(posting: Posting) -> dict:
        day = posting.operation.business_date
        main_now = cards.locked_for_spending(main.id, day)
        in_use = card_store.sub_cards_in_use_count(main_now.id)
        if reviewer is None and in_use + len(numbers) > product.sub_card_limit:
            raise ReviewRequired(reason=OVER_LIMIT)
        drawer = till_account(session.actor.outlet_id, session.actor.terminal_id, till)
        fees = service_fees.fee_account(session.actor, batch.invoice)
        for card in sorted(new_cards, key=lambda c: c.id):
            if not card_store.change_if(
                    card.id, "written", status="active", member=main_now.member_id,
                    anonymous=main_now.member_id is None, company=company,
                    customer=main_now.customer_id, main_card=main_now.id, pin_hash=pin_hash,
                    pin_failures=0, pin_locked=False, expires_on=prepaid.expiry_for(
                        product, anonymous=main_now.member_id is None, today=day,
                        plain=issuing.expiry_date)):
                issuing.blank_card(session, card.number)  # says why: issued, or elsewhere
                raise InvalidInput(N_("Write the card (or read the smart card) before "
                                      "issuing it."))
            posting.move(drawer, fees, batch.fee)
            posting.move(drawer, card_accounts(card, lock=True)["deposit"], batch.deposit)
        total = len(numbers) * (batch.fee + batch.deposit)
        data = {"main_number": main_now.number, "card_numbers": list(numbers),
                "fee": batch.fee, "deposit": batch.deposit, "amount": total,
                "in_use": in_use + len(numbers), "invoice": batch.invoice}
        data["receipt_id"] = receipts.queue(
            session, posting.operation, main_now, "sub_card_issue",
            {"amount": total, "tender": batch.tender, "fee": batch.fee * len(numbers),
             "deposit": batch.deposit * len(numbers), "invoice": batch.invoice,
             "main_number": main_now.number},
            lines=[receipts.Item(mask_card_number(number), batch.fee + batch.deposit)
                   for number in numbers])
        data["form_receipt_id"] = receipts.queue(
            session, posting.operation, main_now, "application_form",
            {**data, "tender": batch.tender, "business": "sub_card_issue",
             "main_number": main_now.number})
        return data

    outcome = perform(session, kind="sub_card_issue", key=key,
                      request={"main": main.number, "cards": list(numbers), "fee": batch.fee,
                               "deposit": batch.deposit, "tender": batch.tender,
                               "invoice": batch.invoice},
                      run=run, card=main, amount=len(numbers) * (batch.fee + batch.deposit),
                      tender=batch.tender, reviewer_id=reviewer)
    return SubCardsIssued.of(outcome)


@dataclass(frozen=True)
class SubCardRow:
    number: str
    status: str
    principal: int
    holder: str


def sub_cards(session: Session, main_number: str) -> list[SubCardRow]:
    permissions.require(session, permissions.QUERY)
    main = cards.get_card(main_number)
    rows = []
    for card in sub_card_store.of_main(main.id):
        shown = cards.view(card)
        rows.append(SubCardRow(card.number, card.status, shown.principal, shown.holder))
    return rows


def print_list(session: Session, printer, main_number: str) -> int:
    """The list of the main card's sub cards, printed (each masked, its state and what
    it holds); how many."""
    permissions.require(session, permissions.QUERY)
    rows = sub_cards(session, main_number)
    tr = translator(session.runtime.settings.language)
    lines = [(mask_card_number(row.number), f"{tr(card_status.NAMES.get(row.status, row.status))} "
              f"{printed_yuan(row.principal)}") for row in rows]
    receipts.print_report(session, printer, tr("SUB CARDS"), [
        (tr("Main card"), mask_card_number(main_number)), *lines,
        (tr("Sub cards"), str(len(rows)))], name=f"sub-cards-{main_number[-4:]}")
    return len(rows)


@dataclass(frozen=True, kw_only=True)
class SubCardUpgrade(OperationResult):
    card_number: str  # the sub card, now the main card
    old_main_number: str
    principal_after: int
    bonus_after: int
    points_after: int
    deposit: int
    sub_cards: int  # the other sub cards, now under it


def upgrade_sub_card(session: Session, sub_number: str, *, key: str,
                     review=None) -> SubCardUpgrade:
    """副卡升级: the main card is lost, so one of its sub cards becomes the main card. The
    main card's principal, bonus, points and deposit move to it, the other sub cards and
    the allocation templates follow it, and the lost main card is replaced for good (it
    points at the new main card). With review."""
    permissions.require(session, permissions.CARD_MANAGE)
    sub = cards.get_card(sub_number)
    reviewer = None
    if stored(key) is None:  # (a replay finds the sub card a main card already)
        _ensure_sub_card(sub)
        reviewer = issuing.require_review(session, review, permissions.CARD_MANAGE,
                                          N_("A sub card upgraded to the main card"))

    def run(posting: Posting) -> dict:
        main_id = _ensure_sub_card(cards.get_card(sub.number)).main_card_id
        locked = card_care.locked_for_succession(main_id, sub.id)
        sub_now, main_now = locked[sub.id], locked[main_id]
        if sub_now.main_card_id != main_now.id:
            raise KioskError(N_("Card {card} is no longer a sub card of that main card: "
                                "look it up again."), card=sub.number[-4:])
        cards.ensure_usable(sub_now, posting.operation.business_date)
        if main_now.status != CardStatus.LOST:
            raise KioskError(N_("Main card {card} is not reported lost: a sub card takes its "
                                "place only when it is (card services, F3)."),
                             card=mask_card_number(main_now.number))
        card_store.change(sub_now.id, main_card=None)
        others = len(sub_card_store.of_main(main_now.id))
        moved = card_care.hand_over(posting, main_now, sub_now)
        after = {kind: account.balance + moved[kind] for kind, account in
                 card_accounts(sub_now).items()}
        data = {"card_number": sub_now.number, "old_main_number": main_now.number,
                "principal_after": after["principal"], "bonus_after": after["bonus"],
                "points_after": after["points"], "deposit": after["deposit"],
                "sub_cards": others, "amount": 0}
        data["receipt_id"] = receipts.queue(session, posting.operation, sub_now,
                                            "sub_card_upgrade", data)
        return data

    outcome = perform(session, kind="sub_card_upgrade", key=key,
                      request={"sub": sub.number}, run=run, card=sub, reviewer_id=reviewer)
    return SubCardUpgrade.of(outcome)



def _ensure_sub_card(card: models.Card) -> models.Card:
    if card.main_card_id is None:
        raise InvalidInput(N_("Card {card} is not a sub card."), card=card.number[-4:])
    return card
