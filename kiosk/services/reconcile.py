"""Channel reconciliation (渠道对账): a channel's monthly statement (CSV or XLSX, column
names per channel in the settings) against our journal's channel orders, matched by
channel order number and settlement amount:

    matched            same order, same amount
    amount_differs     same order, different amount
    only_statement     the channel has it, our journal does not
    only_journal       our journal has it, the statement does not
    not_redeemed       the channel bills an order of its own list that was never
                       redeemed at our counter (once the channel's order list is imported)

With an imported order list each row also carries the order's state there (open,
redeemed, cancelled, or unlisted), e.g. an order redeemed at the counter and missing
from the statement is only_journal and redeemed: claim it from the channel.

A month with no differences can be confirmed; confirmed months are settled quarterly
(in January, April, July and October, for the three months before): in cash against
an ordinary invoice of amount / 1.06, or in coupons."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from kiosk.report_table import LABEL, MONEY, Column, Table
from kiosk.errors import InvalidInput, KioskError, N_
from kiosk.services import audit, channel_orders, permissions, reports
from kiosk.services.business_date import current_business_date, month_bounds
from kiosk.services.channels import channel_mapping, read_order_lines
from kiosk.services.session import Session
from kiosk.store import channel_orders as order_store
from kiosk.store import channel_settlements as settlement_store
from kiosk.store import failures

STATUSES = ("matched", "amount_differs", "only_statement", "only_journal", "not_redeemed")
STATUS_NAMES = {"matched": N_("matched"), "amount_differs": N_("amount differs"),
                "only_statement": N_("only in statement"), "only_journal": N_("only in journal"),
                "not_redeemed": N_("billed, never redeemed")}
UNLISTED = "unlisted"  # the order state of a number the imported order list lacks
ORDER_STATE_NAMES = {"open": N_("not redeemed"), "redeemed": N_("redeemed"),
                     "cancelled": N_("cancelled"), UNLISTED: N_("not on the order list")}
SETTLEMENT_MONTHS = (1, 4, 7, 10)
INVOICE_DIVISOR = Decimal("1.06")


@dataclass(frozen=True)
class Row:
    order_no: str
    status: str
    statement_amount: int | None
    journal_amount: int | None
    order_state: str = ""  # on the imported order list; "" when none is imported


@dataclass(frozen=True)
class Report:
    channel: str
    month: str
    rows: list[Row]
    statement_sha256: str
    orders_listed: bool = False  # the channel's order list is imported: rows carry states

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def differences(self) -> int:
        return sum(1 for row in self.rows if row.status != "matched")

    @property
    def matched_total(self) -> int:
        return sum(row.journal_amount for row in self.rows if row.status == "matched")


def last_month(today: dt.date) -> str:
    return (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def month_to_reconcile(session: Session) -> str:
    """Last month by the outlet's business date: the one month that is reconciled."""
    permissions.require_any(session, permissions.FINANCE, permissions.DAY_CLOSE)
    return last_month(current_business_date(session))


def _check_last_month(session: Session, month: str) -> None:
    """Only last month is reconciled: the channel's statement is of the month just
    finished (an earlier month was reconciled then; the current one is not over)."""
    month_bounds(month)  # written YYYY-MM
    expected = last_month(current_business_date(session))
    if month != expected:
        raise InvalidInput(N_("Only last month, {last}, can be reconciled; not {month}."),
                           last=expected, month=month, field="month")


def read_statement(path: str | Path, mapping: dict) -> dict[str, int]:
    """Order number -> amount (fen) of a statement; every bad row reported by line (a
    fully refunded order may be billed at zero)."""
    columns = {"order_no": mapping["order_no"], "amount": mapping["amount"]}
    return {line.order_no: line.amount
            for line in read_order_lines(path, columns, allow_zero=True)}


def journal_orders(session: Session, month: str, issuer: str = "") -> dict[str, int]:
    """Our channel orders whose charge falls in the month: the amount charged, less any
    refund of it (a fully refunded order settles at zero)."""
    permissions.require_any(session, permissions.FINANCE, permissions.DAY_CLOSE)
    first, after = month_bounds(month)
    charges = order_store.charges_with_orders(session.actor.outlet_id, first, after, issuer)
    refunded = order_store.refunded(list(charges))
    orders: dict[str, int] = defaultdict(int)
    for operation_id, (order_no, amount) in charges.items():
        orders[order_no] += amount - refunded.get(operation_id, 0)
    return dict(orders)


