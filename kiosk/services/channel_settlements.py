"""Channel settlement (渠道结算), as the dental clinics' manual has it: finance picks the
channel's orders redeemed at the outlet and records "settlement started" (结算中) with
the clinic's bank account the channel pays into; when the channel pays, finance records
the payment: a bank transfer's serial number, or a coupon (券) with its validity, a
coupon number paying one settlement only, ever. The statement of a settlement lists its
orders with the clinic's bank account.

Both steps are operations (services/operations.py): one transaction each, under a
client-made idempotency key, with their audit event. The decisions are made on locked
rows: the orders picked (each in one settlement ever: the second of two clerks picking
the same order is refused naming the first's settlement), the settlement paid (paid
once), and the coupon, claimed by its unique number (of two settlements paid with one
coupon at once, one is paid). No money moves in our journal: the channel's payment
arrives at the bank."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import InvalidInput, KioskError, N_, NotFound, Phrase
from kiosk.report_table import MONEY, Column, Table
from kiosk.services import channels, permissions, reports
from kiosk.services.business_date import current_business_date
from kiosk.services.operations import OperationResult, Posting, perform
from kiosk.services.session import Session
from kiosk.store import channel_settlements as settlement_store
from kiosk.store import channel_orders as order_store
from kiosk.store import models, outlets
from kiosk.store.channel_orders import REDEEMED

STARTED, PAID = settlement_store.STARTED, settlement_store.PAID
STATUS_NAMES = {STARTED: N_("settlement started"), PAID: N_("settled")}
BANK, COUPON = "bank", "coupon"
METHODS = (BANK, COUPON)
METHOD_NAMES = {BANK: N_("bank transfer"), COUPON: N_("coupon")}
MAX_BANK_ACCOUNT = 80
MAX_ORDERS = 2000  # orders in one settlement: the channel's month, with room to spare


class SettlementRefused(KioskError):
    default_message = N_("This settlement cannot be made.")


# -- what can be settled ------------------------------------------------------------------
@dataclass(frozen=True)
class SettleableOrder:
    order_no: str
    amount: int  # fen: the charge less what refunds took back
    redeemed_on: str  # the charge's business date
    operation_id: int


@dataclass(frozen=True)
class StartCheck:
    """What finance confirms before a settlement starts."""
    bank_account: str  # as it will be written on the statement
    months_not_reconciled: tuple[str, ...]  # YYYY-MM of orders not yet reconciled


def check_start(session: Session, *, channel: str, orders: Sequence[SettleableOrder],
                bank_account: str) -> StartCheck:
    """The account checked, and the months of these orders' redemption that finance has
    not confirmed as reconciled with the channel's statement (the manual reconciles
    first, then settles): said on the line that asks to start."""
    permissions.require(session, permissions.FINANCE)
    account = bank_account_text(bank_account)
    months = sorted({order.redeemed_on[:7] for order in orders})
    confirmed = order_store.confirmed_months(session.actor.outlet_id, channel, months)
    return StartCheck(account, tuple(month for month in months if month not in confirmed))


def settleable(session: Session, *, channel: str) -> list[SettleableOrder]:
    """The channel's orders redeemed at this outlet and in no settlement yet."""
    permissions.require(session, permissions.FINANCE)
    channels.channel_mapping(session, channel)
    return [SettleableOrder(row.order_no, row.amount, row.redeemed_on.isoformat(),
                            row.operation_id)
            for row in settlement_store.settleable(channel, session.actor.outlet_id)]


def bank_account_hint(session: Session, *, channel: str) -> str:
    """The account to fill in: the one the outlet's last settlement of the channel named,
    else the outlet's settlement account (kiosk admin outlet --bank-account)."""
    permissions.require(session, permissions.FINANCE)
    return (settlement_store.last_bank_account(channel, session.actor.outlet_id)
            or outlets.by_id(session.actor.outlet_id).bank_account)


# -- settlement started (结算中) ------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SettlementStarted(OperationResult):
    settlement_id: int
    order_count: int
    total: int


