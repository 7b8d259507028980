"""Charge (下账/扣款) and refund: the cashier's two money operations.

Split payment (组合支付): when the card holds less than the sale, another tender (cash,
bank card ...) pays a part the cashier names, in the same operation and on one receipt.
The operation's amount is what the card paid (its daily limit, the insurer's bill, the
still-refundable amount all count the card); the other tender's part moves into the
till and is in the operation's result. A refund gives back to both in proportion.

Split rule (the product's spend order):
- principal_first: principal up to its balance, the rest from bonus;
- bonus_first: the other way round;
- proportional: in proportion to the two balances, rounded down, the odd fen from principal.
A refund gives back to principal and bonus in proportion to what the charge took,
computed on running totals so that refunds in parts add up to exactly the charge.
Points: floor(amount in fen * points_per_yuan / 100), reversed the same way.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from kiosk.errors import KioskError, N_, PermissionDenied
from kiosk.money import format_yuan, split_proportionally
from kiosk.services import (card_status, cards, channel_orders, directory, insurer_online,
                            operators, permissions, policies, receipts, shifts, tenders)
from kiosk.services import points as points_service
from kiosk.services.accounts import card_accounts, issuer_account, till_account
from kiosk.services.business_date import current_business_date, open_business_date
from kiosk.services.cards import PinLocked
from kiosk.services.operations import (InsufficientFunds, OperationResult, Posting, committed,
                                       perform, stored)
from kiosk.services.session import Session
from kiosk.store import cards as card_store
from kiosk.store import channel_orders as order_store
from kiosk.store import failures, ledger, models
from kiosk.store import insurance as insurance_store
from kiosk.store import journal as journal_store
from kiosk.store import operations as operation_store


class NoMatchingInstitution(KioskError):
    default_message = N_("No matching institution: this outlet is not opened for this card "
                         "(无匹配卫生机构).")


class ForbiddenCategory(KioskError):
    default_message = N_("'{item}' ({category}) may not be paid with this card; re-ring the "
                         "sale with other items.")


class RestrictionViolated(KioskError):
    default_message = N_("The card's restrictions do not allow this charge.")


@dataclass(frozen=True)
class SaleLine:
    name: str
    category: str
    amount: int


@dataclass(frozen=True)
class OtherTender:
    """The part of a sale another tender pays when the card holds less (split payment)."""

    tender: str
    amount: int


@dataclass(frozen=True, kw_only=True)
class ChargeResult(OperationResult):
    card_number: str
    amount: int  # the sale's, the other tender's part included (a split payment)
    principal: int
    bonus: int
    points_earned: int
    principal_after: int
    bonus_after: int
    points_after: int
    business_date: str
    channel_order_no: str | None = None  # the channel order (渠道订单) the sale redeemed
    tier_offer: str = ""  # a tier the points now reach (the upgrade hint after the sale)
    points_card_number: str = ""  # the membership card that earned the points, if not this
    membership_offer: int = 0  # the rule's threshold when a non-member's sale qualifies
    other_tender: str = ""  # a split payment's other tender and its part of the sale
    other_amount: int = 0
    other_tender_name: str = ""  # as the chain named it (现金)
    # An insurer that keeps the card's balance deducted it online: its reference (the
    # balances after are the insurer's).
    insurer_reference: str = ""

    @property
    def on_card(self) -> int:
        return self.amount - self.other_amount


@dataclass(frozen=True, kw_only=True)
class RefundResult(OperationResult):
    original_operation_id: int
    amount: int  # given back, the other tender's part of a split payment included
    principal: int
    bonus: int
    points: int
    refunded_total: int  # of the sale, both tenders of a split payment together
    card_number: str = ""  # the card credited (the replacement, if the card was replaced)
    points_card_number: str = ""  # the membership card the points came back from
    other_tender: str = ""  # a split payment's other tender, and its part of the amount
    other_amount: int = 0
    other_tender_name: str = ""

    @property
    def on_card(self) -> int:
        return self.amount - self.other_amount


@dataclass(frozen=True)
class Review:
    """A second operator's credentials typed at the same terminal (同级复核授权)."""

    login_id: str
    password: str = field(repr=False)


