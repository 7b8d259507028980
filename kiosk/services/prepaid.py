"""Single-purpose commercial prepaid cards (单用途商业预付卡管理办法, 2012): the rules the
counter cannot break, each a chain setting (services/policies.py) with the legal
default, enforced here and in the services that move prepaid value.

Which cards: a product is prepaid unless it is an insurer's card (kind `insurance`:
funded by the insurer, not sold by the chain) or its `prepaid` setting is off
(`kiosk admin product CODE --not-prepaid`). docs/compliance.md maps every rule to the
code and the tests that enforce it.

- Limits: a named card holds at most ¥5,000 of principal, an anonymous one ¥1,000. The
  database decides, in the operation's own UPDATE of the locked card's principal
  (operations.Posting.apply with a ceiling from `ceiling_for`), so two terminals can
  never together pass it.
- Real names: a named card's holder has a name and a valid ID number; a purchase of
  ¥10,000 or more records the buyer's name and ID with the sale (PrepaidSale).
- No cash for large purchases: a company from ¥5,000, a person from ¥50,000 pays by a
  non-cash tender, and the payer's and payee's account names and numbers are recorded.
- Validity: named cards never expire, anonymous ones are valid 36 months or more; an
  expired card is reactivated (`reactivate`) or exchanged (card_care.replace_card),
  its balance never forfeited.
- Loss and redemption (赎回): only named cards are reported lost; redemption is
  card_care.clear_card with review, named cards only, after the months the chain sets
  and at its fee; a product the chain stopped accepting is redeemed for free.
- Records: holder and purchase records stay five years (`ensure_kept`).
- Prepaid funds (预收资金): `quarter_report` and `kiosk report prepaid --quarter`; a
  company customer's account above zero is prepaid money too (the chain's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.errors import InvalidInput, N_
from kiosk.identity import mask_id_number, mask_name, normalise_id_number
from kiosk.money import FEN_PER_YUAN, format_yuan
from kiosk.services import audit, permissions, policies, tenders
from kiosk.services.business_date import add_months, calendar_business_date
from kiosk.services.session import Session
from kiosk.store import members as member_store
from kiosk.store import models
from kiosk.store import outlets as outlet_store
from kiosk.store import prepaid as prepaid_store
from kiosk.text import plain_text

RULE_TITLE = N_("Prepaid card rules (单用途商业预付卡管理办法)")
# Operations that give back what the card already held are not sales of new value: a
# refund of a charge, and a replacement moving the old card's balance to the new one.
# Money a card already held moves on to its successor: not a sale, no new limit.
CAP_EXEMPT_KINDS = frozenset({"refund", "replacement", "sub_card_upgrade"})
BUYER_KINDS = (N_("person"), N_("company"))


class PrepaidRuleBroken(InvalidInput):
    """A rule of the prepaid card regulations refused the operation; the message names it."""

    default_message = N_("This breaks the prepaid card rules.")


class PurchaseDetailsNeeded(PrepaidRuleBroken):
    """The sale may go ahead once the buyer (or the accounts) are recorded: a screen asks
    for them (screens/purchase.py) and calls again with a Purchase."""


def is_prepaid(product: models.CardProduct) -> bool:
    """Under the prepaid card rules: a product sold as one, but never an insurer's card
    (its issuer's money) or an internal card (the chain's own), whatever its flag says."""
    return is_prepaid_kind(bool(product.prepaid), product.kind)


def is_prepaid_kind(prepaid_flag: bool, kind: str) -> bool:
    return prepaid_flag and kind not in models.OUTSIDE_STORED_VALUE


def _yuan(key: str) -> int:
    return policies.value(key) * FEN_PER_YUAN


# -- card limits ------------------------------------------------------------------------
def cap_for(anonymous: bool) -> int:
    """Fen a card may hold: the named or the anonymous limit."""
    return _yuan("prepaid_anonymous_max_yuan" if anonymous else "prepaid_named_max_yuan")


def ceiling_for(card_id: int, operation_kind: str) -> int | None:
    """The most a card's principal may reach in this operation (None: no limit)."""
    if operation_kind in CAP_EXEMPT_KINDS:
        return None
    _, anonymous, prepaid, kind = prepaid_store.card_facts(card_id)
    if not is_prepaid_kind(prepaid, kind):
        return None
    return cap_for(anonymous)


