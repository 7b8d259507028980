"""A card's details (卡资料) and their history, and its restrictions written as a whole
(copied from another card)."""

from __future__ import annotations

import peewee as pw

from kiosk.store import models

RESTRICTION_FIELDS = ("daily_limit", "allowed_outlets", "allowed_categories",
                      "forbidden_categories")


def record_changes(card_id: int, changes: list[tuple[str, str, str]], *, at,
                   operator_id: int | None, reviewer_id: int | None) -> None:
    if changes:
        models.CardChange.insert_many([
            {"card": card_id, "field": field, "old_value": old[:200], "new_value": new[:200],
             "changed_at": at, "operator": operator_id, "reviewer": reviewer_id}
            for field, old, new in changes]).execute()


def changes_of(card_id: int, limit: int = 20) -> list[tuple]:
    """(at, field, old, new, operator login, reviewer login), newest first."""
    C = models.CardChange
    By, Reviewer = models.Operator.alias(), models.Operator.alias()
    return list(C.select(C.changed_at, C.field, C.old_value, C.new_value, By.login_id,
                         Reviewer.login_id)
                .join(By, pw.JOIN.LEFT_OUTER, on=(C.operator == By.id))
                .switch(C).join(Reviewer, pw.JOIN.LEFT_OUTER, on=(C.reviewer == Reviewer.id))
                .where(C.card == card_id).order_by(C.id.desc()).limit(limit).tuples())


def restrictions(card: models.Card) -> dict:
    return {name: getattr(card, name) for name in RESTRICTION_FIELDS}
