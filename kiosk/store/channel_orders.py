"""Channel orders (渠道订单) as the store holds them: imported from a channel's order
list as `open`, redeemed by the charge that names them with one conditional UPDATE
(open -> redeemed), so two tills can never both redeem one order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import peewee as pw

from kiosk.store import models, sql

OPEN, REDEEMED, CANCELLED = "open", "redeemed", "cancelled"
_CHUNK = 500  # rows per statement: well under either database's parameter limit


@dataclass(frozen=True)
class NewOrder:
    order_no: str
    amount: int
    outlet_id: int | None


_ANY = sql.Statement('SELECT 1 FROM "channel_order" WHERE "channel" = ? LIMIT 1')


def has_orders(channel: str) -> bool:
    """Whether the channel's order list was ever imported (then every order is checked)."""
    return _ANY.first(channel) is not None


_LISTING = sql.Statement(
    'SELECT DISTINCT "channel" FROM "channel_order" WHERE "order_no" = ? ORDER BY "channel"')


def channels_listing(order_no: str) -> list[str]:
    """The channels whose imported order list holds `order_no`."""
    return [row[0] for row in _LISTING.execute(order_no).fetchall()]


_REDEEM = sql.Statement(
    'UPDATE "channel_order" SET "status" = \'redeemed\', "operation_id" = ? '
    'WHERE "channel" = ? AND "order_no" = ? AND "status" = \'open\' AND "amount" = ? '
    'AND ("outlet_id" IS NULL OR "outlet_id" = ?)')


def redeem(channel: str, order_no: str, amount: int, outlet_id: int, operation_id: int) -> bool:
    """Mark the order redeemed by `operation_id` if it is open, of this amount and of
    this outlet (or of none); False if not (nothing changed). The database decides in
    the one statement: of two tills redeeming at once, the second finds it redeemed."""
    return _REDEEM.changed(operation_id, channel, order_no, amount, outlet_id) == 1


_REOPEN = sql.Statement(
    'UPDATE "channel_order" SET "status" = \'open\', "operation_id" = NULL '
    'WHERE "operation_id" = ? AND "status" = \'redeemed\' AND NOT EXISTS (SELECT 1 FROM '
    '"channel_settlement_order" AS s WHERE s."order_id" = "channel_order"."id")')


def reopen(operation_id: int) -> bool:
    """The order the charge `operation_id` redeemed is open again (the charge was refunded
    in full); False if it redeemed none, or if the order is in a settlement (结算): a
    settled order stays redeemed, in its settlement."""
    return _REOPEN.changed(operation_id) == 1


_LOCK_REDEEMED_BY = sql.Statement(
    'SELECT "id" FROM "channel_order" WHERE "operation_id" = ?', lock=True)
_SETTLEMENT_OF = sql.Statement(
    'SELECT "settlement_id" FROM "channel_settlement_order" WHERE "order_id" = ?')


def settlement_holding(operation_id: int) -> int | None:
    """The settlement (结算) that holds the order the charge `operation_id` redeemed, or
    None. The order's row is locked first: a settlement starting at once locks it too,
    so of the two, the later one sees what the earlier did."""
    order = _LOCK_REDEEMED_BY.first(operation_id)
    if order is None:
        return None
    link = _SETTLEMENT_OF.first(order[0])
    return link[0] if link else None


_ONE = sql.Statement('SELECT * FROM "channel_order" WHERE "channel" = ? AND "order_no" = ?')


def find(channel: str, order_no: str) -> models.ChannelOrder | None:
    return _ONE.one(models.ChannelOrder, channel, order_no)


def by_numbers(channel: str, order_nos: Iterable[str]) -> dict[str, models.ChannelOrder]:
    """The channel's imported orders among `order_nos`, by number."""
    CO, numbers, found = models.ChannelOrder, list(order_nos), {}
    for start in range(0, len(numbers), _CHUNK):
        for order in CO.select().where(CO.channel == channel,
                                       CO.order_no.in_(numbers[start:start + _CHUNK])):
            found[order.order_no] = order
    return found