def over_limit(card_id: int, balance: int, delta: int, ceiling: int) -> PrepaidRuleBroken:
    from kiosk.services.operations import mask_card_number
    number, anonymous, _, _ = prepaid_store.card_facts(card_id)
    message = (N_("Prepaid card limit (单用途商业预付卡管理办法): an anonymous card holds "
                  "at most {cap}; card {card} holds {balance}, so it can take at most "
                  "{room} more, not {amount}.") if anonymous else
               N_("Prepaid card limit (单用途商业预付卡管理办法): a named card holds at most "
                  "{cap}; card {card} holds {balance}, so it can take at most {room} more, "
                  "not {amount}."))
    return PrepaidRuleBroken(message, cap=format_yuan(ceiling),
                             card=mask_card_number(number), balance=format_yuan(balance),
                             room=format_yuan(max(ceiling - balance, 0)),
                             amount=format_yuan(delta))


def check_room(card_id: int, principal: int, amount: int, operation_kind: str) -> None:
    """The card's limit, told before anything else about a purchase is asked (the buyer,
    the accounts): the balance's own UPDATE decides it again."""
    ceiling = ceiling_for(card_id, operation_kind)
    if ceiling is not None and principal + amount > ceiling:
        raise over_limit(card_id, principal, amount, ceiling)


def room_on(card: models.Card, principal: int) -> int | None:
    """A hint for a screen or a list's import: how much more the card may take."""
    if not is_prepaid(card.product):
        return None
    return max(cap_for(card.anonymous) - principal, 0)


# -- real names ---------------------------------------------------------------------------
def check_named_holder(member: models.Member | None, *, company: bool) -> None:
    """A named prepaid card's holder: a name and a valid resident ID number (a company's
    card: the company's registered name)."""
    if member is None:
        return
    if not member.name.strip():
        raise PrepaidRuleBroken(N_("Real-name rule (单用途商业预付卡管理办法): a named card "
                                   "needs the holder's name."))
    if company:
        return
    try:
        normalise_id_number(member.id_number)
    except InvalidInput:
        raise PrepaidRuleBroken(N_("Real-name rule (单用途商业预付卡管理办法): a named card "
                                   "needs the holder's valid ID number; {name} has none "
                                   "on record. Add it to the member first."),
                                name=mask_name(member.name)) from None


@dataclass(frozen=True)
class Purchase:
    """Who buys prepaid value and how they pay, as the rules make us record it."""

    buyer_kind: str = "person"  # person or company
    buyer_name: str = ""
    buyer_id_number: str = ""
    payer_account_name: str = ""
    payer_account_no: str = ""
    payee_account_name: str = ""
    payee_account_no: str = ""

    def as_request(self) -> dict:
        return {name: value for name, value in vars(self).items() if value}


@dataclass(frozen=True)
class SaleRules:
    needs_buyer: bool
    needs_transfer: bool
    transfer_from: int = 0
    real_name_from: int = 0
    notes: list = field(default_factory=list)


def rules_for_sale(amount: int, *, company: bool) -> SaleRules:
    real_name_from = _yuan("prepaid_real_name_yuan")
    transfer_from = _yuan("prepaid_company_transfer_yuan" if company
                          else "prepaid_person_transfer_yuan")
    return SaleRules(needs_buyer=amount >= real_name_from, needs_transfer=amount >= transfer_from,
                     transfer_from=transfer_from, real_name_from=real_name_from)