# Called inside an operation's transaction with its journal number and result, after
# every decision about money: what must commit with it or not at all (a POS request
# approved by this charge). It refuses by raising; the operation then rolls back.
AlsoInTransaction = Callable[[int, dict], None]


def charge(session: Session, *, card_number: str, amount: int, pin: str | None, key: str,
           lines: tuple[SaleLine, ...] = (), channel_order_no: str | None = None,
           member_card_number: str | None = None, other: OtherTender | None = None,
           also: AlsoInTransaction | None = None) -> ChargeResult:
    """`amount` is the sale's; with `other`, that tender pays its part and the card the
    rest. With `member_card_number`, the member's membership card swiped first earns the
    sale's points (at its product's rate) instead of the paying card."""
    if lines:
        amount = sum(line.amount for line in lines)
    _check_amount(amount)
    _check_other_tender(other, amount, channel_order_no)
    on_card = amount - (other.amount if other else 0)
    sale = cards.before_sale(card_number, session.actor.outlet_id, key)
    card = sale.card
    member = cards.get_card(member_card_number) if member_card_number else None
    if member is not None and member.id == card.id:
        member = None  # the membership card pays for itself and earns as it always did
    if member is not None and member.product.kind != "membership":
        raise points_service.NotAMembershipCard()
    request = {"card": card.number, "amount": amount, "order": channel_order_no,
               "lines": [asdict(line) for line in lines]}
    if member is not None:
        request["member"] = member.number
    if other is not None:
        request["other"] = [other.tender, other.amount]
    # A retry of a committed charge returns its result without asking for the PIN again.
    deducted = None  # the insurer's confirmation, when it keeps the card's balance
    if not sale.key_used:  # checked before the customer types a PIN for nothing:
        check_sale(session, card, on_card, lines, opened=sale.opened,
                   today=open_business_date(session, sale.calendar))
        cards.check_pin(session, card, pin)
        if insurer_online.gateway_of(card) is not None:
            # Nothing posts before the insurer confirms (insurer_online.py).
            deducted = insurer_online.deduct(session, card, on_card, key)

    def run(posting: Posting) -> dict:
        today = posting.operation.business_date
        if member is None:
            card_now, opened, accounts = cards.locked_for_sale(card.id, today,
                                                              session.actor.outlet_id)
            earner, earner_accounts = card_now, accounts
        else:  # the paying card and the member's card, locked in id order
            card_now, earner = cards.both_locked_for_spending(card.id, member.id, today)
            opened = None
            accounts = card_accounts(card_now, lock=True)
            earner_accounts = card_accounts(earner, lock=True)
        _check_sale_rules(session, card_now, on_card, lines, today, posting.operation.id,
                          opened=opened)
        channel_orders.redeem(session, card_now, channel_order_no, amount, posting.operation.id)
        sales = _sales_account(session, card_now)
        if deducted is not None:  # the insurer's balance paid: the card's accounts did not
            principal, bonus = on_card, 0
            posting.move(issuer_account(card_now.product.issuer, "issuer_online",
                                        outlet_id=session.actor.outlet_id,
                                        terminal_id=session.actor.terminal_id), sales, on_card)
            insurer_online.mark_posted(key, deducted.reference, posting.operation.id)
        else:
            principal, bonus = split_spend(card_now.product.spend_order, on_card,
                                           accounts["principal"].balance,
                                           accounts["bonus"].balance)
            posting.move(accounts["principal"], sales, principal)
            posting.move(accounts["bonus"], sales, bonus)
        if other is not None:
            posting.move(tenders.drawer(session, other.tender), _sales_account(session), other.amount)
        points, points_after, offer = points_service.post_earned(session, posting, earner,
                                                                 amount, earner_accounts)
        qualifies = points_service.qualifies_for_membership(card_now, amount, member)
        data = {"card_number": card_now.number, "amount": amount, "principal": principal,
                "bonus": bonus, "points_earned": points,
                "principal_after": accounts["principal"].balance - principal,
                "bonus_after": accounts["bonus"].balance - bonus,
                "points_after": points_after,
                "business_date": today.isoformat(), "channel_order_no": channel_order_no,
                "tier_offer": offer,
                "points_card_number": member.number if member is not None else "",
                "membership_offer": points_service.membership_threshold() if qualifies else 0}
        if deducted is not None:
            data.update(principal_after=deducted.balance or 0, bonus_after=0,
                        insurer_reference=deducted.reference)
        if other is not None:
            data.update(other_tender=other.tender, other_amount=other.amount,
                        other_tender_name=tenders.name_of(other.tender))
        data["receipt_id"] = receipts.queue(session, posting.operation, card_now, "charge",
                                            data, lines=lines)
        if also is not None:
            also(posting.operation.id, data)
        return data

    try:
        outcome = perform(session, kind="charge", key=key, request=request, run=run,
                          card=card, amount=on_card, tender=other.tender if other else "card",
                          channel_order_no=channel_order_no)
    except Exception:
        if deducted is None:
            raise
        # The insurer deducted and the charge did not post (here): the deduction is
        # cancelled, unless another terminal posted this very sale.
        insurer_online.undo(session, card, key)
        raise
    return ChargeResult.of(outcome)


