"""Channel orders (渠道订单): a channel's order list is imported as open orders; at the
counter the charge that names an order number redeems it (核销) inside its own
transaction; the back office lists them and reconciliation reads their state.

A card's channel is the one serving its product's issuer (channels.channel_of_issuer).
Once that channel's order list has been imported, a charge naming an order must find
it open, of this outlet (when the list names outlets) and of the sale's amount; the
charge then marks it redeemed with one conditional UPDATE, so two tills redeeming one
order at once never both succeed. `check` says the same before the PIN is typed: a
hint for the screen, decided again by `redeem` in the transaction. A channel whose
list was never imported takes order numbers as typed, as before."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import order_file_columns
from kiosk.errors import KioskError, N_
from kiosk.money import format_yuan
from kiosk.services import audit, cards, channels, permissions
from kiosk.services.session import Session
from kiosk.store import channel_orders as order_store
from kiosk.store import failures, models
from kiosk.store.channel_orders import CANCELLED, OPEN, REDEEMED
from kiosk.tables import Problem, TableProblems

STATUSES = (OPEN, REDEEMED, CANCELLED)


class OrderRefused(KioskError):
    default_message = N_("This channel order cannot be redeemed.")


# -- import -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AlreadyImported:
    line: int
    order_no: str


@dataclass(frozen=True)
class ImportResult:
    channel: str
    imported: int
    total: int  # fen, of the orders imported now
    already: tuple[AlreadyImported, ...]  # on the list before: kept once, not doubled


def import_orders(session: Session, *, channel: str, path: str | Path) -> ImportResult:
    """Import a channel's order list (CSV/XLSX) as open orders: every row checked and
    reported by line, all or nothing. An order imported before is reported, not
    doubled; one imported before with another amount or outlet is a bad row."""
    permissions.require_any(session, permissions.FINANCE, permissions.DAY_CLOSE)
    columns = order_file_columns(channels.channel_mapping(session, channel))
    lines = channels.read_order_lines(path, columns)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    try:
        with audit.transaction(session):
            new, already = _sorted_out(channel, lines)
            order_store.insert(channel, new, session.now())
            total = sum(order.amount for order in new)
            audit.append(session, "channel.import", subject=f"channel:{channel}",
                         details={"imported": len(new), "already": len(already),
                                  "total": total, "file": digest})
    except failures.CONSTRAINT_BROKEN:
        raise KioskError(N_("Another import of {channel}'s orders ran at the same time; "
                            "import the file again (no order is ever doubled)."),
                         channel=channel) from None
    return ImportResult(channel, len(new), total, tuple(already))


def _sorted_out(channel: str, lines: list[channels.OrderLine]
                ) -> tuple[list[order_store.NewOrder], list[AlreadyImported]]:
    """The new orders and those imported before; every row that cannot be either is a
    problem of its line."""
    outlets = order_store.outlet_ids(line.outlet_code for line in lines if line.outlet_code)
    stored = order_store.by_numbers(channel, (line.order_no for line in lines))
    new, already, problems = [], [], []
    for line in lines:
        if line.outlet_code and line.outlet_code not in outlets:
            problems.append(Problem(line.line, N_("no outlet with code {code}"),
                                    {"code": line.outlet_code[:8]}))
            continue
        outlet_id = outlets.get(line.outlet_code)
        known = stored.get(line.order_no)
        if known is None:
            new.append(order_store.NewOrder(line.order_no, line.amount, outlet_id))
        elif known.amount == line.amount and known.outlet_id == outlet_id:
            already.append(AlreadyImported(line.line, line.order_no))
        else:
            problems.append(Problem(line.line, N_(
                "order {order} was imported before for {amount}, with another amount or "
                "outlet"), {"order": line.order_no[:40], "amount": format_yuan(known.amount)}))
    if problems:
        raise TableProblems(problems)
    return new, already


# -- at the counter -----------------------------------------------------------------------
@dataclass(frozen=True)
class OrderCheck:
    order_no: str
    channel: str  # "" when the card serves no channel
    listed: bool  # the channel's order list is imported: the order was checked on it
    amount: int | None  # the order's amount, when listed


def check(session: Session, *, card_number: str, order_no: str,
          amount: int | None = None) -> OrderCheck:
    """Whether `order_no` can be redeemed with a charge of `amount` on this card here:
    a hint before the customer types the PIN (the charge decides again). Without an
    amount yet, everything but the amount is checked."""
    permissions.require(session, permissions.CHARGE)
    order_no = channels.order_number(order_no)
    channel = _channel_of_card(session, cards.get_card(card_number))
    if channel is None or not order_store.has_orders(channel):
        _check_on_no_other_list(order_no)
        return OrderCheck(order_no, channel or "", False, None)
    order = order_store.find(channel, order_no)
    refusal = _refusal(session, channel, order_no, order, amount)
    if refusal is not None:
        raise refusal
    return OrderCheck(order_no, channel, True, order.amount)


def redeem(session: Session, card: models.Card, order_no: str | None, amount: int,
           operation_id: int) -> None:
    """Inside the charge's transaction, after the card is locked: redeem the order the
    charge names, or refuse the charge saying why (the transaction then rolls back)."""
    if not order_no:
        return
    channels.checked_order_number(order_no)  # as the journal records it, untrimmed
    channel = _channel_of_card(session, card)
    if channel is None or not order_store.has_orders(channel):
        _check_on_no_other_list(order_no)
        return
    if order_store.redeem(channel, order_no, amount, session.actor.outlet_id, operation_id):
        return
    order = order_store.find(channel, order_no)
    raise _refusal(session, channel, order_no, order, amount) or OrderRefused()


def _check_on_no_other_list(order_no: str) -> None:
    """A card whose channel keeps no order list takes an order number as typed, unless
    the number is on another channel's list: that order is redeemed with that channel's
    card (or it would stay open, to be redeemed again)."""
    listing = order_store.channels_listing(order_no)
    if listing:
        raise OrderRefused(N_("Channel order {order} is on {channel}'s order list: it is "
                              "redeemed with a card of that channel."),
                           order=order_no, channel=listing[0])


def _channel_of_card(session: Session, card: models.Card) -> str | None:
    return channels.channel_of_issuer(session, card.product.issuer)


def _refusal(session: Session, channel: str, order_no: str,
             order: models.ChannelOrder | None, amount: int | None) -> OrderRefused | None:
    """Why the order cannot be redeemed with this sale, or None if it can."""
    if order is None:
        return OrderRefused(N_("Channel order {order} is not on {channel}'s order list: check "
                               "the number, or import the channel's latest list."),
                            order=order_no, channel=channel)
    if order.status == REDEEMED:
        return OrderRefused(N_("Channel order {order} is already redeemed (journal no. "
                               "{operation}); an order is redeemed once."),
                            order=order_no, operation=order.operation_id)
    if order.status != OPEN:
        return OrderRefused(N_("Channel order {order} is cancelled."), order=order_no)
    if order.outlet_id is not None and order.outlet_id != session.actor.outlet_id:
        return OrderRefused(N_("Channel order {order} is for outlet {outlet}; it is redeemed "
                               "there."), order=order_no,
                            outlet=order_store.outlet_code(order.outlet_id))
    if amount is not None and amount != order.amount:
        return OrderRefused(N_("Channel order {order} is for {order_amount}, the sale is "
                               "{amount}: ring the order's amount."), order=order_no,
                            order_amount=format_yuan(order.amount), amount=format_yuan(amount))
    return None


# -- the back office ----------------------------------------------------------------------
@dataclass(frozen=True)
class OrderView:
    order_no: str
    amount: int
    outlet_code: str  # "" when the list names no outlet
    status: str
    operation_id: int | None  # the charge that redeemed it
    imported_at: str


def orders(session: Session, *, channel: str, status: str | None = None) -> list[OrderView]:
    permissions.require_any(session, permissions.FINANCE, permissions.DAY_CLOSE)
    channels.channel_mapping(session, channel)
    if status is not None and status not in STATUSES:
        raise KioskError(N_("An order status is one of {known}."), known=", ".join(STATUSES))
    return [OrderView(row.order_no, row.amount, row.outlet_code, row.status, row.operation_id,
                      row.imported_at.isoformat(sep=" ", timespec="seconds"))
            for row in order_store.listing(channel, status)]


def order_states(channel: str, order_nos) -> dict[str, str]:
    """The imported state of each of `order_nos` that is on the channel's list."""
    return {number: order.status
            for number, order in order_store.by_numbers(channel, order_nos).items()}


def list_imported(channel: str) -> bool:
    return order_store.has_orders(channel)