def check_sale(amount: int, tender: str, purchase: Purchase | None, *,
               company: bool) -> Purchase | None:
    """The purchase to record with a sale of `amount` of prepaid value, checked against
    the real-name and no-cash rules; None when nothing need be recorded."""
    if purchase is not None:
        purchase = _clean(purchase)
        company = company or purchase.buyer_kind == "company"
    rules = rules_for_sale(amount, company=company)
    if rules.needs_buyer and (purchase is None or not purchase.buyer_name
                              or not purchase.buyer_id_number):
        raise PurchaseDetailsNeeded(N_("Real-name rule (单用途商业预付卡管理办法): a purchase of "
                                   "{most} or more records the buyer's name and ID number; "
                                   "this one is {amount}."),
                                most=format_yuan(rules.real_name_from),
                                amount=format_yuan(amount))
    if rules.needs_transfer:
        if tenders.till_account_kind(tender) == "outlet_cash":
            raise PrepaidRuleBroken(
                N_("No-cash rule (单用途商业预付卡管理办法): a company buying {company} or "
                   "more, or a person {person} or more, pays by bank transfer, not cash; "
                   "this purchase is {amount}."),
                company=format_yuan(_yuan("prepaid_company_transfer_yuan")),
                person=format_yuan(_yuan("prepaid_person_transfer_yuan")),
                amount=format_yuan(amount))
        if purchase is None or not all((purchase.payer_account_name, purchase.payer_account_no,
                                        purchase.payee_account_name, purchase.payee_account_no)):
            raise PurchaseDetailsNeeded(
                N_("No-cash rule (单用途商业预付卡管理办法): a purchase of {amount} by bank "
                   "transfer records the payer's and the payee's account names and numbers."),
                amount=format_yuan(amount))
    return purchase if purchase is not None and any(vars(purchase).values()) else None


def _clean(purchase: Purchase) -> Purchase:
    plain_text(*vars(purchase).values())
    if purchase.buyer_kind not in BUYER_KINDS:
        raise InvalidInput(N_("A buyer is a person or a company."))
    values = {name: " ".join(str(value).split()) for name, value in vars(purchase).items()}
    for name in ("buyer_name", "payer_account_name", "payee_account_name"):
        if len(values[name]) > 100:
            raise InvalidInput(N_("A name has 1 to {most} characters."), most=100)
    for name in ("payer_account_no", "payee_account_no"):
        values[name] = values[name].replace(" ", "")
        if values[name] and (len(values[name]) > 40 or not values[name].replace("-", "").isdigit()):
            raise InvalidInput(N_("An account number has digits only (at most 40)."))
    if values["buyer_id_number"]:
        values["buyer_id_number"] = normalise_id_number(values["buyer_id_number"])
    return Purchase(**values)


def record_sale(session: Session, purchase: Purchase, *, amount: int, tender: str,
                operation: models.Operation | None = None,
                batch_id: int | None = None) -> None:
    """Inside the sale's transaction: the purchase kept with it, and in the export (its
    audit event carries the record)."""
    row = dict(outlet=session.actor.outlet_id, amount=amount, tender=tender,
               created_at=session.now(), operator=session.actor.operator_id, **vars(purchase))
    prepaid_store.record_sale(operation_id=operation.id if operation is not None else None,
                              batch_id=batch_id, **row)
    # Not tied to the operation by its foreign key (an operation has exactly one event,
    # its own): the subject names it.
    audit.append(session, "prepaid.sale",
                 subject=f"batch:{batch_id}" if batch_id else f"operation:{operation.id}",
                 details={"amount": amount, "tender": tender, **purchase.as_request()})


def batch_purchase(batch_id: int) -> Purchase | None:
    row = prepaid_store.batch_sale(batch_id)
    if row is None:
        return None
    return Purchase(**{name: getattr(row, name) for name in Purchase.__dataclass_fields__})