# Our own report of the verified (redeemed) orders: the columns one may pick, in order.
REPORT_FIELDS = {
    "order_no": Column(N_("order number")),
    "redeemed_on": Column(N_("redeemed on")),
    "amount": Column(N_("settlement amount"), MONEY),  # charged, less refunds
    "card": Column(N_("card number")),
    "operation": Column(N_("journal no.")),
    "order_state": Column(N_("order state"), LABEL),
    "settlement": Column(N_("settlement no.")),
}


def verified_orders_table(session: Session, *, channel: str, month: str,
                          fields: list[str] | None = None) -> Table:
    """Our own report of the month's verified orders of the channel (核销订单), with the
    columns picked from REPORT_FIELDS (all when none are named), in the order named."""
    permissions.require_any(session, permissions.FINANCE, permissions.DAY_CLOSE)
    mapping = channel_mapping(session, channel)
    fields = list(fields) if fields else list(REPORT_FIELDS)
    unknown = [name for name in fields if name not in REPORT_FIELDS]
    if unknown or len(set(fields)) != len(fields):
        raise InvalidInput(N_("The report's columns are some of {known}, each once."),
                           known=", ".join(REPORT_FIELDS), field="fields")
    first, after = month_bounds(month)
    charges = order_store.verified_charges(session.actor.outlet_id, first, after,
                                           mapping.get("issuer", ""))
    refunded = order_store.refunded([charge.operation_id for charge in charges])
    numbers = [charge.order_no for charge in charges]
    states = (channel_orders.order_states(channel, numbers)
              if channel_orders.list_imported(channel) else {})
    settled = settlement_store.settlements_by_order(channel, numbers)
    rows = []
    for charge in charges:
        values = {"order_no": charge.order_no, "redeemed_on": charge.business_date.isoformat(),
                  "amount": charge.amount - refunded.get(charge.operation_id, 0),
                  "card": charge.card_number, "operation": charge.operation_id,
                  "order_state": ORDER_STATE_NAMES.get(states.get(charge.order_no)),
                  "settlement": settled.get(charge.order_no, (None,))[0]}
        rows.append(tuple(values[name] for name in fields))
    return Table(N_("verified orders"), tuple(REPORT_FIELDS[name] for name in fields), rows)


def save_verified_orders(session: Session, *, channel: str, month: str,
                         fields: list[str] | None = None) -> Path:
    """Our own report of verified orders as finance's workbook (reports folder)."""
    table = verified_orders_table(session, channel=channel, month=month, fields=fields)
    return reports.save_table(session, f"verified-orders-{channel}-{month}", table)


def reconcile(session: Session, *, channel: str, statement: str | Path,
              month: str) -> Report:
    """Matching only reads: the supervisor may look; confirming is finance's."""
    permissions.require_any(session, permissions.FINANCE, permissions.DAY_CLOSE)
    mapping = channel_mapping(session, channel)
    _check_last_month(session, month)
    theirs = read_statement(statement, mapping)
    ours = journal_orders(session, month, mapping.get("issuer", ""))
    numbers = sorted(set(theirs) | set(ours))
    listed = channel_orders.list_imported(channel)
    states = channel_orders.order_states(channel, numbers) if listed else {}
    rows = []
    for order_no in numbers:
        statement_amount, journal_amount = theirs.get(order_no), ours.get(order_no)
        state = states.get(order_no, UNLISTED) if listed else ""
        if journal_amount is None:
            never_redeemed = state in (channel_orders.OPEN, channel_orders.CANCELLED)
            status = "not_redeemed" if never_redeemed else "only_statement"
        elif statement_amount is None:
            status = "only_journal"
        else:
            status = "matched" if statement_amount == journal_amount else "amount_differs"
        rows.append(Row(order_no, status, statement_amount, journal_amount, state))
    digest = hashlib.sha256(Path(statement).read_bytes()).hexdigest()
    return Report(channel, month, rows, digest, listed)


