"""Cards and their products as the money path reads them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.store import models, sql
from kiosk.store.operations import LAST_CLOSES_COLUMNS, closed_date

_CARD_AND_PRODUCT = (f'SELECT {sql.columns(models.Card, "c")}, '
                     f'{sql.columns(models.CardProduct, "p")} FROM "card" AS c '
                     'JOIN "card_product" AS p ON p."id" = c."product_id"')
_BY_NUMBER = sql.Statement(_CARD_AND_PRODUCT + ' WHERE c."number" = ?')
_BY_ID_LOCKED = sql.Statement(_CARD_AND_PRODUCT + ' WHERE c."id" = ?',
                              lock=f'{sql.FOR_NO_KEY_UPDATE} OF c')


def by_number(number: str) -> models.Card | None:
    """The card with its product (one statement: every sale asks)."""
    found = _BY_NUMBER.joined((models.Card, models.CardProduct), number)
    return _with_product(*found[0]) if found else None


def locked(card_id: int) -> models.Card:
    """The card as it is now, with its product, locked until the transaction ends
    (the card's row only: every charge of a product would otherwise queue on it)."""
    return _with_product(*_BY_ID_LOCKED.joined((models.Card, models.CardProduct),
                                                card_id)[0])


@dataclass(frozen=True)
class BeforeSale:
    """What the counter checks before it asks for the PIN, read in one statement: a
    hint for the screen (the sale decides again inside its transaction)."""

    card: models.Card  # with its product
    opened: bool  # the outlet opened the card's product
    last_closed: dt.date | None  # the outlet's last closed business date and month
    closed_month: str | None
    key_used: bool  # an operation committed under the sale's key: this is a retry


_BEFORE_SALE = sql.Statement(
    f'SELECT {sql.columns(models.Card, "c")}, {sql.columns(models.CardProduct, "p")}, '
    'EXISTS (SELECT 1 FROM "outlet_product" AS op WHERE op."outlet_id" = ? '
    f'AND op."product_id" = c."product_id"), {LAST_CLOSES_COLUMNS}, '
    'EXISTS (SELECT 1 FROM "operation" AS k WHERE k."idempotency_key" = ?) '
    'FROM "card" AS c JOIN "card_product" AS p ON p."id" = c."product_id" '
    'WHERE c."number" = ?')


def before_sale(number: str, outlet_id: int, key: str) -> BeforeSale | None:
    """The card `number` as a sale at `outlet_id` under `key` first sees it; None if
    there is no such card."""
    found = _BEFORE_SALE.joined((models.Card, models.CardProduct), outlet_id, outlet_id,
                                outlet_id, key, number)
    if not found:
        return None
    card, product, opened, day, month, key_used = found[0]
    return BeforeSale(_with_product(card, product), bool(opened), closed_date(day), month,
                      bool(key_used))


# A sale reads the card, its product, whether the outlet opened the product and the
# card's accounts in one statement; the card's row and its accounts' rows are locked,
# the card first and then its accounts by id, as every operation locks them.
_FOR_SALE_LOCKED = sql.Statement(
    f'SELECT {sql.columns(models.Card, "c")}, {sql.columns(models.CardProduct, "p")}, '
    f'{sql.columns(models.Account, "a")}, '
    'EXISTS (SELECT 1 FROM "outlet_product" AS op WHERE op."outlet_id" = ? '
    'AND op."product_id" = c."product_id") '
    'FROM "card" AS c JOIN "card_product" AS p ON p."id" = c."product_id" '
    'JOIN "account" AS a ON a."card_id" = c."id" WHERE c."id" = ? ORDER BY a."id"',
    lock=f'{sql.FOR_NO_KEY_UPDATE} OF c, a')


def locked_for_sale(card_id: int, outlet_id: int
                    ) -> tuple[models.Card, bool, list[models.Account]]:
    """Inside a sale: the card with its product, locked, whether `outlet_id` opened the
    product, and the card's accounts, locked (by id)."""
    rows = _FOR_SALE_LOCKED.joined((models.Card, models.CardProduct, models.Account),
                                   outlet_id, card_id)
    card, product, _, opened = rows[0]
    return _with_product(card, product), bool(opened), [row[2] for row in rows]


def _with_product(card: models.Card, product: models.CardProduct) -> models.Card:
    return sql.joined(card, "product", product)


_NUMBER = sql.Statement('SELECT "number" FROM "card" WHERE "id" = ?')


def number_of(card_id: int) -> str:
    return _NUMBER.first(card_id)[0]


_OUTLET_OPENED = sql.Statement(
    'SELECT 1 FROM "outlet_product" WHERE "outlet_id" = ? AND "product_id" = ?')


def product_opened(outlet_id: int, product_id: int) -> bool:
    return _OUTLET_OPENED.first(outlet_id, product_id) is not None


_NET_SPENT = sql.Statement(
    'SELECT COALESCE(SUM(CASE WHEN "kind" = \'charge\' THEN "amount" ELSE -"amount" END), 0) '
    'FROM "operation" WHERE "card_id" = ? AND "business_date" = ? '
    'AND "kind" IN (\'charge\', \'refund\') AND "id" <> ?')


def net_spent(card_id: int, day, *, besides: int = 0) -> int:
    """Charges less their refunds on a business date, but operation `besides` (the one
    being decided)."""
    return int(_NET_SPENT.first(card_id, models.Operation.business_date.db_value(day),
                                besides)[0])


def set_status(card_id: int, status: str, *, replaced_by: int | None = None) -> None:
    fields = {"status": status}
    if replaced_by is not None:
        fields["replaced_by"] = replaced_by
    models.Card.update(fields).where(models.Card.id == card_id).execute()


_OLD_CARD_WAITING = sql.Statement(
    'SELECT 1 FROM "legacy_card" WHERE "number" = ? AND "migrated_at" IS NULL')


def old_card_waiting(number: str) -> bool:
    """An old system's card imported for migration and not migrated yet."""
    return _OLD_CARD_WAITING.first(number) is not None