def start(session: Session, *, channel: str, order_nos, bank_account: str,
          key: str) -> SettlementStarted:
    """Record "settlement started" for the picked orders: each must be the channel's,
    redeemed here and in no settlement yet, decided on the locked orders."""
    permissions.require(session, permissions.FINANCE)
    channels.channel_mapping(session, channel)
    numbers = sorted({channels.order_number(number) for number in order_nos})
    if not numbers:
        raise InvalidInput(N_("Pick the orders to settle."), field="orders")
    if len(numbers) > MAX_ORDERS:
        raise InvalidInput(N_("At most {most} orders go into one settlement."),
                           most=MAX_ORDERS, field="orders")
    account = bank_account_text(bank_account)
    outlet_id = session.actor.outlet_id

    def run(posting: Posting) -> dict:
        picked = settlement_store.lock_orders(channel, numbers)
        for number in numbers:
            refusal = _not_settleable(channel, number, picked.get(number), outlet_id)
            if refusal is not None:
                raise refusal
        orders = [picked[number] for number in numbers]
        settlement_id = settlement_store.insert_settlement(
            channel=channel, outlet_id=outlet_id, orders=orders, bank_account=account,
            operation_id=posting.operation.id, started_at=session.now())
        return {"settlement_id": settlement_id, "order_count": len(orders),
                "total": sum(order.amount for order in orders)}

    outcome = perform(session, kind="channel_settlement", key=key,
                      request={"channel": channel, "orders": numbers, "account": account},
                      run=run, memo=f"{channel}: {len(numbers)}")
    return SettlementStarted.of(outcome)


def _not_settleable(channel: str, order_no: str, order, outlet_id: int
                    ) -> SettlementRefused | None:
    if order is None:
        return SettlementRefused(N_("Channel order {order} is not on {channel}'s order list."),
                                 order=order_no, channel=channel)
    if order.settlement_id is not None:
        return SettlementRefused(N_("Channel order {order} is already in settlement no. "
                                    "{settlement}; an order is settled once."),
                                 order=order_no, settlement=order.settlement_id)
    if order.status != REDEEMED:
        return SettlementRefused(N_("Channel order {order} was never redeemed: only "
                                    "redeemed orders are settled."), order=order_no)
    if order.outlet_id != outlet_id:
        return SettlementRefused(N_("Channel order {order} was redeemed at another outlet; "
                                    "that outlet settles it."), order=order_no)
    return None


def bank_account_text(text: str) -> str:
    """The clinic's bank account as written on the statement (bank and number)."""
    account = " ".join((text or "").split())
    if not account or len(account) > MAX_BANK_ACCOUNT or not account.isprintable() or not any(
            character.isdigit() for character in account):
        raise InvalidInput(N_("Type the clinic's bank account the channel pays into: the bank "
                              "and the account number, at most {most} characters."),
                           most=MAX_BANK_ACCOUNT, field="bank_account")
    return account


# -- the payment (已结算) -------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SettlementPaid(OperationResult):
    settlement_id: int
    method: str
    reference: str
    total: int


@dataclass(frozen=True)
class PaymentToRecord:
    """A payment typed in, checked: what finance confirms before it is recorded."""
    settlement_id: int
    total: int
    method: str
    reference: str
    valid_until: dt.date | None


def check_payment(session: Session, *, settlement_id: int, method: str, reference: str,
                  valid_until: dt.date | str | None = None) -> PaymentToRecord:
    """Everything about a payment that can be checked before it is recorded (the
    settlement's state and the coupon's use are decided again on the locked rows)."""
    permissions.require(session, permissions.FINANCE)
    if method not in METHODS:
        raise InvalidInput(N_("A settlement is paid by bank transfer or by coupon."),
                           field="method")
    settlement = _settlement(session, settlement_id)
    if settlement.status != STARTED:  # said first, before anything typed is looked at
        raise _already_paid(settlement)
    reference = _reference(method, reference)
    until = _valid_until(session, valid_until) if method == COUPON else None
    return PaymentToRecord(settlement.id, settlement.total, method, reference, until)


def _already_paid(settlement: models.ChannelSettlement) -> SettlementRefused:
    return SettlementRefused(N_("Settlement no. {settlement} is already paid ({method} "
                                "{reference})."), settlement=settlement.id,
                             method=Phrase(METHOD_NAMES[settlement.method]),
                             reference=settlement.reference)


