"""Cards and their products as the money path reads them."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.store import models, sql
from kiosk.store.outlets import CALENDAR_COLUMNS, CALENDAR_PARAMETERS, Calendar, calendar_of

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
    calendar: Calendar  # the outlet's, which gives the business date
    key_used: bool  # an operation committed under the sale's key: this is a retry


_BEFORE_SALE = sql.Statement(
    f'SELECT {sql.columns(models.Card, "c")}, {sql.columns(models.CardProduct, "p")}, '
    'EXISTS (SELECT 1 FROM "outlet_product" AS op WHERE op."outlet_id" = ? '
    f'AND op."product_id" = c."product_id"), {CALENDAR_COLUMNS}, '
    'EXISTS (SELECT 1 FROM "operation" AS k WHERE k."idempotency_key" = ?) '
    'FROM "card" AS c JOIN "card_product" AS p ON p."id" = c."product_id" '
    'WHERE c."number" = ?')


def before_sale(number: str, outlet_id: int, key: str) -> BeforeSale | None:
    """The card `number` as a sale at `outlet_id` under `key` first sees it; None if
    there is no such card."""
    found = _BEFORE_SALE.joined((models.Card, models.CardProduct), outlet_id,
                                *[outlet_id] * CALENDAR_PARAMETERS, key, number)
    if not found:
        return None
    card, product, opened, time_zone, day_boundary, day, month, key_used = found[0]
    return BeforeSale(_with_product(card, product), bool(opened),
                      calendar_of(time_zone, day_boundary, day, month), bool(key_used))


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
    'SELECT COALESCE(SUM(CASE WHEN o."kind" = \'charge\' THEN o."amount" '
    'ELSE -o."amount" END), 0) '
    'FROM "operation" o LEFT JOIN "operation" c ON c."id" = o."reverses_id" '
    'WHERE o."card_id" = ? AND o."business_date" = ? AND o."id" <> ? '
    'AND (o."kind" = \'charge\' OR (o."kind" = \'refund\' '
    'AND c."business_date" = o."business_date" AND c."card_id" = o."card_id"))')


def net_spent(card_id: int, day, *, besides: int = 0) -> int:
    """Charges of a business date less the refunds of those charges, but operation
    `besides` (the one being decided). A refund today of an earlier day's charge, or of
    the charge of a card this one replaced, frees none of today's limit: it would let
    the card spend past it."""
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


_OLD_CARD_MIGRATED_TO = sql.Statement(
    'SELECT c."number" FROM "legacy_card" AS l JOIN "card" AS c ON c."id" = l."target_card_id" '
    'WHERE l."number" = ? AND l."migrated_at" IS NOT NULL')


def old_card_migrated_to(number: str) -> str | None:
    """The number of the card an old system's card was migrated to, if it was."""
    row = _OLD_CARD_MIGRATED_TO.first(number)
    return row[0] if row is not None else None


# -- cards as issue, care and the reports read and change them ---------------------------
Card = models.Card


def by_id(card_id: int) -> models.Card:
    return Card.get_by_id(card_id)


def replaced_by(card_id: int) -> models.Card | None:
    """The card that `card_id` replaced (its predecessor), if any."""
    return Card.get_or_none(Card.replaced_by == card_id)


def by_uid(uid: str) -> models.Card | None:
    """The card a smart card's UID is bound to."""
    return Card.get_or_none(Card.uid == uid)


def _blanks(product_id: int, outlet_id: int):
    return Card.select().where(Card.product == product_id, Card.outlet == outlet_id,
                               Card.status == "blank")


def blank_count(product_id: int, outlet_id: int) -> int:
    return _blanks(product_id, outlet_id).count()


def first_blank(product_id: int, outlet_id: int) -> models.Card | None:
    """The outlet's blank card of the product with the lowest number."""
    return _blanks(product_id, outlet_id).order_by(Card.number).first()


def mark_written(card_id: int, outlet_id: int, uid: str | None) -> bool:
    """The card is written (bound to `uid`), if it is still a blank or written card of
    the outlet; False if it is not (sent away meanwhile, issued)."""
    return Card.update(status="written", uid=uid).where(
        Card.id == card_id, Card.outlet == outlet_id,
        Card.status.in_(("blank", "written"))).execute() == 1


def change(card_id: int, /, **values) -> None:
    Card.update(values).where(Card.id == card_id).execute()


def change_if(card_id: int, status_now: str, /, **values) -> bool:
    """Change the card if its status is still `status_now`; False if it is not."""
    return Card.update(values).where(Card.id == card_id,
                                     Card.status == status_now).execute() == 1


SUB_CARDS_IN_USE = ("active", "lost", "frozen")  # each still takes a place of the limit


def _sub_cards_in_use(main_id: int):
    return Card.select().where(Card.main_card == main_id, Card.status.in_(SUB_CARDS_IN_USE))


def sub_cards_in_use_count(main_id: int) -> int:
    return _sub_cards_in_use(main_id).count()


def has_sub_cards_in_use(main_id: int) -> bool:
    return _sub_cards_in_use(main_id).exists()


def sub_card_ids(main_id: int) -> list[int]:
    """Every sub card hanging from the main card, whatever its state."""
    return [row.id for row in Card.select(Card.id).where(Card.main_card == main_id)]


def replaced_by_id(card_id: int) -> int | None:
    """The card that replaced this one, if it was replaced (not locked: a hint)."""
    row = Card.select(Card.status, Card.replaced_by).where(Card.id == card_id).first()
    return row.replaced_by_id if row is not None and row.status == "replaced" else None


def move_sub_cards(old_main_id: int, new_main_id: int) -> None:
    """The sub cards of a replaced main card hang from its replacement."""
    Card.update(main_card=new_main_id).where(Card.main_card == old_main_id).execute()


def first_stored_value_card(member_id: int) -> models.Card | None:
    """The member's first active stored-value main card."""
    return (Card.select().join(models.CardProduct)
            .where(Card.member == member_id, Card.status == "active", Card.main_card.is_null(),
                   models.CardProduct.kind == "stored_value")
            .order_by(Card.id).first())


def add(**values) -> models.Card:
    """A new card row (its accounts are opened by ledger.open_card_account)."""
    return Card.create(**values)


def uses_check_digit(number: str) -> bool | None:
    """Whether the product of the card with this number ends its numbers in a Luhn check
    digit (None: no such card)."""
    row = (Card.select(models.CardProduct.uses_luhn).join(models.CardProduct)
           .where(Card.number == number).tuples().first())
    return bool(row[0]) if row else None