def posted(session: Session, key: str) -> ChargeResult | None:
    """The charge made under `key` (the sale's key), if it committed: asked when the
    store answers again after a charge whose outcome the terminal never heard (the
    server failed over mid-commit), so the screen says whether the sale went through.
    None: it did not, and the same sale may be charged again (it never posts twice)."""
    with failures.as_unavailable():  # still unreachable: "not known yet", said so
        permissions.require(session, permissions.CHARGE)
        outcome = committed(key, "charge")
    return ChargeResult.of(replace(outcome, reconnected=True)) if outcome is not None \
        else None


def _check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise KioskError(N_("The amount must be a positive number of fen."))


def _check_other_tender(other: OtherTender | None, amount: int,
                        channel_order_no: str | None) -> None:
    if other is None:
        return
    tenders.till_account_kind(other.tender)  # an active tender, or a clear refusal
    if other.tender == "card" or not 0 < other.amount < amount:
        raise KioskError(N_("Another tender pays part of the sale, more than nothing and "
                            "less than all of it."))
    if channel_order_no:
        raise KioskError(N_("A channel order is paid by the card alone."))


def _sales_account(session: Session, card: models.Card | None = None) -> models.Account:
    """Where a sale's money goes: the till's internal use for what an internal card
    (内部卡) paid (the chain's own fuel is not revenue), the issuer's receivable for what
    a card of a product whose sales are not revenue paid (an insurer's card, by default),
    the till's sales for the rest."""
    if card is not None and card.product.kind == "internal":
        return till_account(session.actor.outlet_id, session.actor.terminal_id, "internal_use")
    if card is not None and not card.product.revenue:
        return issuer_account(card.product.issuer or card.product.code,
                              outlet_id=session.actor.outlet_id,
                              terminal_id=session.actor.terminal_id)
    return till_account(session.actor.outlet_id, session.actor.terminal_id, "outlet_sales")


def not_enough(balance: int, amount: int) -> InsufficientFunds:
    """The refusal of a sale the card cannot pay, saying what the cashier can do."""
    return InsufficientFunds(N_("Not enough balance: the card has {balance}, the sale is "
                                "{amount}. Pay by another tender or recharge the card."),
                             balance=format_yuan(balance), amount=format_yuan(amount))


def split_spend(order: str, amount: int, principal: int, bonus: int) -> tuple[int, int]:
    if principal + bonus < amount:
        raise not_enough(principal + bonus, amount)
    if order == "bonus_first":
        from_bonus = min(bonus, amount)
        return amount - from_bonus, from_bonus
    if order == "proportional":
        from_principal, from_bonus = split_proportionally(amount, [principal, bonus])
        return from_principal, from_bonus
    from_principal = min(principal, amount)
    return from_principal, amount - from_principal