def record_payment(session: Session, *, settlement_id: int, method: str, reference: str,
                   valid_until: dt.date | str | None = None, key: str) -> SettlementPaid:
    """The channel paid a started settlement: by bank transfer (its serial number) or by
    a coupon (its number, valid until a date not past; a coupon pays one settlement)."""
    payment = check_payment(session, settlement_id=settlement_id, method=method,
                            reference=reference, valid_until=valid_until)
    reference, until = payment.reference, payment.valid_until

    def run(posting: Posting) -> dict:
        locked = settlement_store.lock_settlement(payment.settlement_id)
        if locked.status != STARTED:
            raise _already_paid(locked)
        if until is not None and not settlement_store.use_coupon(
                reference, locked.channel, until, locked.id):
            raise SettlementRefused(
                N_("Coupon {coupon} was already used for settlement no. {settlement}; a "
                   "coupon pays one settlement."), coupon=reference,
                settlement=settlement_store.coupon_settlement(reference))
        if not settlement_store.mark_paid(locked.id, method, reference, posting.operation.id,
                                          session.now()):
            raise AssertionError("the settlement is locked: its status cannot have changed")
        return {"settlement_id": locked.id, "method": method, "reference": reference,
                "total": locked.total}

    outcome = perform(session, kind="channel_settlement_paid", key=key,
                      request={"settlement": payment.settlement_id, "method": method,
                               "reference": reference, "valid_until": str(until or "")},
                      run=run, memo=f"{method} {reference}")
    return SettlementPaid.of(outcome)


def _reference(method: str, text: str) -> str:
    reference = (text or "").strip()
    if not reference or len(reference) > 64 or not reference.isprintable() or any(
            character.isspace() for character in reference):
        if method == COUPON:
            raise InvalidInput(N_("Type the coupon number: 1 to 64 letters or digits, "
                                  "without spaces."), field="reference")
        raise InvalidInput(N_("Type the bank transfer's serial number: 1 to 64 letters or "
                              "digits, without spaces."), field="reference")
    return reference


def _valid_until(session: Session, value: dt.date | str | None) -> dt.date:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip()) if value.strip() else None
        except ValueError:
            value = "bad"
    if not isinstance(value, dt.date):
        raise InvalidInput(N_("Type the coupon's last valid day as YYYY-MM-DD."),
                           field="valid_until")
    today = current_business_date(session)
    if value < today:
        raise InvalidInput(N_("The coupon expired on {date}: it cannot pay a settlement."),
                           date=value.isoformat(), field="valid_until")
    return value


def _settlement(session: Session, settlement_id):
    found = settlement_store.find(settlement_id) if isinstance(settlement_id, int) else None
    if found is None or found.outlet_id != session.actor.outlet_id:
        raise NotFound(N_("No settlement no. {settlement} at this outlet."),
                       settlement=str(settlement_id)[:12])
    return found


# -- listing and the statement ------------------------------------------------------------
@dataclass(frozen=True)
class SettlementView:
    settlement_id: int
    channel: str
    status: str
    order_count: int
    total: int
    bank_account: str
    started_at: str
    method: str
    reference: str
    coupon_valid_until: str  # "" unless paid by coupon
    paid_at: str


def settlements(session: Session, *, channel: str, status: str | None = None
                ) -> list[SettlementView]:
    """The outlet's settlements of the channel, newest first."""
    permissions.require(session, permissions.FINANCE)
    channels.channel_mapping(session, channel)
    if status is not None and status not in STATUS_NAMES:
        raise InvalidInput(N_("A settlement is started or paid."), field="status")
    return [_view(row) for row in settlement_store.listing(channel, session.actor.outlet_id,
                                                           status)]


def settlement(session: Session, settlement_id: int) -> SettlementView:
    permissions.require(session, permissions.FINANCE)
    return _view(_settlement(session, settlement_id))


def _view(row) -> SettlementView:
    coupon = settlement_store.coupon_of(row.id) if row.method == COUPON else None
    return SettlementView(
        row.id, row.channel, row.status, row.order_count, row.total, row.bank_account,
        row.started_at.isoformat(sep=" ", timespec="seconds"), row.method, row.reference,
        coupon.valid_until.isoformat() if coupon else "",
        row.paid_at.isoformat(sep=" ", timespec="seconds") if row.paid_at else "")


def statement_table(session: Session, settlement_id: int) -> Table:
    """The settlement's statement: its orders, each with the clinic's bank account."""
    view = settlement(session, settlement_id)
    return Table(N_("settlement"), (
        Column(N_("settlement no.")), Column(N_("order number")), Column(N_("redeemed on")),
        Column(N_("amount"), MONEY), Column(N_("bank account"))), [
        (view.settlement_id, order.order_no, order.redeemed_on.isoformat(), order.amount,
         view.bank_account) for order in settlement_store.orders_of(view.settlement_id)])


def save_statement(session: Session, settlement_id: int) -> Path:
    """The statement as finance's workbook under the kiosk's reports folder."""
    view = settlement(session, settlement_id)
    return reports.save_table(session, f"settlement-{view.channel}-{view.settlement_id}",
                              statement_table(session, settlement_id))