def confirm(session: Session, report: Report) -> int:
    """Mark the month reconciled; refused while any difference is open."""
    check_confirmable(session, report)
    with audit.transaction(session):
        try:
            record = order_store.confirm_month(
                outlet=session.actor.outlet_id, channel=report.channel, month=report.month,
                matched_count=report.count("matched"), matched_total=report.matched_total,
                statement_sha256=report.statement_sha256,
                confirmed_by=session.actor.operator_id, confirmed_at=session.now())
        except failures.CONSTRAINT_BROKEN:
            raise KioskError(N_("{month} of {channel} is already confirmed."),
                             month=report.month, channel=report.channel) from None
        audit.append(session, "reconcile.confirm", subject=f"channel:{report.channel}",
                     details={"month": report.month, "total": report.matched_total,
                              "statement": report.statement_sha256})
    return record.id


def check_confirmable(session: Session, report: Report) -> None:
    """Whether this matched month may be confirmed, asked before the screen's one-line
    confirmation (and again by the confirmation)."""
    permissions.require(session, permissions.FINANCE)
    if not report.rows:
        raise KioskError(N_("The statement has no orders: a month is confirmed against the "
                            "channel's statement of it."))
    if report.differences:
        raise KioskError(N_("{count} difference(s) are open; resolve them with the channel "
                            "before confirming."), count=report.differences)
    if report.month >= current_business_date(session).strftime("%Y-%m"):
        raise KioskError(N_("{month} is not over yet: only a finished month is confirmed."),
                         month=report.month)


@dataclass(frozen=True)
class Settlement:
    channel: str
    months: list[str]
    missing: list[str]  # months of the quarter not confirmed yet
    total: int
    mode: str  # cash or coupon
    invoice_amount: int | None  # cash: the ordinary invoice's amount, total / 1.06


def settlement_months(year: int, month: int) -> list[str]:
    """In a settlement month (1, 4, 7, 10), the three months before it."""
    if month not in SETTLEMENT_MONTHS:
        raise InvalidInput(N_("Settlement is quarterly: in months 1, 4, 7 and 10."))
    first = dt.date(year, month, 1)
    months = []
    for _ in range(3):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append(first.strftime("%Y-%m"))
    return sorted(months)


def invoice_amount(total: int) -> int:
    return int((Decimal(total) / INVOICE_DIVISOR).quantize(Decimal(1), ROUND_HALF_UP))


def settlement(session: Session, *, channel: str, settle_in: str, mode: str = "cash"
               ) -> Settlement:
    """The settlement list of the quarter settled in `settle_in` (YYYY-MM)."""
    permissions.require(session, permissions.FINANCE)
    if mode not in ("cash", "coupon"):
        raise InvalidInput(N_("Settle in cash (with an invoice) or in coupons."))
    first, _ = month_bounds(settle_in)
    months = settlement_months(first.year, first.month)
    confirmed = order_store.confirmed_months(session.actor.outlet_id, channel, months)
    total = sum(record.matched_total for record in confirmed.values())
    return Settlement(channel, months, [m for m in months if m not in confirmed], total, mode,
                      invoice_amount(total) if mode == "cash" else None)


ORDER_STATE_NAMES = {"open": N_("open"), "redeemed": N_("redeemed"),
                     "cancelled": N_("cancelled"), "unlisted": N_("not on the list")}


def report_table(report: Report) -> Table:
    """The report as a table for finance."""
    columns = [Column(N_("order number")), Column(N_("status"), LABEL),
               Column(N_("statement amount"), MONEY), Column(N_("journal amount"), MONEY)]
    if report.orders_listed:
        columns.append(Column(N_("order state"), LABEL))
    return Table(N_("reconciliation"), tuple(columns), [
        (row.order_no, STATUS_NAMES[row.status], row.statement_amount, row.journal_amount,
         *([ORDER_STATE_NAMES.get(row.order_state, row.order_state)]
           if report.orders_listed else []))
        for row in report.rows])


def summary(report: Report) -> str:
    from kiosk.money import plain_yuan
    counts = ", ".join(f"{status} {report.count(status)}" for status in STATUSES)
    return f"{report.channel} {report.month}: {counts}; matched total {plain_yuan(report.matched_total)}"