def for_sale(session: Session, number: str = "", *, uid: str = "") -> cards.CardView:
    """The card as the counter shows it the moment it is read (swiped, typed, or a smart
    card by its UID), with the first thing that would refuse a sale here before the
    customer types a PIN: its state, a locked PIN, an outlet not opened for it, a daily
    limit used up."""
    view = cards.look_up_by_uid(session, uid) if uid else cards.look_up(session, number)
    card = cards.get_card(view.number)
    refusal = PinLocked() if card.pin_locked else None
    try:
        check_sale(session, card, 1)
        at_insurer = insurer_online.balance(session, card)  # the insurer keeps it: asked
        if at_insurer is not None:
            view = replace(view, principal=at_insurer, bonus=0, at_insurer=True)
    except KioskError as error:
        refusal = error
    return replace(view, refusal=refusal)


def check_before_pin(session: Session, *, card_number: str, amount: int,
                     lines: tuple[SaleLine, ...] = ()) -> None:
    """The counter asks as the amount is typed, before the customer's PIN: whether this
    card may pay this sale here today (its items' categories, its daily limit, this
    outlet). The charge decides again on the locked card."""
    permissions.require(session, permissions.CHARGE)
    check_sale(session, cards.get_card(card_number), amount, tuple(lines))


def check_sale(session: Session, card: models.Card, amount: int,
               lines: tuple[SaleLine, ...] = (), *, today: dt.date | None = None,
               opened: bool | None = None) -> None:
    """Whether this card may pay this sale here, today, as far as can be told before the
    PIN: a hint for the screen. The charge decides again on the locked card. `today`
    and `opened` (the outlet opened the card's product), if already read."""
    today = today or current_business_date(session)
    shifts.check_open(session)
    cards.ensure_usable(card, today)
    _check_sale_rules(session, card, amount, lines, today, opened=opened)


def _check_sale_rules(session: Session, card: models.Card, amount: int,
                      lines: tuple[SaleLine, ...], today: dt.date, operation_id: int = 0, *,
                      opened: bool | None = None) -> None:
    """`opened`: whether this outlet opened the card's product, if already read."""
    if opened is None:
        opened = card_store.product_opened(session.actor.outlet_id, card.product_id)
    if not opened:
        raise NoMatchingInstitution()
    _check_categories(card.product, lines)
    _check_categories(card, lines)  # the card's own limits (限制信息)
    _check_restrictions(session, card, amount, today, operation_id)


def _categories(text: str) -> set[str]:
    return {part.strip() for part in text.split(",") if part.strip()}


def _check_categories(rules: models.CardProduct | models.Card,
                      lines: tuple[SaleLine, ...]) -> None:
    forbidden, allowed = _categories(rules.forbidden_categories), _categories(
        rules.allowed_categories)
    for line in lines:
        if line.category in forbidden or (allowed and line.category not in allowed):
            if line.name == line.category:  # a line rung by its category alone
                raise ForbiddenCategory(N_("{category} may not be paid with this card; "
                                           "re-ring the sale with other items."),
                                        category=line.category)
            raise ForbiddenCategory(item=line.name, category=line.category)


def _check_restrictions(session: Session, card: models.Card, amount: int,
                        today: dt.date, operation_id: int) -> None:
    outlets = _categories(card.allowed_outlets)
    if outlets:
        if directory.actor_info(session.actor).outlet_code not in outlets:
            raise RestrictionViolated(N_("This card may not be used at this outlet."))
    if card.daily_limit:
        spent = card_store.net_spent(card.id, today, besides=operation_id)
        if spent + amount > card.daily_limit:
            raise RestrictionViolated(
                N_("Daily limit {limit} reached: {left} left today."),
                limit=format_yuan(card.daily_limit),
                left=format_yuan(max(card.daily_limit - spent, 0)))


def refunded_so_far(original: models.Operation) -> dict[str, int]:
    """What the refunds of a charge gave back, by part (call with the original locked)."""
    totals = {"amount": 0, "other_amount": 0, "principal": 0, "bonus": 0, "points": 0}
    for refund in operation_store.reversals_of(original.id, kind="refund"):
        data = _load(refund)
        for name in totals:
            totals[name] += data.get(name, 0)
    return totals


