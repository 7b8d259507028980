"""Channel settlements (结算) as the store holds them: the redeemed orders finance picks,
each in one settlement ever (a unique key on the order), and the coupons that pay them,
each number used once (a unique key; claimed with INSERT ... ON CONFLICT DO NOTHING, so
of two clerks using one coupon at once the second finds it taken and nothing fails).
The rows a decision rests on are locked first: the orders picked, the settlement paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import peewee as pw

from kiosk.store import models, sql
from kiosk.store.models import SETTLEMENT_PAID, SETTLEMENT_STARTED

STARTED, PAID = SETTLEMENT_STARTED, SETTLEMENT_PAID


@dataclass(frozen=True)
class PickedOrder:
    order_id: int
    order_no: str
    status: str  # the order's: open, redeemed, cancelled
    outlet_id: int | None  # where the charge that redeemed it was rung
    amount: int  # what it settles at: the charge less what refunds took back
    settlement_id: int | None  # the settlement it is in already


_LOCK_ORDER = sql.Statement(
    'SELECT "id", "status", "operation_id" FROM "channel_order" '
    'WHERE "channel" = ? AND "order_no" = ?', lock=True)
_CHARGE = sql.Statement(
    'SELECT "outlet_id", "amount" - "reversed_amount" FROM "operation" WHERE "id" = ?')
_LINK = sql.Statement(
    'SELECT "settlement_id" FROM "channel_settlement_order" WHERE "order_id" = ?')


def lock_orders(channel: str, order_nos: Sequence[str]) -> dict[str, PickedOrder]:
    """The channel's orders among `order_nos`, each row locked (in number order, so two
    clerks never wait on each other in a circle), with what a settlement decides on."""
    found = {}
    for order_no in sorted(set(order_nos)):
        row = _LOCK_ORDER.first(channel, order_no)
        if row is None:
            continue
        order_id, status, operation_id = row
        outlet_id, amount = (_CHARGE.first(operation_id) if operation_id is not None
                             else (None, 0))
        link = _LINK.first(order_id)
        found[order_no] = PickedOrder(order_id, order_no, status, outlet_id, amount,
                                      link[0] if link else None)
    return found


def insert_settlement(*, channel: str, outlet_id: int, orders: Sequence[PickedOrder],
                      bank_account: str, operation_id: int, started_at: dt.datetime) -> int:
    settlement = models.ChannelSettlement(
        channel=channel, outlet=outlet_id, status=STARTED, order_count=len(orders),
        total=sum(order.amount for order in orders), bank_account=bank_account,
        started_by=operation_id, started_at=started_at)
    settlement_id = sql.insert(settlement)
    sql.insert_rows(models.ChannelSettlementOrder, [
        {"settlement": settlement_id, "order": order.order_id, "amount": order.amount}
        for order in orders])
    return settlement_id


_LOCK_SETTLEMENT = sql.Statement('SELECT * FROM "channel_settlement" WHERE "id" = ?',
                                 lock=True)


def lock_settlement(settlement_id: int) -> models.ChannelSettlement | None:
    return _LOCK_SETTLEMENT.one(models.ChannelSettlement, settlement_id)


_USE_COUPON = sql.Statement(
    'INSERT INTO "channel_coupon" ("number", "channel", "valid_until", "settlement_id") '
    'VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')


def use_coupon(number: str, channel: str, valid_until: dt.date, settlement_id: int) -> bool:
    """Record the coupon as paying this settlement; False if its number was used before
    (by a transaction committed first: a concurrent one is waited for)."""
    return _USE_COUPON.changed(number, channel, valid_until.isoformat(), settlement_id) == 1


_COUPON = sql.Statement('SELECT "settlement_id" FROM "channel_coupon" WHERE "number" = ?')


def coupon_settlement(number: str) -> int | None:
    row = _COUPON.first(number)
    return row[0] if row else None


_PAY = sql.Statement(
    'UPDATE "channel_settlement" SET "status" = \'paid\', "method" = ?, "reference" = ?, '
    '"paid_by_id" = ?, "paid_at" = ? WHERE "id" = ? AND "status" = \'started\'')


def mark_paid(settlement_id: int, method: str, reference: str, operation_id: int,
              paid_at: dt.datetime) -> bool:
    return _PAY.changed(method, reference, operation_id, paid_at, settlement_id) == 1


@dataclass(frozen=True)
class Settleable:
    order_no: str
    amount: int
    redeemed_on: dt.date
    operation_id: int


def settleable(channel: str, outlet_id: int) -> list[Settleable]:
    """The channel's orders redeemed at this outlet and in no settlement yet."""
    CO, O, L = models.ChannelOrder, models.Operation, models.ChannelSettlementOrder
    query = (CO.select(CO.order_no, O.amount - O.reversed_amount, O.business_date, O.id)
             .join(O, on=(CO.operation == O.id))
             .join(L, pw.JOIN.LEFT_OUTER, on=(L.order == CO.id))
             .where(CO.channel == channel, CO.status == "redeemed", O.outlet == outlet_id,
                    L.id.is_null())
             .order_by(O.business_date, CO.order_no).tuples())
    return [Settleable(no, amount, sql.as_date(day), operation)
            for no, amount, day, operation in query]


def listing(channel: str, outlet_id: int, status: str | None = None
            ) -> list[models.ChannelSettlement]:
    S = models.ChannelSettlement
    query = S.select().where(S.channel == channel, S.outlet == outlet_id).order_by(S.id.desc())
    if status:
        query = query.where(S.status == status)
    return list(query)


def find(settlement_id: int) -> models.ChannelSettlement | None:
    return models.ChannelSettlement.get_or_none(models.ChannelSettlement.id == settlement_id)


def coupon_of(settlement_id: int) -> models.ChannelCoupon | None:
    return models.ChannelCoupon.get_or_none(models.ChannelCoupon.settlement == settlement_id)


@dataclass(frozen=True)
class SettledOrder:
    order_no: str
    amount: int
    redeemed_on: dt.date


def orders_of(settlement_id: int) -> list[SettledOrder]:
    CO, O, L = models.ChannelOrder, models.Operation, models.ChannelSettlementOrder
    query = (L.select(CO.order_no, L.amount, O.business_date)
             .join(CO, on=(L.order == CO.id)).join(O, on=(CO.operation == O.id))
             .where(L.settlement == settlement_id).order_by(CO.order_no).tuples())
    return [SettledOrder(no, amount, sql.as_date(day)) for no, amount, day in query]


def last_bank_account(channel: str, outlet_id: int) -> str:
    """The account the outlet's last settlement of this channel named ("" if none)."""
    S = models.ChannelSettlement
    row = (S.select(S.bank_account).where(S.channel == channel, S.outlet == outlet_id)
           .order_by(S.id.desc()).first())
    return row.bank_account if row else ""


def settlements_by_order(channel: str, order_nos: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Order number -> (settlement id, its status) of those of `order_nos` in one."""
    CO, L, S = models.ChannelOrder, models.ChannelSettlementOrder, models.ChannelSettlement
    numbers, found = list(order_nos), {}
    for start in range(0, len(numbers), 500):
        query = (CO.select(CO.order_no, S.id, S.status).join(L, on=(L.order == CO.id))
                 .join(S, on=(L.settlement == S.id))
                 .where(CO.channel == channel, CO.order_no.in_(numbers[start:start + 500]))
                 .tuples())
        found.update({no: (settlement_id, status) for no, settlement_id, status in query})
    return found