# -- validity -------------------------------------------------------------------------------
def expiry_for(product: models.CardProduct, *, anonymous: bool, today: dt.date,
               plain) -> dt.date | None:
    """A prepaid card's expiry: none for a named card, at least the legal months for an
    anonymous one; other products by their own validity (`plain(product, today)`)."""
    if not is_prepaid(product):
        return plain(product, today)
    if not anonymous:
        return None
    least = policies.value("prepaid_anonymous_valid_months")
    if not product.validity_months:
        return None
    return add_months(today, max(product.validity_months, least))


def reactivate(session: Session, number: str) -> dt.date | None:
    """An expired prepaid card is made valid again (激活), its balance untouched: a named
    card for good, an anonymous one for the legal months from today. Returns the new
    expiry (None: none)."""
    from kiosk.services import card_status, cards
    from kiosk.store import cards as card_store
    permissions.require(session, permissions.CARD_MANAGE)
    today = calendar_business_date(session)  # the outlet's date, not the UTC one
    with audit.transaction(session):
        card = card_store.locked(cards.get_card(number).id)
        state = card_status.effective(card.status, card.expires_on, today)
        if state is not card_status.CardStatus.EXPIRED:
            raise InvalidInput(N_("Only an expired card can be reactivated."))
        if not is_prepaid(card.product):
            raise InvalidInput(N_("Only a prepaid card is reactivated here."))
        # An anonymous card runs for the legal months at least, even of a product whose
        # cards never expire when sold (this one was given an expiry, and reached it).
        expires = None if not card.anonymous else add_months(
            today, max(card.product.validity_months,
                       policies.value("prepaid_anonymous_valid_months")))
        card_store.change(card.id, status="active", expires_on=expires)
        audit.append(session, "card.reactivated", subject=f"card:{card.number}",
                     details={"expires_on": expires.isoformat() if expires else ""})
    return expires


# -- loss and redemption ----------------------------------------------------------------------
def check_redemption(card: models.Card, today: dt.date, issued_on: dt.date | None) -> int:
    """Before a prepaid card is redeemed (清户/赎回): the fee percent that applies.
    A card of a product the chain stopped accepting is redeemed for free, named or not."""
    if not is_prepaid(card.product):
        return 0
    if not card.product.active:
        return 0
    if card.anonymous:
        raise PrepaidRuleBroken(N_("Redemption rule (单用途商业预付卡管理办法): an anonymous "
                                   "card is not redeemed; it can be named first, or used "
                                   "until its balance is spent."))
    months = policies.value("prepaid_redeem_after_months")
    if issued_on is not None and add_months(issued_on, months) > today:
        raise PrepaidRuleBroken(N_("Redemption rule (单用途商业预付卡管理办法): a named card "
                                   "is redeemed from {months} months after its issue "
                                   "({day})."), months=months,
                                day=add_months(issued_on, months).isoformat())
    return policies.value("prepaid_redemption_fee_percent")


# -- records kept -------------------------------------------------------------------------------
def ensure_kept(member_id: int, fields: dict, today: dt.date) -> None:
    """A holder's name and ID number stay on record (not blanked) while any of their
    named prepaid cards moved money within the years the rules keep records."""
    member = member_store.by_id(member_id)
    erased = [name for name in ("name", "id_number")
              if getattr(member, name) and not fields.get(name)]
    if not erased:
        return
    years = policies.value("prepaid_records_years")
    since = dt.datetime.combine(add_months(today, -12 * years), dt.time())
    if prepaid_store.named_prepaid_in_use_since(member_id, since):
        raise PrepaidRuleBroken(N_("Records rule (单用途商业预付卡管理办法): a prepaid card "
                                   "holder's name and ID number are kept {years} years "
                                   "after the card's last use; they cannot be erased yet."),
                                years=years)


def masked_buyer_id(number: str) -> str:
    return mask_id_number(number) if number else ""


