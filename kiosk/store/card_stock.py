"""Card stock (卡库存) as the store keeps it: blank cards created in bulk, the moves that
carry them between the head office and the outlets, and the counts.

Every change of a card's place is one conditional UPDATE that names the state the
card must be in (blank, held by the sender): two clerks moving the same cards at once
cannot both succeed, whatever either of them read before. A step first locks the
stock of the outlets it changes (their outlet rows, FOR NO KEY UPDATE, which the
money path's FOR KEY SHARE never waits on), so steps on one outlet's stock run one
after the other and never deadlock; SQLite's write transaction already does that.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import peewee as pw

from kiosk.store import ledger, models, sql

CHUNK = 500  # ids or rows per statement: far below either database's parameter limit
IN_STOCK = ("blank",)
SCRAPPABLE = ("blank", "written")

Card, Move, MoveCard = models.Card, models.StockMove, models.StockMoveCard


def _chunks(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _listing(text: str, values: Sequence, *more):
    """`text` with its `{}` made a list of as many placeholders as `values`: statements
    over a list of ids or numbers, as text (peewee takes longer to render an IN of 500
    values than the database takes to run it)."""
    return sql.Statement(text.format(", ".join(["?"] * len(values)))).execute(*values, *more)


def _with_defaults(model: type[models.BaseModel], rows: list[dict]) -> list[dict]:
    """Rows naming every column, as sql.insert_rows needs: the model's defaults filled in."""
    template = {field.name: field.default() if callable(field.default) else field.default
                for field in sql.row_fields(model)}
    return [{**template, **row} for row in rows]


# -- who holds what ----------------------------------------------------------------------
def head_office() -> models.Outlet | None:
    return (models.Outlet.select().where(models.Outlet.head_office == True)  # noqa: E712
            .order_by(models.Outlet.id).first())


def outlet_by_code(code: str) -> models.Outlet | None:
    return models.Outlet.get_or_none(models.Outlet.code == code)


def outlet_codes(ids: Iterable[int]) -> dict[int, models.Outlet]:
    ids = {outlet_id for outlet_id in ids if outlet_id is not None}
    return {outlet.id: outlet for outlet in
            models.Outlet.select().where(models.Outlet.id.in_(ids))} if ids else {}


def products_by_code(codes: Iterable[str]) -> dict[str, models.CardProduct]:
    codes = set(codes)
    return {product.code: product for product in models.CardProduct.select().where(
        models.CardProduct.code.in_(codes))} if codes else {}


def product_codes() -> dict[int, str]:
    return dict(models.CardProduct.select(models.CardProduct.id, models.CardProduct.code)
                .tuples())


_HOLD_STOCK = sql.Statement('SELECT "id" FROM "outlet" WHERE "id" = ?', lock=True)


def hold_stock(*outlet_ids: int) -> None:
    """Lock the stock of these outlets until the transaction ends (in id order, so that
    two steps locking the same two outlets never wait on each other in a circle)."""
    for outlet_id in sorted(set(outlet_ids)):
        _HOLD_STOCK.first(outlet_id)


# -- cards -------------------------------------------------------------------------------
_IDS_BY_NUMBER = 'SELECT "number", "id" FROM "card" WHERE "number" IN ({})'


