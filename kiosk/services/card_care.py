"""A card's life after issue: loss (挂失/止挂), replacement (补卡/坏卡处理) and tier
upgrade, the customer's PIN (change, unlock, reset), restrictions (限制信息) and
clearing (清户). Each is audited; those that move money run as one operation."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import DeviceError, InvalidInput, KioskError, N_, NotFound
from kiosk.i18n import translator
from kiosk.identity import initial_pin_from_id
from kiosk.money import MoneyError
from kiosk.services import audit, cards, permissions, prepaid, receipts, service_fees, tenders
from kiosk.services.business_date import current_business_date
from kiosk.services.accounts import card_accounts, till_account
from kiosk.services.card_status import CardStatus
from kiosk.services.catalog import CATEGORIES
from kiosk.services.issuing import blank_card, check_new_pin, expiry_date, require_review
from kiosk.services.operations import OperationResult, Posting, perform, stored
from kiosk.services.session import Session
from kiosk.services.tiers import tiers
from kiosk.services.transfers import move_all_balances
from kiosk.store import cards as card_store
from kiosk.store import sub_cards as sub_card_store
from kiosk.store import journal, models
from kiosk.store import members as member_store
from kiosk.store import outlets as outlet_store

REPLACEMENT_REASONS = ("lost", "damaged", "upgrade")


# -- loss -------------------------------------------------------------------------------
@dataclass(frozen=True)
class LossSlip:
    """What the 挂失/止挂 slip says: handed to the holder as their proof."""

    card: str  # masked
    holder: str  # masked
    status: str
    slip_printed: bool
    print_problem: KioskError | None = None


def report_loss(session: Session, number: str, holder_check: str, printer=None) -> LossSlip:
    """挂失: the card stops working at once, on every terminal; reporting twice is harmless.
    Only the holder may: the clerk types the last four of the holder's ID number (or
    phone) as the holder shows it. An anonymous card has no holder to check."""
    return _change_status(session, number, "lost", holder_check, printer,
                          allowed_from=("active", "frozen"), action="card.loss",
                          title=N_("CARD REPORTED LOST"))


def cancel_loss(session: Session, number: str, holder_check: str, printer=None) -> LossSlip:
    """止挂: the card was found; it works again (the holder checked as for the loss)."""
    return _change_status(session, number, "active", holder_check, printer,
                          allowed_from=("lost",), action="card.loss_cancelled",
                          title=N_("CARD LOSS CANCELLED"))


def check_loss_possible(session: Session, number: str) -> None:
    """Whether this card can be reported lost at all, asked before the clerk takes the
    holder's ID: an anonymous card cannot."""
    permissions.require(session, permissions.CARD_MANAGE)
    _check_named(cards.get_card(number))


def _check_named(card: models.Card) -> models.Member:
    member = member_store.by_id(card.member_id)
    if (member is None or card.anonymous) and prepaid.is_prepaid(card.product):
        raise prepaid.PrepaidRuleBroken(N_("Loss rule (单用途商业预付卡管理办法): an anonymous "
                                           "card cannot be reported lost; only a named card "
                                           "can."))
    if member is None or card.anonymous:
        raise InvalidInput(N_("An anonymous card has no holder to check: it cannot be "
                              "reported lost."))
    return member


def _check_holder(card: models.Card, holder_check: str) -> None:
    _check_holder_of(_check_named(card), holder_check)


def _check_holder_of(member: models.Member, holder_check: str) -> None:
    """The clerk typed the last four of the holder's ID number (or phone) as the holder
    shows it."""
    known = [value[-4:].upper() for value in (member.id_number, member.phone) if value]
    if not known or (holder_check or "").strip().upper() not in known:
        raise InvalidInput(N_("The last four of the holder's ID number (or phone) do not "
                              "match: check the holder's ID."))


def _check_pin_claimant(session: Session, card: models.Card, holder_check: str,
                        review) -> dict:
    """Who may have a card's PIN unlocked or set anew: a named card's holder, checked by
    the last four of their ID (or phone); an anonymous card, which has no holder on
    record, only with a supervisor's review. Returns what the audit event records of it
    (the reviewer, who answers for it)."""
    member = member_store.by_id(card.member_id) if not card.anonymous else None
    if member is not None:
        _check_holder_of(member, holder_check)
        return {}
    return {"reviewer": require_review(session, review, permissions.CARD_MANAGE,
                                       N_("An anonymous card's PIN"))}