def other_tender_part(kind: str, tender: str, result: str) -> int:
    """The other tender's part of a split payment's charge or refund (the operation's
    own amount is the card's part)."""
    if kind not in ("charge", "refund") or tender == "card" or not result:
        return 0
    return json.loads(result).get("other_amount", 0)


def other_tender_refunded(charge_ids: list[int]) -> dict[int, int]:
    """What the refunds of these split-payment charges gave back by the other tender."""
    back: dict[int, int] = {}
    for charge_id, result in journal_store.refund_results(charge_ids):
        back[charge_id] = back.get(charge_id, 0) + json.loads(result).get("other_amount", 0)
    return back


@dataclass(frozen=True)
class RefundParts:
    """How much of a refund goes back to the card and how much to the other tender of a
    split payment: in proportion to what each paid, on running totals, so that refunds
    in parts add up to exactly the sale."""

    on_card: int
    other: int
    total_after: int  # of the sale, refunded so far with this one
    on_card_after: int  # of the card's part, refunded so far with this one
    other_tender_name: str = ""  # the tender the other part goes back by


def refund_parts(original: models.Operation, charged: dict, done: dict,
                 amount: int) -> RefundParts:
    """In proportion to what each tender paid; but never more from the card's part than
    is still reversible on it (an insurance transfer may have taken it all): the rest
    goes back by the other tender, whose own part is never exceeded (_check_refundable
    keeps the amount within both)."""
    other_paid, other_done = charged.get("other_amount", 0), done["other_amount"]
    card_done = done["amount"] - other_done
    total_after = done["amount"] + amount
    _, other_after = split_proportionally(total_after, [original.amount, other_paid])
    other = min(max(other_after - other_done, 0), amount)
    on_card = min(amount - other, original.amount - original.reversed_amount)
    other = amount - on_card
    return RefundParts(on_card, other, total_after, card_done + on_card)


def _load(operation: models.Operation) -> dict:
    return json.loads(operation.result)


