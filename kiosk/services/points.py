"""Member points (积分), as the hospital CRM (博爱) runs them.

- A membership card (会员卡) identifies the member at the counter: a sale paid by any
  tender (cash, bank card, a stored-value or insurance card charged with it) earns its
  points on the membership card (`member_sale`, or `charge(..., member_card_number=)`).
- The member redeems points (`redeem`, their PIN); the decision is the conditional
  UPDATE on the locked points account: two redemptions never spend the same points.
- Points expire by the chain's rule (`points_expiry_months`): a point earned on day d
  is gone on the run `months` later; spending takes the oldest points first, so what
  expires is what was credited by the cut-off day less everything ever taken
  (`expire_points`, the nightly batch).
- Tiers are re-evaluated once a year (`review_tiers`): a card keeps the highest tier
  whose threshold the points it earned in the last twelve months reach; a card that
  no longer reaches its tier goes down (an upgrade needs a new card: the member centre).
- The chain's membership rule (`membership_min_sale_yuan`): a sale of at least that
  much by a customer with no membership card prompts the cashier to offer one.

Points are accounts in the unit "point" of the same double-entry journal as money:
append-only, each operation under an idempotency key, posted together or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from kiosk.errors import InvalidInput, KioskError, N_, PermissionDenied
from kiosk.money import format_yuan
from kiosk.services import cards, kinds, operators, permissions, policies, receipts, tenders
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.business_date import add_months, current_business_date
from kiosk.services.operations import OperationResult, Posting, perform, stored
from kiosk.services.session import Session
from kiosk.services.tiers import tier_offer, tiers
from kiosk.store import cards as card_store
from kiosk.store import journal, ledger, models
from kiosk.store import operations as operation_store
from kiosk.store import points as points_store

MAX_MEMO = 100


class NotAMembershipCard(KioskError):
    default_message = N_("This is not a membership card: swipe the member's membership "
                         "card (会员卡).")


# -- earning ----------------------------------------------------------------------------
def points_for(card: models.Card, amount: int) -> int:
    """floor(amount in fen * the product's points per yuan / 100)."""
    return amount * card.product.points_per_yuan // 100


def post_earned(session: Session, posting: Posting, card: models.Card, amount: int,
                accounts: dict[str, models.Account] | None = None) -> tuple[int, int, str]:
    """Inside an operation, on the locked card: credit the points a sale of `amount`
    earns (`accounts`: the card's, if the operation already locked them). Returns
    (points earned, points after, a tier upgrade the points now reach)."""
    accounts = accounts or card_accounts(card, lock=True)
    points = points_for(card, amount)
    # The till's own pool: no row every charge of the outlet would wait on (issue 18).
    pool = till_account(session.actor.outlet_id, session.actor.terminal_id, "points_issued")
    posting.move(pool, accounts["points"], points)
    after = accounts["points"].balance + points
    return points, after, tier_offer(card, after)


def member_card(session: Session, number: str) -> cards.CardView:
    """The membership card swiped to identify the member at the counter."""
    view = cards.look_up(session, number)
    if view.product_kind != "membership":
        raise NotAMembershipCard()
    return view


@dataclass(frozen=True, kw_only=True)
class MemberSaleResult(OperationResult):
    card_number: str
    amount: int
    tender: str
    points_earned: int
    points_after: int
    tender_name: str = ""
    tier_offer: str = ""
    business_date: str = ""


def member_sale(session: Session, *, card_number: str, amount: int, tender: str,
                key: str) -> MemberSaleResult:
    """A sale the member paid by another tender (cash, bank card ...) at this counter:
    the money goes into the till's account of that tender (the shift's cash expected
    counts it) and the membership card earns the sale's points, posted on the locked
    card."""
    _check_amount(amount)
    tenders.till_account_kind(tender)  # an active tender, or a clear refusal
    card = cards.get_card(card_number)
    if card.product.kind != "membership":
        raise NotAMembershipCard()
    request = {"card": card.number, "amount": amount, "tender": tender}

    def run(posting: Posting) -> dict:
        today = posting.operation.business_date
        card_now = cards.locked_for_spending(card.id, today)
        _check_opened(session, card_now)
        earned, after, offer = post_earned(session, posting, card_now, amount)
        posting.move(tenders.drawer(session, tender), till_account(
            session.actor.outlet_id, session.actor.terminal_id, "outlet_sales"), amount)
        data = {"card_number": card_now.number, "amount": amount, "tender": tender,
                "tender_name": tenders.name_of(tender), "points_earned": earned,
                "points_after": after, "tier_offer": offer,
                "business_date": today.isoformat()}
        data["receipt_id"] = receipts.queue(session, posting.operation, card_now,
                                            "member_sale", data)
        return data

    outcome = perform(session, kind="member_sale", key=key, request=request, run=run,
                      card=card, amount=amount, tender=tender)
    return MemberSaleResult.of(outcome)


def _check_opened(session: Session, card: models.Card) -> None:
    """A card of a product this outlet has not opened earns and spends nothing here."""
    if not card_store.product_opened(session.actor.outlet_id, card.product_id):
        from kiosk.services.charge import NoMatchingInstitution
        raise NoMatchingInstitution()


def _check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise KioskError(N_("The amount must be a positive number of fen."))


# -- a member's sale brought back -------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SaleReturnResult(OperationResult):
    original_operation_id: int
    amount: int
    points: int
    points_after: int
    returned_total: int
    card_number: str = ""


def return_member_sale(session: Session, *, original_operation_id: int, amount: int,
                       key: str, review) -> SaleReturnResult:
    """Goods of a member's sale paid by another tender brought back, in part or in full,
    with a supervisor's review as for a refund: the points the returned part earned come
    off the membership card (points already spent stay spent) and the money goes back out
    of the till by the sale's tender. Never more than the sale: the original's one "still
    reversible" amount is claimed under its lock."""
    _check_amount(amount)
    request = {"original": original_operation_id, "amount": amount}
    reviewer = None
    if stored(key) is None:
        check_return(session, original_operation_id, amount)
        reviewer = operators.authorise_review(session, review, permissions.REFUND)

    def run(posting: Posting) -> dict:
        original = operation_store.locked(original_operation_id)
        _check_returnable(session, original, amount)
        before = original.reversed_amount
        if not operation_store.take_reversible(original.id, amount):
            raise AssertionError("the original is locked: what is left cannot have changed")
        earned = json.loads(original.result).get("points_earned", 0)
        taken_before = sum(json.loads(done.result).get("points", 0)
                           for done in operation_store.reversals_of(original.id))
        due = earned * (before + amount) // original.amount - taken_before
        card = cards.locked_for_credit(original.card_id)
        posting.operation.card = card.id
        account = card_accounts(card, lock=True)["points"]
        due = max(0, min(due, account.balance))
        # Back into the pool the points came from (the earning terminal's).
        pool = ledger.system_account_of(original.id, "points_issued") or till_account(
            original.outlet_id, original.terminal_id, "points_issued")
        posting.move(account, pool, due)
        _give_back(session, posting, original, amount)
        data = {"original_operation_id": original.id, "amount": amount, "points": due,
                "points_after": account.balance - due, "returned_total": before + amount,
                "card_number": card.number}
        data["receipt_id"] = receipts.queue(session, posting.operation, card,
                                            "member_sale_return", {
                                                **data, "authorised_by": reviewer.login_id})
        return data

    outcome = perform(session, kind="member_sale_return", key=key, request=request, run=run,
                      amount=amount, reverses=original_operation_id,
                      reviewer_id=reviewer.id if reviewer else None)
    return SaleReturnResult.of(outcome)


def _give_back(session: Session, posting: Posting, original: models.Operation,
               amount: int) -> None:
    """The returned part of the sale out of the till by the sale's tender, from the sales
    account it went into (a sale recorded before member sales moved money: the sales
    of the till that made it)."""
    posting.operation.tender = original.tender
    sales = ledger.paid_into(original.id, "outlet_sales") or till_account(
        original.outlet_id, original.terminal_id, "outlet_sales")
    posting.move(sales, tenders.drawer_giving_back(session, original.tender), amount)


def check_return(session: Session, original_operation_id: int, amount: int) -> None:
    """Whether this return could be made (a hint before the supervisor signs)."""
    permissions.require(session, permissions.CHARGE)
    _check_amount(amount)
    _check_returnable(session, journal.operation(original_operation_id), amount)


def _check_returnable(session: Session, original: models.Operation | None,
                      amount: int) -> None:
    if original is None or original.kind != "member_sale":
        raise KioskError(N_("Only a member's sale can be returned here."))
    if original.outlet_id != session.actor.outlet_id and not permissions.has_permission(
            session.actor.operator_id, permissions.REFUND_ANY_OUTLET):
        raise PermissionDenied(N_("This sale was made at another outlet: return it there."))
    window = policies.value("refund_window_days")
    if window and original.business_date < current_business_date(session) - dt.timedelta(
            days=window):
        raise KioskError(N_("This sale is older than the chain's refund window ({days} "
                            "days): it cannot be returned at the counter."), days=window)
    left = original.amount - original.reversed_amount
    if amount > left:
        raise KioskError(N_("At most {left} of this sale can still be returned."),
                         left=format_yuan(left))


# -- redeeming --------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RedemptionResult(OperationResult):
    card_number: str
    points: int
    points_after: int
    memo: str = ""


def check_redemption(session: Session, *, card_number: str, points: int) -> None:
    """Whether the card could redeem `points` here today: asked as the points are typed,
    before the customer types a PIN for nothing (redeem decides again on the locked
    account)."""
    permissions.require(session, permissions.CHARGE)
    card = cards.get_card(card_number)
    cards.ensure_usable(card, current_business_date(session))
    _check_opened(session, card)
    _check_enough(card_accounts(card)["points"].balance, points)


def redeem(session: Session, *, card_number: str, points: int, pin: str | None, key: str,
           memo: str = "") -> RedemptionResult:
    """The member spends `points` (for a gift or a deduction the memo names). The
    customer's PIN is checked first; the points come off the locked account with one
    conditional UPDATE, so two tills never spend the same points."""
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise InvalidInput(N_("Type the points to redeem: a whole number above zero."))
    memo = memo.strip()
    if len(memo) > MAX_MEMO:
        raise InvalidInput(N_("The note has at most {most} characters."), most=MAX_MEMO)
    card = cards.get_card(card_number)
    request = {"card": card.number, "points": points, "memo": memo}
    if stored(key) is None:
        check_redemption(session, card_number=card.number, points=points)
        cards.check_pin(session, card, pin)

    def run(posting: Posting) -> dict:
        card_now = cards.locked_for_spending(card.id, posting.operation.business_date)
        _check_opened(session, card_now)
        account = card_accounts(card_now, lock=True)["points"]
        _check_enough(account.balance, points)  # the decision, on the locked row
        posting.move(account, till_account(session.actor.outlet_id, session.actor.terminal_id,
                                           "points_redeemed"), points)
        data = {"card_number": card_now.number, "points": points,
                "points_after": account.balance - points, "memo": memo, "amount": 0}
        data["receipt_id"] = receipts.queue(session, posting.operation, card_now,
                                            "points_redemption", data)
        return data

    outcome = perform(session, kind="points_redemption", key=key, request=request, run=run,
                      card=card, memo=memo)
    return RedemptionResult.of(outcome)


def _check_enough(balance: int, points: int) -> None:
    if balance < points:
        raise InvalidInput(N_("The card has {balance} points; {points} cannot be redeemed."),
                           balance=balance, points=points)


# -- expiry (the nightly batch) ---------------------------------------------------------
def expiry_cutoff(today: dt.date) -> dt.date | None:
    """Points credited on or before this day have expired by `today` (None: never)."""
    months = policies.value("points_expiry_months")
    return add_months(today, -months) if months else None


def _due(card_id: int, cutoff: dt.date, balance: int) -> int:
    """FIFO: what was credited by the cut-off, less everything ever taken."""
    due = points_store.credited_until(card_id, cutoff) - points_store.debited(card_id)
    return max(0, min(due, balance))


@dataclass(frozen=True)
class ExpiryReport:
    cutoff: dt.date | None
    cards: int
    points: int


def expire_points(session: Session, today: dt.date | None = None) -> ExpiryReport:
    """The chain's rule applied to every card holding points: one operation per card
    that has points to expire, keyed by card and day (a second run the same day, or on
    another terminal at once, expires nothing twice)."""
    permissions.require(session, permissions.CARD_MANAGE)
    today = today or current_business_date(session)
    cutoff = expiry_cutoff(today)
    if cutoff is None:
        return ExpiryReport(None, 0, 0)
    count = total = 0
    for card_id in points_store.cards_holding_points():
        if _due(card_id, cutoff, points_store.balance(card_id)) <= 0:
            continue
        expired = _expire_card(session, card_id, today, cutoff)
        if expired:
            count, total = count + 1, total + expired
    return ExpiryReport(cutoff, count, total)


def _expire_card(session: Session, card_id: int, today: dt.date, cutoff: dt.date) -> int:
    def run(posting: Posting) -> dict:
        card = card_store.locked(card_id)
        posting.operation.card = card.id
        account = card_accounts(card, lock=True)["points"]
        due = _due(card.id, cutoff, account.balance)
        posting.move(account, till_account(session.actor.outlet_id, None, "points_expired"),
                     due)
        return {"card_number": card.number, "points": due, "cutoff": cutoff.isoformat(),
                "points_after": account.balance - due}

    outcome = perform(session, kind="points_expiry",
                      key=f"points-expiry-{card_id}-{today.isoformat()}",
                      request={"card": card_id, "cutoff": cutoff.isoformat()}, run=run)
    return 0 if outcome.replayed else outcome.data["points"]


# -- the yearly tier review -------------------------------------------------------------
@dataclass(frozen=True)
class TierChange:
    card_number: str
    old_tier: str
    new_tier: str
    earned: int


def review_tiers(session: Session, today: dt.date | None = None) -> list[TierChange]:
    """Every card holding a tier keeps the highest tier the points it earned in the
    twelve months up to `today` reach; one below that goes down (an operation per card,
    keyed by card and year: the year's review changes a card once)."""
    permissions.require(session, permissions.CARD_MANAGE)
    today = today or current_business_date(session)
    first = add_months(today, -12) + dt.timedelta(days=1)
    changes = []
    for card_id in points_store.cards_with_tier():
        card = card_store.by_id(card_id)
        earned = points_store.earned_between(card_id, first, today, kinds.COUNTING_FOR_TIER)
        if _kept_tier(card, earned) == card.tier:
            continue
        change = _review_card(session, card_id, today, first)
        if change is not None:
            changes.append(change)
    return changes


def _kept_tier(card: models.Card, earned: int) -> str:
    """The tier the card keeps: its own if the year's points reach it, else the highest
    below it that they reach ('' for none)."""
    ladder = tiers(card.product)
    rank = {name: index for index, (name, _) in enumerate(ladder)}
    if card.tier not in rank:
        return card.tier  # a tier the product no longer names: left for the member centre
    reached = [name for name, threshold in ladder[:rank[card.tier] + 1] if earned >= threshold]
    return reached[-1] if reached else ""


def _review_card(session: Session, card_id: int, today: dt.date,
                 first: dt.date) -> TierChange | None:
    def run(posting: Posting) -> dict:
        card = card_store.locked(card_id)
        posting.operation.card = card.id
        earned = points_store.earned_between(card.id, first, today, kinds.COUNTING_FOR_TIER)
        kept = _kept_tier(card, earned)
        if kept != card.tier:
            points_store.set_tier(card.id, kept)
        return {"card_number": card.number, "old_tier": card.tier, "new_tier": kept,
                "earned": earned, "year": today.year}

    outcome = perform(session, kind="tier_review", key=f"tier-review-{card_id}-{today.year}",
                      request={"card": card_id, "year": today.year}, run=run)
    data = outcome.data
    if outcome.replayed or data["old_tier"] == data["new_tier"]:
        return None
    return TierChange(data["card_number"], data["old_tier"], data["new_tier"], data["earned"])


# -- the membership rule ----------------------------------------------------------------
def membership_threshold() -> int:
    """The sale (fen) that qualifies a customer for membership; 0: no rule."""
    return policies.remembered("membership_min_sale_yuan") * 100


def qualifies_for_membership(card: models.Card, amount: int,
                             member_card: models.Card | None = None) -> bool:
    """Whether a sale of `amount` paid by `card` (with `member_card` identified, if
    one was) is a qualifying purchase by a customer who has no membership card."""
    threshold = membership_threshold()
    if not threshold or amount < threshold or member_card is not None:
        return False
    if card.product.kind in ("membership", "internal"):  # a member, or the chain's own use
        return False
    return not (card.member_id and points_store.holds_membership(card.member_id))