def ids_by_number(numbers: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in _chunks(list(numbers)):
        found.update(_listing(_IDS_BY_NUMBER, part))
    return found


def existing_numbers(numbers: Sequence[str]) -> set[str]:
    return set(ids_by_number(numbers))


def insert_blanks(numbers: Sequence[str], product_id: int, outlet_id: int, at,
                  account_kinds: Sequence[tuple[str, str]]) -> list[int]:
    """New blank cards held by `outlet_id`, each with its accounts (kind, unit) opened as
    ledger.open_card_account opens them, in a few statements per 500 cards; their ids."""
    ids: list[int] = []
    for part in _chunks(list(numbers), CHUNK // 2):
        sql.insert_rows(Card, _with_defaults(Card, [
            {"number": number, "product": product_id, "status": "blank", "outlet": outlet_id,
             "created_at": at} for number in part]))
        created = ids_by_number(part)
        sql.insert_rows(models.Account, _with_defaults(models.Account, [
            {"code": ledger.card_account_code(number, kind), "kind": kind, "unit": unit,
             "card": created[number], "outlet": outlet_id}
            for number in part for kind, unit in account_kinds]))
        ids.extend(created[number] for number in part)
    return ids


def cards_by_numbers(numbers: Sequence[str]) -> list[models.Card]:
    found: list[models.Card] = []
    for part in _chunks(list(numbers)):
        found.extend(Card.select().where(Card.number.in_(part)))
    return found


def blanks_of(outlet_id: int, product_id: int, count: int) -> list[models.Card]:
    """The first `count` blank cards of a product the outlet holds, by number."""
    return list(Card.select().where(Card.outlet == outlet_id, Card.product == product_id,
                                    Card.status == "blank").order_by(Card.number).limit(count))


def cards_in_range(first: str, last: str) -> list[models.Card]:
    """Every card numbered from `first` to `last` (numbers of one length), by number."""
    return list(Card.select().where(Card.number.between(first, last),
                                    pw.fn.LENGTH(Card.number) == len(first))
                .order_by(Card.number))


def blank_count(outlet_id: int, product_id: int) -> int:
    return Card.select().where(Card.outlet == outlet_id, Card.product == product_id,
                               Card.status == "blank").count()


_TAKE = ('UPDATE "card" SET "outlet_id" = NULL WHERE "id" IN ({}) AND "outlet_id" = ? '
         'AND "status" = \'blank\'')


def take_from_stock(card_ids: Sequence[int], outlet_id: int) -> int:
    """The cards leave the outlet's stock (held by nobody: in transit); how many did,
    counting only those still blank and held by that outlet."""
    return sum(_listing(_TAKE, part, outlet_id).rowcount for part in _chunks(list(card_ids)))


def put_in_stock(move_id: int, outlet_id: int) -> int:
    """The blank cards of a move that are in transit become the outlet's stock."""
    of_move = MoveCard.select(MoveCard.card).where(MoveCard.move == move_id)
    return Card.update(outlet=outlet_id).where(
        Card.id.in_(of_move), Card.outlet.is_null(), Card.status == "blank").execute()


def scrap_cards(card_ids: Sequence[int], outlet_id: int) -> int:
    """The cards become void, counting only blank or written ones the outlet holds."""
    return sum(Card.update(status="void").where(
        Card.id.in_(part), Card.outlet == outlet_id, Card.status.in_(SCRAPPABLE)).execute()
        for part in _chunks(list(card_ids)))


# -- moves -------------------------------------------------------------------------------
def create_move(**fields) -> models.StockMove:
    return Move.create(**fields)


def attach_cards(move_id: int, card_ids: Sequence[int]) -> None:
    for part in _chunks(list(card_ids)):
        sql.insert_rows(MoveCard, [{"move": move_id, "card": card_id} for card_id in part])


_LOCKED_MOVE = sql.Statement('SELECT * FROM "stock_move" WHERE "id" = ?', lock=True)


def locked_move(move_id: int) -> models.StockMove | None:
    found = _LOCKED_MOVE.models(Move, move_id)
    return found[0] if found else None


def move(move_id: int) -> models.StockMove | None:
    return Move.get_or_none(Move.id == move_id)


def change_status(move_id: int, was: str, to: str, **fields) -> bool:
    """Move `move_id` from status `was` to `to`; False if it was not in `was` any more."""
    return Move.update(status=to, **fields).where(Move.id == move_id,
                                                  Move.status == was).execute() == 1


def open_request(outlet_id: int, product_id: int) -> models.StockMove | None:
    return Move.get_or_none(Move.kind == "request", Move.status == "requested",
                            Move.to_outlet == outlet_id, Move.product == product_id)


def transit_move(card_id: int) -> models.StockMove | None:
    """The sent move a card travels in, if it is in transit."""
    return (Move.select().join(MoveCard).where(MoveCard.card == card_id, Move.status == "sent")
            .first())


def number_span(move_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The first and last card number of each move."""
    spans: dict[int, tuple[str, str]] = {}
    for part in _chunks(list(move_ids)):
        query = (MoveCard.select(MoveCard.move, pw.fn.MIN(Card.number), pw.fn.MAX(Card.number))
                 .join(Card).where(MoveCard.move.in_(part)).group_by(MoveCard.move).tuples())
        spans.update({move_id: (first, last) for move_id, first, last in query})
    return spans


def latest_moves(outlet_id: int | None, limit: int) -> list[models.StockMove]:
    """The latest moves, of one outlet (from or to it) or of the whole chain."""
    query = Move.select().order_by(Move.id.desc()).limit(limit)
    if outlet_id is not None:
        query = query.where((Move.from_outlet == outlet_id) | (Move.to_outlet == outlet_id))
    return list(query)


def operator_logins(ids: Iterable[int]) -> dict[int, str]:
    ids = {operator_id for operator_id in ids if operator_id is not None}
    return dict(models.Operator.select(models.Operator.id, models.Operator.login_id)
                .where(models.Operator.id.in_(ids)).tuples()) if ids else {}


# -- counts ------------------------------------------------------------------------------
def held_counts() -> list[tuple[int | None, int, str, int]]:
    """(outlet id, product id, status, cards) of every card an outlet holds or issued."""
    return list(Card.select(Card.outlet, Card.product, Card.status, pw.fn.COUNT(Card.id))
                .where(Card.outlet.is_null(False))
                .group_by(Card.outlet, Card.product, Card.status).tuples())


def transit_counts() -> list[tuple[int, int, int]]:
    """(destination outlet id, product id, cards) of the blank cards in transit."""
    return list(MoveCard.select(Move.to_outlet, Card.product, pw.fn.COUNT(Card.id))
                .join(Move).switch(MoveCard).join(Card)
                .where(Move.status == "sent", Card.outlet.is_null(), Card.status == "blank")
                .group_by(Move.to_outlet, Card.product).tuples())


def in_transit_to(outlet_id: int, product_id: int) -> int:
    return (MoveCard.select().join(Move).switch(MoveCard).join(Card)
            .where(Move.status == "sent", Move.to_outlet == outlet_id,
                   Card.product == product_id, Card.outlet.is_null(),
                   Card.status == "blank").count())
