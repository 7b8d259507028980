"""The month's report (月结报表) that the monthly close produces: for one outlet and one
month, read from the journal (which a closed month no longer changes, so the report of
a closed month is the same whenever it is made again):

- the operations of the month by kind: how many, their amount;
- the outlet's cards' stored value (principal, bonus): opening, in, out, closing, and
  the deposits they hold at the month's end;
- the money through the outlet's tills by tender (in positive, out negative);
- the cheques still waiting to clear of those received by the month's end;
- the internal cards' principal (the chain's own money): opening, in, out, closing;
- the service fees taken with their invoice, and those whose invoice was declined;
- the customers' accounts: opening, in, out, closing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from kiosk.errors import N_
from kiosk.report_table import LABEL, MONEY, Column, Table
from kiosk.services import kinds, permissions, service_fees
from kiosk.services.business_date import month_bounds
from kiosk.services.charge import other_tender_part
from kiosk.services.ledgers import BALANCE_KINDS
from kiosk.services.session import Session
from kiosk.store import cheques, ledger_reports, outlets, settings
from kiosk.store import customers as customer_store
from kiosk.store import internal_cards as internal_store
from kiosk.store import service_fees as fee_store
from kiosk.store import operations as operation_store


# Tenders that are not the chain's tender types: a cheque cleared into the bank.
TENDERS_BY_KIND = {"cheque": N_("cheque")}


@dataclass(frozen=True)
class MonthReport:
    outlet_code: str
    outlet_name: str
    month: str
    closed: bool
    operations: list[tuple[str, int, int]] = field(default_factory=list)  # kind, count, fen
    # principal / bonus -> (opening, in, out, closing)
    stored_value: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    deposits_held: int = 0
    tills: list[tuple[str, int]] = field(default_factory=list)  # tender, net fen in
    tender_names: dict[str, str] = field(default_factory=dict)  # code -> the chain's name
    cheques_waiting: tuple[int, int] = (0, 0)  # count, fen
    # The internal cards' principal (内部卡, the chain's own money, kept apart from the
    # stored value above): opening, in, out, closing.
    internal_cards: tuple[int, int, int, int] = (0, 0, 0, 0)
    # Service fees taken with their invoice, and those whose invoice the customer
    # declined (未开票收入, reported apart).
    service_fees: tuple[int, int] = (0, 0)
    # The customers' accounts (客户账户) registered at the outlet: opening, in, out,
    # closing (below zero: what they owe on credit).
    customer_accounts: tuple[int, int, int, int] = (0, 0, 0, 0)

    def as_table(self) -> Table:
        """The report as finance's table: labels are message ids, money is fen (a
        screen, a printer, a CSV or a workbook each get their own words)."""
        rows = [(N_("Month report"), N_("month closed") if self.closed else
                 N_("not closed yet"), f"{self.outlet_code} {self.outlet_name} {self.month}",
                 None, None)]
        rows += [(N_("Operations"), kinds.label(kind), None, count, amount)
                 for kind, count, amount in self.operations]
        names = {"principal": N_("Principal"), "bonus": N_("Bonus")}
        steps = (N_("opening"), N_("in"), N_("out"), N_("closing"))
        for kind, figures in self.stored_value.items():
            rows += [(names[kind], step, None, None, amount)
                     for step, amount in zip(steps, figures)]
        rows.append((N_("Stored value"), N_("Deposits held"), None, None, self.deposits_held))
        rows += [(N_("Internal cards"), step, None, None, amount)
                 for step, amount in zip(steps, self.internal_cards)]
        rows += [(N_("Customer accounts"), step, None, None, amount)
                 for step, amount in zip(steps, self.customer_accounts)]
        rows += [(N_("Service fees"), label, None, None, amount) for label, amount in
                 zip((N_("invoiced"), N_("invoice declined")), self.service_fees)]
        for tender, amount in self.tills:
            known = TENDERS_BY_KIND.get(tender)
            rows.append((N_("Tills"), known, None if known else
                         self.tender_names.get(tender, tender), None, amount))
        rows.append((N_("Cheques"), N_("waiting to clear"), None, *self.cheques_waiting))
        return Table(N_("month report"), COLUMNS, rows)

    def table(self, tr=lambda text: text) -> list[list[str]]:
        """Header and rows as text in a language (a screen, the terminal, a printer)."""
        return self.as_table().shown(tr)


COLUMNS = (Column(N_("Section"), LABEL), Column(N_("Item"), LABEL), Column(N_("Detail")),
           Column(N_("Count")), Column(N_("Amount"), MONEY))


def month_report(session: Session, month: str) -> MonthReport:
    """The month's report of the operator's outlet (a closed month's, or the figures so
    far of one still open)."""
    permissions.require_any(session, permissions.DAY_CLOSE, permissions.FINANCE)
    return build(session.actor.outlet_id, month)


def _operation_totals(outlet_id: int, first: dt.date, last: dt.date
                      ) -> list[tuple[str, int, int]]:
    """By kind; a split payment's sale or refund counted whole, as the shift report
    counts it (the operation's own amount is the card's part)."""
    other_parts: dict[str, int] = defaultdict(int)
    for kind, tender, result in ledger_reports.split_payment_results(outlet_id, first, last):
        other_parts[kind] += other_tender_part(kind, tender, result)
    return [(kind, count, amount + other_parts[kind]) for kind, count, amount
            in ledger_reports.operation_totals(outlet_id, first, last)]


def build(outlet_id: int, month: str) -> MonthReport:
    """Called by the monthly close right after it commits (its operator's right checked)."""
    first, after = month_bounds(month)
    last = after - dt.timedelta(days=1)
    outlet = outlets.by_id(outlet_id)
    return MonthReport(
        outlet_code=outlet.code, outlet_name=outlet.name, month=month,
        closed=operation_store.month_closed(outlet_id, month),
        operations=_operation_totals(outlet_id, first, last),
        stored_value=_stored_value(outlet_id, first, last),
        deposits_held=ledger_reports.card_balances(outlet_id, ("deposit",),
                                                   up_to=last).get("deposit", 0),
        tills=_tills(outlet_id, first, last), tender_names=settings.tender_names(),
        cheques_waiting=cheques.waiting_at(outlet_id, last),
        internal_cards=internal_store.month_figures(outlet_id, first, last),
        service_fees=_service_fees(outlet_id, first, last),
        customer_accounts=customer_store.customer_figures(outlet_id, first, last))


def _service_fees(outlet_id: int, first: dt.date, last: dt.date) -> tuple[int, int]:
    taken = fee_store.fees(outlet_id, first, last)
    return taken[service_fees.INVOICED], taken[service_fees.NOT_INVOICED]


def _stored_value(outlet_id: int, first: dt.date, last: dt.date
                  ) -> dict[str, tuple[int, int, int, int]]:
    opening = ledger_reports.card_balances(outlet_id, BALANCE_KINDS, before=first)
    moved = ledger_reports.card_moves(outlet_id, BALANCE_KINDS, first, last)
    figures = {}
    for kind in BALANCE_KINDS:
        start = opening.get(kind, 0)
        money_in, money_out = moved.get(kind, (0, 0))
        figures[kind] = (start, money_in, money_out, start + money_in - money_out)
    return figures


def _tills(outlet_id: int, first: dt.date, last: dt.date) -> list[tuple[str, int]]:
    """By tender, the money into the outlet's till and bank accounts (which go negative
    as money comes in)."""
    till_kinds = settings.till_account_kinds() | {"outlet_cash", "outlet_bank"}
    net: dict[str, int] = defaultdict(int)
    for tender, total in ledger_reports.till_money(outlet_id, first, last, till_kinds):
        net[tender or "-"] -= total
    return sorted((tender, amount) for tender, amount in net.items() if amount)
