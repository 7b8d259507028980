"""A card's life as states and the moves between them: the one place that says what
each state allows (spend, receive a credit) and what the person is told."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from kiosk.errors import KioskError, N_, Phrase


class CardStatus(StrEnum):
    BLANK = "blank"        # in an outlet's stock
    WRITTEN = "written"    # tracks written and read back (or a smart card bound); not issued
    ACTIVE = "active"
    LOST = "lost"          # 挂失
    FROZEN = "frozen"
    EXPIRED = "expired"
    REPLACED = "replaced"  # 补卡/坏卡/升级: its balances moved to `replaced_by`
    VOID = "void"
    CLEARED = "cleared"    # 清户: closed and paid out


TRANSITIONS: dict[CardStatus, frozenset[CardStatus]] = {
    CardStatus.BLANK: frozenset({CardStatus.WRITTEN}),
    CardStatus.WRITTEN: frozenset({CardStatus.WRITTEN, CardStatus.ACTIVE}),
    CardStatus.ACTIVE: frozenset({CardStatus.LOST, CardStatus.FROZEN, CardStatus.REPLACED,
                                  CardStatus.CLEARED, CardStatus.EXPIRED}),
    CardStatus.LOST: frozenset({CardStatus.ACTIVE, CardStatus.REPLACED, CardStatus.CLEARED}),
    CardStatus.FROZEN: frozenset({CardStatus.ACTIVE, CardStatus.LOST, CardStatus.REPLACED,
                                  CardStatus.CLEARED}),
    CardStatus.EXPIRED: frozenset({CardStatus.ACTIVE, CardStatus.REPLACED, CardStatus.CLEARED}),
    CardStatus.REPLACED: frozenset(),
    CardStatus.VOID: frozenset(),
    CardStatus.CLEARED: frozenset(),
}

# Money may still be credited to these: it waits there and moves on with a replacement.
HOLDS_MONEY = frozenset({CardStatus.ACTIVE, CardStatus.LOST, CardStatus.FROZEN,
                         CardStatus.EXPIRED})

MESSAGES = {
    CardStatus.BLANK: N_("This card has not been issued yet."),
    CardStatus.WRITTEN: N_("This card was written but its issue was not completed."),
    CardStatus.LOST: N_("This card is reported lost. Keep it and call the member centre."),
    CardStatus.FROZEN: N_("This card is frozen. Call the member centre."),
    CardStatus.EXPIRED: N_("This card has expired."),
    CardStatus.REPLACED: N_("This card was replaced by card {replaced_by}; use the new card."),
    CardStatus.VOID: N_("This card is void and can never be used again."),
    CardStatus.CLEARED: N_("This card was closed (cleared) and can never be used again."),
}

NAMES = {CardStatus.ACTIVE: N_("active"), CardStatus.LOST: N_("lost"),
         CardStatus.FROZEN: N_("frozen"), CardStatus.EXPIRED: N_("expired"),
         CardStatus.REPLACED: N_("replaced"), CardStatus.VOID: N_("void"),
         CardStatus.BLANK: N_("not issued"), CardStatus.WRITTEN: N_("not issued"),
         CardStatus.CLEARED: N_("closed")}


def name(status: str) -> Phrase:
    """A state's name for a message, translated with it (a status word never stays
    English in a Chinese sentence)."""
    return Phrase(NAMES.get(status, status))


class CardUnusable(KioskError):
    default_message = N_("This card cannot be used.")


def effective(status: str, expires_on: dt.date | None, today: dt.date) -> CardStatus:
    """The state that counts today: an active card past its date is expired."""
    state = CardStatus(status)
    if state is CardStatus.ACTIVE and expires_on is not None and expires_on < today:
        return CardStatus.EXPIRED
    return state


def refusal(state: CardStatus, replaced_by: str = "") -> CardUnusable:
    return CardUnusable(MESSAGES.get(state, CardUnusable.default_message),
                        replaced_by=replaced_by)


def ensure_spendable(status: str, expires_on: dt.date | None, today: dt.date,
                     replaced_by: str = "") -> None:
    """Lost, frozen, expired, replaced, blank and void cards each get their own message."""
    state = effective(status, expires_on, today)
    if state is not CardStatus.ACTIVE:
        raise refusal(state, replaced_by)


def ensure_move(status: str, to: CardStatus, replaced_by: str = "") -> None:
    """Refuse a move the card's life does not allow, saying why in the card's terms."""
    state = CardStatus(status)
    if to not in TRANSITIONS[state]:
        if state is CardStatus.ACTIVE:
            raise KioskError(N_("This card cannot change to that state."))
        raise refusal(state, replaced_by)