# -- prepaid funds (预收资金) and the quarterly report ----------------------------------------
@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        cleaned = (text or "").strip().upper().replace("-", "")
        if len(cleaned) != 6 or cleaned[4] != "Q" or not cleaned[:4].isdigit() \
                or cleaned[5] not in "1234":
            raise InvalidInput(N_("A quarter is written like 2026Q4."))
        return cls(int(cleaned[:4]), int(cleaned[5]))

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year + (self.number == 4), (3 * self.number) % 12 + 1, 1) \
            - dt.timedelta(days=1)

    @property
    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year,
                                                                          self.number - 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True)
class IssuerFunds:
    issuer: str
    opening: int  # the prepaid balance at the end of the previous quarter
    closing: int  # at the end of this quarter
    money_in: int
    money_out: int
    custody_percent: int
    custody_due: int  # to hold during this quarter: percent of the previous quarter's end
    custody_due_next: int  # for the next quarter: percent of this quarter's end
    custody_held: int
    guarantee: int

    @property
    def shortfall(self) -> int:
        return max(self.custody_due - self.custody_held - self.guarantee, 0)


@dataclass(frozen=True)
class QuarterReport:
    quarter: Quarter
    issuers: list[IssuerFunds]
    daily: list[tuple[dt.date, str, int, int, int, int]]  # day, issuer, open, in, out, close
    cards: list[tuple[str, bool, int, int]]
    sales: list[models.PrepaidSale]


def chain_name() -> str:
    """The issuing company when a product names none: the chain's head office."""
    outlet = outlet_store.issuing_outlet()
    return outlet.name if outlet is not None else ""


def quarter_report(session: Session, quarter: Quarter, *, custody_held: int = 0,
                   guarantee: int = 0) -> QuarterReport:
    """The prepaid balance per issuing company on every day of the quarter and at its
    end, the custody it must hold (存管资金: the chain's percent of the previous quarter's
    end balance; a bank guarantee counts in its place), the cards holding money and the
    purchases recorded in the quarter."""
    permissions.require(session, permissions.FINANCE)
    chain = chain_name()
    percent = policies.value("prepaid_custody_percent")
    moves: dict[str, dict[dt.date, tuple[int, int]]] = {}
    movements = prepaid_store.daily_movements(quarter.last)
    movements += [(chain, day, got, gone)
                  for day, got, gone in _customer_prepayments(quarter.last)]
    for issuer, day, money_in, money_out in movements:
        moves.setdefault(issuer or chain, {})
        got, gone = moves[issuer or chain].get(day, (0, 0))
        moves[issuer or chain][day] = (got + money_in, gone + money_out)
    issuers, daily = [], []
    for issuer in sorted(moves) or [chain]:
        by_day = moves.get(issuer, {})
        opening = sum(got - gone for day, (got, gone) in by_day.items() if day < quarter.first)
        balance, total_in, total_out = opening, 0, 0
        day = quarter.first
        while day <= quarter.last:
            got, gone = by_day.get(day, (0, 0))
            daily.append((day, issuer, balance, got, gone, balance + got - gone))
            balance += got - gone
            total_in, total_out = total_in + got, total_out + gone
            day += dt.timedelta(days=1)
        issuers.append(IssuerFunds(
            issuer=issuer, opening=opening, closing=balance, money_in=total_in,
            money_out=total_out, custody_percent=percent,
            custody_due=_percent_of(opening, percent),
            custody_due_next=_percent_of(balance, percent),
            custody_held=custody_held if len(moves) <= 1 else 0,
            guarantee=guarantee if len(moves) <= 1 else 0))
    first = dt.datetime.combine(quarter.first, dt.time())
    last = dt.datetime.combine(quarter.last + dt.timedelta(days=1), dt.time())
    return QuarterReport(quarter, issuers, daily,
                         [(issuer or chain, anonymous, count, total) for issuer, anonymous,
                          count, total in prepaid_store.card_counts()],
                         prepaid_store.sales_between(first, last))