def _change_status(session: Session, number: str, status: str, holder_check: str, printer,
                   *, allowed_from: tuple, action: str, title: str) -> LossSlip:
    permissions.require(session, permissions.CARD_MANAGE)
    _check_holder(cards.get_card(number), holder_check)
    with audit.transaction(session):
        card = card_store.locked(cards.get_card(number).id)
        unchanged = card.status == status  # reported twice: harmless, the slip again
        if not unchanged and card.status not in allowed_from:
            cards.ensure_move(card, CardStatus(status))  # says why not
            raise InvalidInput(N_("This card cannot change to that state."))
        if not unchanged:
            card_store.set_status(card.id, status)
            audit.append(session, action, subject=f"card:{card.number}",
                         details={"from": card.status, "to": status})
    return _slip(session, card, status, printer, title)


def _slip(session: Session, card: models.Card, status: str, printer, title: str) -> LossSlip:
    """The slip printed after the change committed: a printer that fails changes
    nothing about the card; the screen says the slip did not print."""
    now = cards.get_card(card.number)
    view = cards.view(now)
    tr = translator(session.runtime.settings.language)
    try:  # laid out by the chain's loss voucher template (services/vouchers.py)
        receipts.print_voucher(session, printer, "loss", now, {"status": status},
                               name=f"loss-{card.number[-4:]}", title=tr(title))
    except DeviceError as error:
        return LossSlip(view.masked_number, view.holder, status, False, error)
    return LossSlip(view.masked_number, view.holder, status, True)


# -- replacement ------------------------------------------------------------------------
def replacement_fee(product: models.CardProduct, reason: str) -> int:
    """A lost card's replacement costs the product's card fee; a bad card or an upgrade
    is replaced free."""
    return product.issue_fee if reason == "lost" else 0


def replacement_fee_for(session: Session, number: str, reason: str) -> int:
    permissions.require(session, permissions.QUERY)
    return replacement_fee(cards.get_card(number).product, reason)


@dataclass(frozen=True)
class Replacement:
    old_number: str
    new_number: str
    reason: str  # lost, damaged, upgrade
    fee: int
    tender: str = "cash"
    tier: str = ""  # for an upgrade: the tier offered
    invoice: bool = True  # the service-fee invoice; the customer may decline it


@dataclass(frozen=True, kw_only=True)
class ReplacementResult(OperationResult):
    card_number: str
    old_card_number: str
    reason: str
    tier: str
    amount: int  # the fee
    principal_after: int
    bonus_after: int
    points_after: int
    deposit: int


def replace_card(session: Session, request: Replacement, *, key: str,
                 review=None) -> ReplacementResult:
    """Balance, bonus, points, deposit, tier, PIN, restrictions and sub cards move to the
    written new card in one operation; the old card is `replaced` for ever and points
    at the new one (the new one's `replacing` points back)."""
    permissions.require(session, permissions.CARD_MANAGE)
    if request.reason not in REPLACEMENT_REASONS:
        raise InvalidInput(N_("Unknown replacement reason."))
    till = tenders.till_account_kind(request.tender)
    old, new = cards.get_card(request.old_number), cards.get_card(request.new_number)
    if old.id == new.id:
        raise InvalidInput(N_("A card cannot be transferred to itself."))
    if new.product_id != old.product_id:  # its money and its rules go with the product
        raise InvalidInput(N_("The new card must be a {product} card, as the old one is."),
                           product=old.product.name)
    reviewer = None
    if request.fee != replacement_fee(old.product, request.reason):
        reviewer = require_review(session, review, permissions.CARD_MANAGE,
                                  N_("The fee differs from the product's"))
    tier = request.tier if request.reason == "upgrade" else old.tier
    if request.reason == "upgrade" and tier not in dict(tiers(old.product)):
        raise InvalidInput(N_("This card has no tier upgrade due."))

    def run(posting: Posting) -> dict:
        old_now = locked_for_succession(old.id, new.id)[old.id]
        if not card_store.change_if(
                new.id, "written", status="active", member=old_now.member_id,
                anonymous=old_now.anonymous, customer=old_now.customer_id,
                plate_number=old_now.plate_number,
                company=old_now.company, main_card=old_now.main_card_id,
                pin_hash=old_now.pin_hash, pin_failures=0, pin_locked=old_now.pin_locked,
                tier=tier, daily_limit=old_now.daily_limit,
                allowed_outlets=old_now.allowed_outlets,
                allowed_categories=old_now.allowed_categories,
                forbidden_categories=old_now.forbidden_categories,
                expires_on=prepaid.expiry_for(new.product, anonymous=old_now.anonymous,
                                              today=posting.operation.business_date,
                                              plain=expiry_date)):
            blank_card(session, new.number)
            raise InvalidInput(N_("Write the card (or read the smart card) before issuing "
                                  "it."))
        moved = hand_over(posting, old_now, card_store.locked(new.id))  # (held already)
        drawer = till_account(session.actor.outlet_id, session.actor.terminal_id, till)
        posting.move(drawer, service_fees.fee_account(session.actor, request.invoice), request.fee)
        data = {"card_number": new.number, "old_card_number": old.number,
                "fee": request.fee, "invoice": request.invoice,
                "reason": request.reason, "tier": tier, "amount": request.fee,
                "principal_after": moved["principal"], "bonus_after": moved["bonus"],
                "points_after": moved["points"], "deposit": moved["deposit"]}
        data["receipt_id"] = receipts.queue(session, posting.operation, new, "replacement",
                                            data)
        return data

    outcome = perform(session, kind="replacement", key=key,
                      request={"old": old.number, "new": new.number, "reason": request.reason,
                               "fee": request.fee, "tier": tier,
                               **({} if request.invoice else {"invoice": False})},
                      run=run, card=new, amount=request.fee,
                      tender=request.tender, reviewer_id=reviewer, memo=request.reason)
    return ReplacementResult.of(outcome)