def refund(session: Session, *, original_operation_id: int, amount: int, key: str,
           review: Review, also: AlsoInTransaction | None = None) -> RefundResult:
    """Give back part or all of a charge; never more than is still reversible on it
    (refunds and insurance transfers draw on the same amount). The money goes back to
    the card that paid, or to the card that replaced it; what an online insurer
    deducted, the insurer gives back first (nothing posts before it confirms)."""
    _check_amount(amount)
    request = {"original": original_operation_id, "amount": amount}
    reviewer = given_back = None
    if stored(key) is None:
        # Everything about the request is checked before a supervisor is asked to sign.
        asked = check_refund(session, original_operation_id, amount)
        reviewer = operators.authorise_review(session, review, permissions.REFUND)
        given_back = _given_back_at_insurer(session, original_operation_id, asked.on_card,
                                            key)

    def run(posting: Posting) -> dict:
        original = operation_store.locked(original_operation_id)
        charged, done = _load(original), refunded_so_far(original)
        _check_refundable(session, original, amount, done)
        parts = refund_parts(original, charged, done, amount)
        if not operation_store.take_reversible(original.id, parts.on_card):
            raise AssertionError("the original is locked: refund_parts kept to what is left")
        sale_total = original.amount + charged.get("other_amount", 0)
        if parts.total_after == sale_total:
            # A sale re-rung (say, without a forbidden item) redeems the order again.
            order_store.reopen(original.id)
        principal_after, bonus_after = split_proportionally(
            parts.on_card_after, [charged["principal"], charged["bonus"]])
        principal = principal_after - done["principal"]
        bonus = bonus_after - done["bonus"]
        points = charged["points_earned"] * parts.total_after // sale_total - done["points"]
        # The paying card and the membership card that earned the points, both locked
        # at once, lowest id first (as the member's next sale locks them).
        earner_number = charged.get("points_card_number")
        earner_id = cards.get_card(earner_number).id if earner_number else None
        locked = cards.locked_latest_in_id_order(
            [original.card_id] + ([earner_id] if earner_id else []))
        card = cards.may_be_credited(locked[original.card_id])
        posting.operation.card = card.id
        posting.operation.amount = parts.on_card  # the card's part, as its charge's is
        posting.operation.tender = original.tender
        accounts = card_accounts(card, lock=True)
        sales = _paid_into(original, charged)
        if given_back is not None:  # back to the insurer's balance, not the card's
            _post_given_back(posting, original, sales, given_back, parts.on_card, key)
        else:
            posting.move(sales, accounts["principal"], principal)
            posting.move(sales, accounts["bonus"], bonus)
        if parts.other:
            posting.move(ledger.paid_into(original.id, "outlet_sales"),
                         tenders.drawer_giving_back(session, charged["other_tender"]),
                         parts.other)
        # The points come back from the card that earned them (the member's membership
        # card, when one was swiped for the sale); points already spent stay spent.
        points_account = _points_account_to_refund(accounts, locked.get(earner_id))
        points = min(points, points_account.balance) if points_account is not None else 0
        if points_account is not None:
            # Back into the pool the charge's points came from (its terminal's).
            pool = ledger.system_account_of(original.id, "points_issued") or till_account(
                original.outlet_id, original.terminal_id, "points_issued")
            posting.move(points_account, pool, points)
        data = {"original_operation_id": original.id, "amount": amount, "principal": principal,
                "bonus": bonus, "points": points, "refunded_total": parts.total_after,
                "card_number": card.number,
                "points_card_number": charged.get("points_card_number", "")}
        if parts.other:
            data.update(other_tender=charged["other_tender"], other_amount=parts.other,
                        other_tender_name=charged.get("other_tender_name", ""))
        after = {"principal_after": accounts["principal"].balance + principal,
                 "bonus_after": accounts["bonus"].balance + bonus}
        if given_back is not None:
            after = {"principal_after": given_back.balance, "bonus_after": 0}
            data["insurer_reference"] = given_back.reference
        data["receipt_id"] = receipts.queue(session, posting.operation, card, "refund", {
            **data, **after, "original_receipt": original.id,
            "authorised_by": reviewer.login_id if reviewer else "",
            "points_after": accounts["points"].balance - (
                points if points_account is accounts["points"] else 0)})
        if also is not None:
            also(posting.operation.id, data)
        return data

    try:
        outcome = perform(session, kind="refund", key=key, request=request, run=run,
                          amount=amount, tender="card", reverses=original_operation_id,
                          reviewer_id=reviewer.id if reviewer else None)
    except Exception:
        if given_back is not None:  # given back at the insurer, not posted here: undone
            insurer_online.undo(session, given_back.card, key)
        raise
    return RefundResult.of(outcome)


@dataclass(frozen=True)
class GivenBack:
    """What an online insurer confirmed it gave back to its card for a refund."""
    card: models.Card  # the card the insurer deducted from (and gave back to)
    amount: int
    reference: str  # the insurer's number for it
    balance: int  # the card's balance at the insurer after it


def _given_back_at_insurer(session: Session, original_operation_id: int, on_card: int,
                           key: str) -> GivenBack | None:
    """For a charge an online insurer deducted: its `on_card` part given back at the
    insurer under the refund's key; None for any other charge."""
    original = operation_store.by_id(original_operation_id)
    reference = deducted_online(original)
    if not reference or not on_card:
        return None
    card = card_store.by_id(original.card_id)  # the number the insurer deducted from
    reply = insurer_online.give_back(session, card, on_card, key, reference)
    return GivenBack(card, on_card, reply.reference, reply.balance or 0)


def deducted_online(charge: models.Operation) -> str:
    """The online insurer's reference for a charge it deducted ("" for any other)."""
    return _load(charge).get("insurer_reference", "")