def _customer_prepayments(last: dt.date) -> list[tuple[dt.date, int, int]]:
    """(business date, money in, money out) of what company customers paid in advance:
    the part of each customer's account above zero, the chain's prepaid funds as a
    card's principal is (money allocated to a card moves from one to the other). Below
    zero the customer owes on credit: that is no prepaid money. A day's movements are
    netted per customer."""
    balances: dict[int, int] = {}
    by_day: dict[dt.date, tuple[int, int]] = {}
    for account, day, net in prepaid_store.customer_funds_movements(last):
        before = max(balances.get(account, 0), 0)
        balances[account] = balances.get(account, 0) + net
        change = max(balances[account], 0) - before
        got, gone = by_day.get(day, (0, 0))
        by_day[day] = (got + max(change, 0), gone + max(-change, 0))
    return [(day, got, gone) for day, (got, gone) in by_day.items() if got or gone]


def _percent_of(amount: int, percent: int) -> int:
    return -(-max(amount, 0) * percent // 100)  # rounded up to the fen


def report_sheets(report: QuarterReport, tr) -> dict[str, list[list]]:
    """The report as sheets of rows (the first row of each its header), in `tr`'s language."""
    def yuan(fen: int) -> str:
        return format_yuan(fen, sign="")
    summary = [[tr("Issuing company"), tr("Quarter"), tr("Prepaid balance at the previous "
                                                         "quarter end"),
                tr("Money in"), tr("Money out"), tr("Prepaid balance at the quarter end"),
                tr("Custody percent"), tr("Custody due this quarter"),
                tr("Custody due next quarter"), tr("Custody held"), tr("Bank guarantee"),
                tr("Shortfall")]]
    for funds in report.issuers:
        summary.append([funds.issuer, str(report.quarter), yuan(funds.opening),
                        yuan(funds.money_in), yuan(funds.money_out), yuan(funds.closing),
                        funds.custody_percent, yuan(funds.custody_due),
                        yuan(funds.custody_due_next), yuan(funds.custody_held),
                        yuan(funds.guarantee), yuan(funds.shortfall)])
    summary.append([])
    summary.append([tr(RULE_TITLE)])
    for rule in policies.RULES.values():
        if rule.key.startswith("prepaid_"):
            summary.append([tr(rule.label), policies.value(rule.key)])
    summary.append([])
    summary.append([tr("Issuing company"), tr("Card"), tr("Cards holding money"),
                    tr("Their balance")])
    for issuer, anonymous, count, total in report.cards:
        summary.append([issuer, tr("anonymous") if anonymous else tr("named"), count,
                        yuan(total)])
    daily = [[tr("Business date"), tr("Issuing company"), tr("Opening"), tr("Money in"),
              tr("Money out"), tr("Closing")]]
    daily += [[day.isoformat(), issuer, yuan(opening), yuan(got), yuan(gone), yuan(closing)]
              for day, issuer, opening, got, gone, closing in report.daily]
    sales = [[tr("Time"), tr("Journal no."), tr("Batch list"), tr("Amount"), tr("Tender"),
              tr("Buyer"), tr("Buyer's name"), tr("Buyer's ID number"),
              tr("Payer's account name"), tr("Payer's account number"),
              tr("Payee's account name"), tr("Payee's account number")]]
    sales += [[str(sale.created_at)[:19], sale.operation_id or "", sale.batch_id or "",
               yuan(sale.amount), sale.tender, tr(sale.buyer_kind), sale.buyer_name,
               sale.buyer_id_number, sale.payer_account_name, sale.payer_account_no,
               sale.payee_account_name, sale.payee_account_no] for sale in report.sales]
    return {tr("Prepaid funds"): summary, tr("Daily balance"): daily,
            tr("Purchases recorded"): sales}