def locked_for_succession(old_id: int, new_id: int) -> dict[int, models.Card]:
    """Inside a succession (hand_over): the old card, the new one and every sub card
    of the old one, locked at once, lowest id first, before any of them changes (an
    allocation from the main card to a sub card locks its two the same way)."""
    return cards.locked_in_id_order([old_id, new_id, *card_store.sub_card_ids(old_id)])


def hand_over(posting: Posting, old: models.Card, new: models.Card) -> dict[str, int]:
    """A card's succession (a replacement, a sub card taking a lost main card's place),
    both cards locked: the old one is replaced for good and points at the new one, its
    sub cards and allocation templates follow, and every balance moves across. Returns
    what moved."""
    cards.ensure_move(old, CardStatus.REPLACED)
    card_store.set_status(old.id, CardStatus.REPLACED, replaced_by=new.id)
    card_store.move_sub_cards(old.id, new.id)
    sub_card_store.move_templates(old.id, new.id)
    return move_all_balances(posting, old, new)


# -- the customer's PIN -------------------------------------------------------------------
def change_pin(session: Session, number: str, old_pin: str, new_pin: str,
               repeated: str) -> None:
    """The customer types the old PIN (a wrong one counts towards the lock) and the new
    one twice."""
    permissions.require(session, permissions.QUERY)
    card = cards.get_card(number)
    check_new_pin(new_pin, repeated)
    cards.check_pin(session, card, old_pin)
    _set_pin_hash(session, card, session.hasher.hash(new_pin), "pin.change")


def unlock_pin(session: Session, number: str, holder_check: str = "", review=None) -> None:
    """After three wrong tries, the member centre unlocks the PIN: the holder shows ID
    (the last four typed), or a supervisor reviews it for an anonymous card."""
    permissions.require(session, permissions.CARD_MANAGE)
    card = cards.get_card(number)
    claimant = _check_pin_claimant(session, card, holder_check, review)
    _set_pin_hash(session, card, card.pin_hash, "pin.unlock", **claimant)


def reset_pin(session: Session, number: str, new_pin: str = "", repeated: str = "",
              holder_check: str = "", review=None) -> str:
    """Back to the product's initial rule (the last six of the holder's ID number), or,
    for a holder without an ID number, to a PIN the customer types twice; the holder
    checked as for an unlock. Returns how."""
    permissions.require(session, permissions.CARD_MANAGE)
    card = cards.get_card(number)
    claimant = _check_pin_claimant(session, card, holder_check, review)
    if new_pin:
        check_new_pin(new_pin, repeated)
        pin, how = new_pin, "typed"
    else:
        id_number = card.member.id_number if card.member_id else ""
        if not id_number:
            raise InvalidInput(N_("The holder has no ID number: let the customer type a new "
                                  "PIN twice."))
        pin, how = initial_pin_from_id(id_number), "id_rule"
    _set_pin_hash(session, card, session.hasher.hash(pin), "pin.reset", how=how, **claimant)
    return how


def _set_pin_hash(session: Session, card: models.Card, pin_hash: str, action: str,
                  **details) -> None:
    with audit.transaction(session):
        card_store.change(card.id, pin_hash=pin_hash, pin_failures=0, pin_checks=0,
                          pin_locked=False)
        audit.append(session, action, subject=f"card:{card.number}", details=details)


# -- restrictions -------------------------------------------------------------------------
@dataclass(frozen=True)
class Restrictions:
    daily_limit: int = 0  # fen; 0 = none
    allowed_outlets: str = ""  # comma list of outlet codes; empty = every outlet
    allowed_categories: str = ""  # empty = every category
    forbidden_categories: str = ""


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


