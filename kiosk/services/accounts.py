"""Finding and opening accounts. Card accounts never go negative; the till's and the
issuer's accounts are the other side of every movement and may."""

from __future__ import annotations

import hashlib

from kiosk.store import ledger, models
from kiosk.services import caches

CARD_ACCOUNT_KINDS = ("principal", "bonus", "points", "deposit")
POINT_KINDS = ("points", "points_issued", "points_redeemed", "points_expired")
ACCOUNT_CODE_LENGTH = ledger.ACCOUNT_CODE_LENGTH


def unit_of(kind: str) -> str:
    return "point" if kind in POINT_KINDS else "fen"


def open_card_accounts(card: models.Card) -> None:
    for kind in CARD_ACCOUNT_KINDS:
        ledger.open_card_account(card, kind, unit_of(kind))


def card_accounts(card: models.Card, *, lock: bool = False) -> dict[str, models.Account]:
    """The card's accounts by kind; with `lock`, held until the transaction ends (PostgreSQL)."""
    return {account.kind: account for account in ledger.card_accounts(card.id, lock=lock)}


def till_account(outlet_id: int, terminal_id: int | None, kind: str) -> models.Account:
    """A system account of a till (its cash drawer, its sales, the points it gave, its
    fees): one per terminal, so terminals of one outlet never queue on a shared balance
    row. Without a terminal (a back-office operation), the outlet's."""
    owner = f"terminal:{terminal_id}" if terminal_id else f"outlet:{outlet_id}"
    return _system_account(f"{owner}:{kind}", kind, outlet=outlet_id, terminal=terminal_id)


def issuer_account(issuer: str, kind: str = "issuer_receivable", *,
                   outlet_id: int | None = None, terminal_id: int | None = None
                   ) -> models.Account:
    """What an issuer owes or funds. Given a terminal, that terminal's share of it (what
    its insurance charges came to): one row per issuer for the whole chain would make
    every insurance charge of every outlet wait on every other."""
    if terminal_id is None:
        return _system_account(f"issuer:{issuer}:{kind}", kind)
    code = f"terminal:{terminal_id}:{kind}:{issuer}"
    if len(code) > ACCOUNT_CODE_LENGTH:  # a long issuer name: its digest instead
        code = f"terminal:{terminal_id}:{kind}:#{hashlib.sha256(issuer.encode()).hexdigest()[:24]}"
    return _system_account(code, kind, outlet=outlet_id, terminal=terminal_id)


def customer_account_code(customer_id: int) -> str:
    return f"customer:{customer_id}:funds"


def customer_account(customer: models.Customer) -> models.Account:
    """The customer's account (客户账户): it may go below zero, to the credit limit that
    operations check on the locked customer row; read fresh, never cached (its balance
    is what is decided on)."""
    return ledger.system_account(customer_account_code(customer.id), "customer_funds", "fen",
                                 outlet=customer.outlet_id)


# System accounts are never deleted and their floor never changes: once found they are
# remembered (by the open store's caches) instead of asked for on every sale. One created
# inside a transaction that then rolls back would be remembered wrongly, so operations
# call forget_system_accounts() whenever a transaction fails.
def _system_account(code: str, kind: str, **owner) -> models.Account:
    return caches.of_open_store().system_accounts.get(
        code, lambda: ledger.system_account(code, kind, unit_of(kind), **owner))


def forget_system_accounts() -> None:
    caches.of_open_store().system_accounts.forget()


def balances(card: models.Card) -> dict[str, int]:
    return {kind: account.balance for kind, account in card_accounts(card).items()}
