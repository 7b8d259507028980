"""Card numbers as swiped: most card products end theirs in a Luhn check digit, which
tells a misread swipe from a card, but a product may carry none (CardProduct.uses_luhn,
`kiosk admin product --no-check-digit`): its cards are swiped and typed as they are."""

from __future__ import annotations

from kiosk.services import permissions
from kiosk.services.session import Session
from kiosk.store import cards as card_store
from kiosk.store import failures


def carries_no_check_digit(session: Session, number: str) -> bool:
    """Whether `number`, which fails the check digit, is a card of a product without
    one (else the swipe was misread, or the card is fake)."""
    permissions.require(session, permissions.QUERY)
    with failures.as_unavailable():
        return card_store.uses_check_digit("".join(number.split())) is False
