"""Money and points moving between cards: replacement and main-to-sub allocation."""

from __future__ import annotations

from kiosk.errors import KioskError, N_
from kiosk.services import cards, permissions
from kiosk.services.accounts import CARD_ACCOUNT_KINDS, card_accounts
from kiosk.services.operations import Outcome, Posting, perform
from kiosk.services.session import Session
from kiosk.store import models


def transfer_all(session: Session, *, from_number: str, to_number: str, key: str,
                 kind: str = "transfer") -> Outcome:
    """Move every balance (principal, bonus, points, deposit) of one card to another in
    one operation; the card lifecycle (voiding the old card) is the caller's step in the
    same business flow."""
    source, target = cards.get_card(from_number), cards.get_card(to_number)
    if source.id == target.id:
        raise KioskError(N_("A card cannot be transferred to itself."))

    def run(posting: Posting) -> dict:
        return {"from": source.number, "to": target.number,
                **move_all_balances(posting, source, target)}

    return perform(session, kind=kind, key=key,
                   request={"from": source.number, "to": target.number},
                   permission=permissions.TRANSFER, run=run, card=source)


def move_all_balances(posting: Posting, source: models.Card, target: models.Card
                      ) -> dict[str, int]:
    """Every balance of `source` to the same account of `target`; returns what moved."""
    from_accounts = card_accounts(source, lock=True)
    to_accounts = card_accounts(target, lock=True)
    moved = {}
    for account_kind in CARD_ACCOUNT_KINDS:
        amount = from_accounts[account_kind].balance
        posting.move(from_accounts[account_kind], to_accounts[account_kind], amount)
        moved[account_kind] = amount
    return moved


def allocate(session: Session, *, main_number: str, sub_number: str, amount: int,
             key: str) -> Outcome:
    """预分配: principal from a main card to one of its sub cards; a negative amount
    takes it back from the sub card."""
    main, sub = cards.get_card(main_number), cards.get_card(sub_number)
    if sub.main_card_id != main.id:
        raise KioskError(N_("Card {sub} is not a sub card of {main}."),
                         sub=sub.number[-4:], main=main.number[-4:])
    if amount == 0:
        raise KioskError(N_("The amount must not be zero."))

    def run(posting: Posting) -> dict:
        main_principal = card_accounts(main, lock=True)["principal"]
        sub_principal = card_accounts(sub, lock=True)["principal"]
        if amount > 0:
            posting.move(main_principal, sub_principal, amount)
        else:
            posting.move(sub_principal, main_principal, -amount)
        return {"main": main.number, "sub": sub.number, "amount": amount}

    return perform(session, kind="allocation", key=key,
                   request={"main": main.number, "sub": sub.number, "amount": amount},
                   permission=permissions.TRANSFER, run=run, card=main, amount=abs(amount))
