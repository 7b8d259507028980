"""Cards and their products as the money path reads them."""

from __future__ import annotations

from kiosk.store import models, sql

_BY_NUMBER = sql.Statement('SELECT * FROM "card" WHERE "number" = ?')
_BY_ID_LOCKED = sql.Statement('SELECT * FROM "card" WHERE "id" = ?', lock=True)
_PRODUCT = sql.Statement('SELECT * FROM "card_product" WHERE "id" = ?')


def by_number(number: str) -> models.Card | None:
    found = _BY_NUMBER.models(models.Card, number)
    return _with_product(found[0]) if found else None


def locked(card_id: int) -> models.Card:
    """The card as it is now, locked until the transaction ends."""
    return _with_product(_BY_ID_LOCKED.models(models.Card, card_id)[0])


def _with_product(card: models.Card) -> models.Card:
    return sql.joined(card, "product", _PRODUCT.models(models.CardProduct, card.product_id)[0])


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


def active_sub_card_count(main_id: int) -> int:
    return Card.select().where(Card.main_card == main_id, Card.status == "active").count()


def has_active_sub_cards(main_id: int) -> bool:
    return Card.select().where(Card.main_card == main_id, Card.status == "active").exists()


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
