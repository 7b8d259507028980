"""Money and points moving between cards: a whole balance to another card, replacement's
move, and main-to-sub allocation (预分配). Both cards are locked (in id order, so two
terminals never wait on each other in a circle) before anything is decided."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import InvalidInput, N_, ReviewRequired
from kiosk.services import cards, operators, permissions
from kiosk.services.accounts import CARD_ACCOUNT_KINDS, card_accounts
from kiosk.money import format_yuan
from kiosk.services.operations import (InsufficientFunds, OperationResult, Posting, perform,
                                       stored)
from kiosk.services.session import Session
from kiosk.store import models


@dataclass(frozen=True, kw_only=True)
class TransferResult(OperationResult):
    from_number: str
    to_number: str
    principal: int
    bonus: int
    points: int
    deposit: int
    from_after: int = 0  # the principal left on each card (a transfer of an amount)
    to_after: int = 0


def _cards_and_consent(session: Session, from_number: str, to_number: str, key: str,
                       pin: str | None, review, without_pin: str
                       ) -> tuple[models.Card, models.Card, int | None]:
    """The two cards, checked, and the paying holder's consent: their card's PIN, or (a
    card without one, a holder who cannot type it) a reviewer's id. A request already
    done under `key` asks for neither again."""
    source, target = cards.get_card(from_number), cards.get_card(to_number)
    if source.id == target.id:
        raise InvalidInput(N_("A card cannot be transferred to itself."), field="to_number")
    cards.check_money_may_move(source, target)
    reviewer = None
    if stored(key) is None:
        if pin and source.pin_hash:
            cards.check_pin(session, source, pin)
        elif review is not None:
            reviewer = operators.authorise_review(session, review, permissions.TRANSFER).id
        else:
            raise ReviewRequired(reason=without_pin)
    return source, target, reviewer


def transfer_all(session: Session, *, from_number: str, to_number: str, key: str,
                 pin: str | None = None, review=None) -> TransferResult:
    """Move every balance (principal, bonus, points, deposit) of one card to another in
    one operation. The holder of the emptied card agrees with its PIN; a card without
    a PIN (or a customer who cannot type it) needs a reviewer."""
    source, target, reviewer = _cards_and_consent(
        session, from_number, to_number, key, pin, review,
        N_("Moving a whole balance without the card's PIN"))

    def run(posting: Posting) -> dict:
        day = posting.operation.business_date
        source_now, target_now = cards.both_locked_for_spending(source.id, target.id, day)
        cards.check_money_may_move(source_now, target_now)  # decided on the locked cards
        moved = move_all_balances(posting, source_now, target_now)
        return {"from_number": source.number, "to_number": target.number, **moved}

    outcome = perform(session, kind="transfer", key=key,
                      request={"from": source.number, "to": target.number},
                      run=run, card=source, reviewer_id=reviewer)
    return TransferResult.of(outcome)


def transfer(session: Session, *, from_number: str, to_number: str, amount: int, key: str,
             pin: str | None = None, review=None) -> TransferResult:
    """手工转账: `amount` of principal from one card to another, in one operation. The
    holder of the card paying agrees with its PIN (a card without one, or a holder who
    cannot type it: a reviewer). Both cards are locked (in id order) and must be usable
    today; a replaced card is refused with the number of the card that replaced it. The
    amount is decided on the locked account: two transfers at once never take more than
    the card holds. Insurance cards hold their issuer's money and take no part."""
    permissions.require(session, permissions.TRANSFER)
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidInput(N_("The amount must be a positive number of fen."))
    source, target, reviewer = _cards_and_consent(
        session, from_number, to_number, key, pin, review,
        N_("A transfer without the paying card's PIN"))

    def run(posting: Posting) -> dict:
        day = posting.operation.business_date
        source_now, target_now = cards.both_locked_for_spending(source.id, target.id, day)
        cards.check_money_may_move(source_now, target_now)  # decided on the locked cards
        from_principal = card_accounts(source_now, lock=True)["principal"]
        to_principal = card_accounts(target_now, lock=True)["principal"]
        if from_principal.balance < amount:
            raise InsufficientFunds(N_("Not enough balance: the card has {balance}, the "
                                       "transfer is {amount}."),
                                    balance=format_yuan(from_principal.balance),
                                    amount=format_yuan(amount))
        posting.move(from_principal, to_principal, amount)
        return {"from_number": source.number, "to_number": target.number,
                "principal": amount, "bonus": 0, "points": 0, "deposit": 0,
                "from_after": from_principal.balance - amount,
                "to_after": to_principal.balance + amount}

    outcome = perform(session, kind="transfer", key=key,
                      request={"from": source.number, "to": target.number, "amount": amount},
                      run=run, card=source, amount=amount, reviewer_id=reviewer)
    return TransferResult.of(outcome)


def move_all_balances(posting: Posting, source: models.Card, target: models.Card
                      ) -> dict[str, int]:
    """Every balance of `source` to the same account of `target` (both already locked);
    returns what moved."""
    from_accounts = card_accounts(source, lock=True)
    to_accounts = card_accounts(target, lock=True)
    moved = {}
    for account_kind in CARD_ACCOUNT_KINDS:
        amount = from_accounts[account_kind].balance
        posting.move(from_accounts[account_kind], to_accounts[account_kind], amount)
        moved[account_kind] = amount
    return moved


@dataclass(frozen=True, kw_only=True)
class AllocationResult(OperationResult):
    main: str
    sub: str
    amount: int


def allocate(session: Session, *, main_number: str, sub_number: str, amount: int,
             key: str) -> AllocationResult:
    """预分配: principal from a main card to one of its sub cards; a negative amount
    takes it back from the sub card. Both cards must be usable: a replaced sub card is
    refused with the number of the card that replaced it."""
    main, sub = cards.get_card(main_number), cards.get_card(sub_number)
    if amount == 0:
        raise InvalidInput(N_("The amount must not be zero."))

    def run(posting: Posting) -> dict:
        day = posting.operation.business_date
        main_now, sub_now = cards.both_locked_for_spending(main.id, sub.id, day)
        if sub_now.main_card_id != main_now.id:
            raise InvalidInput(N_("Card {sub} is not a sub card of {main}."),
                               sub=sub.number[-4:], main=main.number[-4:])
        main_principal = card_accounts(main_now, lock=True)["principal"]
        sub_principal = card_accounts(sub_now, lock=True)["principal"]
        if amount > 0:
            posting.move(main_principal, sub_principal, amount)
        else:
            posting.move(sub_principal, main_principal, -amount)
        return {"main": main.number, "sub": sub.number, "amount": amount}

    outcome = perform(session, kind="allocation", key=key,
                      request={"main": main.number, "sub": sub.number, "amount": amount},
                      run=run, card=main, amount=abs(amount))
    return AllocationResult.of(outcome)
