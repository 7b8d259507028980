"""Card tiers (等级): a product's ladder of point thresholds, and the upgrade a card's
points have earned (offered when the card is swiped, done by the member centre)."""

from __future__ import annotations

from kiosk.store import models


def tiers(product: models.CardProduct) -> list[tuple[str, int]]:
    """The product's tiers, lowest first: "银卡:5000,金卡:20000" -> [(银卡, 5000), ...]."""
    found = []
    for part in product.tier_thresholds.split(","):
        name, _, points = part.partition(":")
        if name.strip() and points.strip().isdigit():
            found.append((name.strip(), int(points)))
    return sorted(found, key=lambda tier: tier[1])


def tier_offer(card: models.Card, points: int) -> str:
    """The highest tier the card's points reach above its current one ('' if none)."""
    ladder = tiers(card.product)
    current = dict(ladder).get(card.tier, -1)
    reached = [name for name, threshold in ladder if points >= threshold > current]
    return reached[-1] if reached else ""