def restrictions_of(session: Session, number: str) -> Restrictions:
    permissions.require(session, permissions.QUERY)
    card = cards.get_card(number)
    return Restrictions(card.daily_limit, card.allowed_outlets, card.allowed_categories,
                        card.forbidden_categories)


def set_restrictions(session: Session, number: str, rules: Restrictions) -> None:
    permissions.require(session, permissions.CARD_MANAGE)
    if not isinstance(rules.daily_limit, int) or rules.daily_limit < 0:
        raise MoneyError(N_("The daily limit is a positive amount, or 0 for none."))
    outlets = _comma_list(rules.allowed_outlets)
    known = outlet_store.known_codes(outlets)
    for code in outlets:
        if code not in known:
            raise NotFound(N_("No outlet with code {code}."), code=code[:8])
    for category in _comma_list(rules.allowed_categories) + _comma_list(
            rules.forbidden_categories):
        if category not in CATEGORIES:
            raise InvalidInput(N_("Unknown category '{category}'; the categories are "
                                  "{known}."), category=category[:20], known="、".join(CATEGORIES))
    fields = {"daily_limit": rules.daily_limit, "allowed_outlets": ",".join(outlets),
              "allowed_categories": ",".join(_comma_list(rules.allowed_categories)),
              "forbidden_categories": ",".join(_comma_list(rules.forbidden_categories))}
    with audit.transaction(session):
        card = cards.get_card(number)
        card_store.change(card.id, **fields)
        audit.append(session, "card.restrictions", subject=f"card:{card.number}",
                     details=fields)


# -- clearing ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ClearingResult(OperationResult):
    card_number: str
    amount: int  # paid back in cash
    principal: int
    deposit: int
    bonus_forfeited: int
    points_lapsed: int


def clear_card(session: Session, number: str, *, key: str, review=None) -> ClearingResult:
    """清户 (a prepaid card's 赎回, redemption): close the card for good. Principal and
    deposit are paid back in cash, less the chain's redemption fee on a prepaid card's
    principal; the bonus is forfeited and the points lapse, as the product terms say.
    With review. A prepaid card follows the rules (services/prepaid.py): named cards
    only, from the months after issue the chain sets; a product the chain stopped
    accepting is redeemed in full, anonymous cards too."""
    permissions.require(session, permissions.CARD_MANAGE)
    card = cards.get_card(number)
    cards.check_money_may_move(card)
    if stored(key) is None:
        prepaid.check_redemption(card, current_business_date(session),
                                 journal.issued_on(card.id))
    reviewer = require_review(session, review, permissions.CARD_MANAGE,
                              N_("Clearing a card"))

    def run(posting: Posting) -> dict:
        card_now = card_store.locked(card.id)
        cards.check_money_may_move(card_now)  # decided on the locked card
        cards.ensure_move(card_now, CardStatus.CLEARED)
        fee_percent = prepaid.check_redemption(card_now, posting.operation.business_date,
                                               journal.issued_on(card_now.id))
        if card_store.has_sub_cards_in_use(card.id):
            raise InvalidInput(N_("Clear or replace its sub cards first."))
        card_store.set_status(card.id, CardStatus.CLEARED)
        accounts = card_accounts(card, lock=True)
        outlet, terminal = session.actor.outlet_id, session.actor.terminal_id
        drawer = till_account(outlet, terminal, "outlet_cash")
        fee = accounts["principal"].balance * fee_percent // 100
        paid = accounts["principal"].balance - fee + accounts["deposit"].balance
        posting.operation.amount = paid
        posting.move(accounts["principal"], till_account(outlet, None, "fee_income"), fee)
        posting.move(accounts["principal"], drawer, accounts["principal"].balance - fee)
        posting.move(accounts["deposit"], drawer, accounts["deposit"].balance)
        posting.move(accounts["bonus"], till_account(outlet, terminal, "promotion_expense"),
                     accounts["bonus"].balance)
        posting.move(accounts["points"], till_account(outlet, terminal, "points_issued"),
                     accounts["points"].balance)
        data = {"card_number": card.number, "amount": paid,
                "principal": accounts["principal"].balance,
                "deposit": accounts["deposit"].balance,
                "bonus_forfeited": accounts["bonus"].balance,
                "points_lapsed": accounts["points"].balance}
        data["receipt_id"] = receipts.queue(session, posting.operation, card, "clearing", data)
        return data

    outcome = perform(session, kind="clearing", key=key, request={"card": card.number},
                      run=run, card=card, tender="cash", reviewer_id=reviewer)
    return ClearingResult.of(outcome)