def _post_given_back(posting: Posting, original: models.Operation, sales: models.Account,
                     given_back: GivenBack, on_card: int, key: str) -> None:
    """Inside the refund: what the insurer gave back leaves the account the charge paid
    into for the insurer's online account it came from; the insurer's call is marked
    posted (once: a call cancelled meanwhile rolls the refund back)."""
    if given_back.amount != on_card:
        raise KioskError(N_("Another refund of this charge was made meanwhile: look at the "
                            "charge again and refund what is left."))
    posting.move(sales, ledger.system_account_of(original.id, "issuer_online"), on_card)
    insurer_online.mark_posted(key, given_back.reference, posting.operation.id)


def _points_account_to_refund(accounts: dict, earner: models.Card | None
                              ) -> models.Account | None:
    """Inside a refund: the locked points account the charge's points went to (the
    paying card's, or that of the membership card `earner`, locked, followed to its
    replacement); None when that card no longer holds anything (cleared, void)."""
    if earner is None:
        return accounts["points"]
    if earner.status not in card_status.HOLDS_MONEY:
        return None
    return card_accounts(earner, lock=True)["points"]


def check_refund(session: Session, original_operation_id: int, amount: int) -> RefundParts:
    """Whether this refund could be made, and how it would split between the card and a
    split payment's other tender (a hint before the supervisor signs; the refund itself
    decides again on the locked original)."""
    permissions.require(session, permissions.CHARGE)
    _check_amount(amount)
    original = operation_store.by_id(original_operation_id)
    done = refunded_so_far(original) if original is not None else {}
    _check_refundable(session, original, amount, done)
    charged = _load(original)
    return replace(refund_parts(original, charged, done, amount),
                   other_tender_name=charged.get("other_tender_name", "")
                   or charged.get("other_tender", ""))


def refundable(original: models.Operation, done: dict) -> int:
    """What can still be given back on a charge: the card's part not yet reversed
    (refunds and insurance transfers take from it) and the other tender's part of a
    split payment not yet refunded."""
    other_paid = _load(original).get("other_amount", 0)
    return original.amount - original.reversed_amount + other_paid - done["other_amount"]


class NothingLeftOnCard(KioskError):
    default_message = N_("This charge was filed for transfer to stored value; it cannot be "
                         "refunded.")


def _check_refundable(session: Session, original: models.Operation | None,
                      amount: int, done: dict) -> None:
    if original is None or original.kind != "charge":
        raise KioskError(N_("Only a charge can be refunded."))
    check_not_in_settlement(original)
    if original.outlet_id != session.actor.outlet_id and not permissions.has_permission(
            session.actor.operator_id, permissions.REFUND_ANY_OUTLET):
        raise PermissionDenied(N_("This charge was made at another outlet: refund it there."))
    window = policies.value("refund_window_days")
    if window and original.business_date < current_business_date(session) - dt.timedelta(
            days=window):
        raise KioskError(N_("This charge is older than the chain's refund window ({days} "
                            "days): it cannot be refunded at the counter."), days=window)
    left = refundable(original, done)
    if amount > left:
        if _filed_for_transfer(original):
            raise NothingLeftOnCard()
        raise KioskError(N_("At most {left} can still be refunded on this charge."),
                         left=format_yuan(left))


def check_not_in_settlement(original: models.Operation) -> None:
    """Refused if the charge's channel order is in a settlement (the channel pays for
    it): the counter gives none of it back (a refund, a transfer to stored value). The
    order's row is locked: see channel_orders.settlement_holding."""
    settlement = order_store.settlement_holding(original.id)
    if settlement is not None:
        raise KioskError(N_("This charge's channel order is in settlement #{number}: the "
                            "channel pays for it, so it is refunded with the channel, not "
                            "at the counter."), number=settlement)


def _paid_into(original: models.Operation, charged: dict) -> models.Account:
    """The account the card's part of a charge went to (an insurer's receivable, the
    till's internal use, or the till's sales)."""
    if charged.get("other_amount"):
        return (ledger.paid_into(original.id, "issuer_receivable")
                or ledger.paid_into(original.id, "internal_use")
                or ledger.paid_into(original.id, "outlet_sales"))
    return ledger.paid_into(original.id)


def _filed_for_transfer(charge: models.Operation) -> bool:
    """A charge filed for transfer to stored value (pending or approved) stays charged."""
    return insurance_store.filed_for(charge.id)
