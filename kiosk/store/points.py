"""What the points services read of a card's points journal: points are entries in the
unit "point" of the same journal as money, so the history is append-only and the
balance is the sum of the entries."""

from __future__ import annotations

import datetime as dt

import peewee as pw

from kiosk.store import models

def _points_entries(card_id: int):
    E, A = models.JournalEntry, models.Account
    return E.select().join(A).where(A.card == card_id, A.kind == "points")


def credited_until(card_id: int, last_day: dt.date) -> int:
    """Points credited to the card's points account on or before `last_day`."""
    E = models.JournalEntry
    total = _points_entries(card_id).select(pw.fn.SUM(E.amount)).where(
        E.amount > 0, E.business_date <= last_day).scalar()
    return int(total or 0)


def debited(card_id: int) -> int:
    """Points ever taken from the card (spent, refunded, expired, moved on), positive."""
    E = models.JournalEntry
    total = _points_entries(card_id).select(pw.fn.SUM(E.amount)).where(E.amount < 0).scalar()
    return -int(total or 0)


def earned_between(card_id: int, first_day: dt.date, last_day: dt.date,
                   kinds: tuple[str, ...]) -> int:
    """Net points the card earned by operations of `kinds` (sales less their refunds
    and returns) in the days given."""
    E, O = models.JournalEntry, models.Operation
    total = (_points_entries(card_id).select(pw.fn.SUM(E.amount)).switch(E).join(O)
             .where(O.kind.in_(kinds), E.business_date >= first_day,
                    E.business_date <= last_day).scalar())
    return int(total or 0)


def cards_holding_points() -> list[int]:
    """Ids of the cards whose points balance is above zero."""
    A = models.Account
    return [row[0] for row in A.select(A.card).where(
        A.kind == "points", A.card.is_null(False), A.balance > 0).order_by(A.card).tuples()]


def cards_with_tier() -> list[int]:
    """Ids of the live cards that hold a tier."""
    C = models.Card
    return [row[0] for row in C.select(C.id).where(
        C.tier != "", C.status.in_(("active", "lost", "frozen"))).order_by(C.id).tuples()]


def set_tier(card_id: int, tier: str) -> None:
    models.Card.update(tier=tier).where(models.Card.id == card_id).execute()


def holds_membership(member_id: int) -> bool:
    """Whether the member has a live membership card."""
    C, P = models.Card, models.CardProduct
    return C.select().join(P).where(C.member == member_id, P.kind == "membership",
                                    C.status.in_(("active", "lost", "frozen"))).exists()


def balance(card_id: int) -> int:
    A = models.Account
    value = A.select(A.balance).where(A.card == card_id, A.kind == "points").scalar()
    return int(value or 0)