def insert(channel: str, orders: Sequence[NewOrder], imported_at: dt.datetime) -> None:
    rows = [{"channel": channel, "order_no": order.order_no, "amount": order.amount,
             "outlet": order.outlet_id, "ordered_at": None, "status": OPEN,
             "operation": None, "imported_at": imported_at} for order in orders]
    for start in range(0, len(rows), _CHUNK):
        sql.insert_rows(models.ChannelOrder, rows[start:start + _CHUNK])


@dataclass(frozen=True)
class Listed:
    order_no: str
    amount: int
    outlet_code: str
    status: str
    operation_id: int | None
    imported_at: dt.datetime


def listing(channel: str, status: str | None = None) -> list[Listed]:
    CO, O = models.ChannelOrder, models.Outlet
    query = (CO.select(CO.order_no, CO.amount, O.code, CO.status, CO.operation,
                       CO.imported_at)
             .join(O, pw.JOIN.LEFT_OUTER, on=(CO.outlet == O.id))
             .where(CO.channel == channel).order_by(CO.order_no).tuples())
    if status:
        query = query.where(CO.status == status)
    return [Listed(no, amount, code or "", state, operation, imported)
            for no, amount, code, state, operation, imported in query]


def outlet_ids(codes: Iterable[str]) -> dict[str, int]:
    """Registered outlets among `codes`: code -> id."""
    codes = list(set(codes))
    if not codes:
        return {}
    return {code: outlet_id for outlet_id, code in models.Outlet.select(
        models.Outlet.id, models.Outlet.code).where(models.Outlet.code.in_(codes)).tuples()}


_OUTLET_CODE = sql.Statement('SELECT "code" FROM "outlet" WHERE "id" = ?')


def outlet_code(outlet_id: int) -> str:
    return _OUTLET_CODE.first(outlet_id)[0]


# -- reconciliation with the channel's monthly statement (对账) -------------------------
def charges_with_orders(outlet_id: int, first: dt.date, after: dt.date, issuer: str = ""
                        ) -> dict[int, tuple[str, int]]:
    """Operation id -> (order number, amount) of the outlet's charges carrying a channel
    order from `first` up to `after` (on cards of `issuer`'s products, if given)."""
    return {charge.operation_id: (charge.order_no, charge.amount)
            for charge in verified_charges(outlet_id, first, after, issuer)}


@dataclass(frozen=True)
class VerifiedCharge:
    operation_id: int
    order_no: str
    amount: int
    business_date: dt.date
    card_number: str


def verified_charges(outlet_id: int, first: dt.date, after: dt.date, issuer: str = ""
                     ) -> list[VerifiedCharge]:
    """The outlet's charges carrying a channel order (核销) from `first` up to `after`,
    on cards of `issuer`'s products if given, by date and order number."""
    O, C = models.Operation, models.Card
    query = (O.select(O.id, O.channel_order_no, O.amount, O.business_date, C.number)
             .join(C, on=(O.card == C.id))
             .where(O.outlet == outlet_id, O.kind == "charge", O.channel_order_no.is_null(False),
                    O.business_date >= first, O.business_date < after)
             .order_by(O.business_date, O.channel_order_no, O.id))
    if issuer:
        query = query.join(models.CardProduct, on=(C.product == models.CardProduct.id)).where(
            models.CardProduct.issuer == issuer)
    return [VerifiedCharge(op_id, order_no, amount, sql.as_date(day), number)
            for op_id, order_no, amount, day, number in query.tuples()]


def refunded(charge_ids: list[int]) -> dict[int, int]:
    """Charge id -> what refunds took back from it."""
    O = models.Operation
    taken: dict[int, int] = {}
    if charge_ids:
        for refund in O.select(O.reverses, O.amount).where(O.kind == "refund",
                                                            O.reverses.in_(charge_ids)):
            taken[refund.reverses_id] = taken.get(refund.reverses_id, 0) + refund.amount
    return taken


def confirm_month(**values) -> models.Reconciliation:
    """Record a reconciled month; refused by the database if it is recorded already."""
    return models.Reconciliation.create(**values)


def confirmed_months(outlet_id: int, channel: str, months: list[str]
                     ) -> dict[str, models.Reconciliation]:
    R = models.Reconciliation
    return {row.month: row for row in R.select().where(
        R.outlet == outlet_id, R.channel == channel, R.month.in_(months))}
