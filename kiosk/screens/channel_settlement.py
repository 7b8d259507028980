"""Channel settlement (渠道结算) for finance, opened from channel reconciliation: the
channel's orders redeemed here and not settled yet are listed; Space picks them, F7
records "settlement started" (结算中) with the clinic's bank account; F2 shows the
settlements, where F8 records the channel's payment of the one under the cursor (bank
serial number, or coupon number with its last valid day) and F6 saves its statement."""

from __future__ import annotations

import uuid

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens.base import key_hint
from kiosk.screens.form import Field, FormScreen
from kiosk.screens.paging import chosen_row, row_under_cursor, show_rows
from kiosk.services import channel_settlements as settling

ORDERS, SETTLEMENTS = "orders", "settlements"


class ChannelSettlementScreen(FormScreen):
    HEADING = N_("CHANNEL SETTLEMENT")
    TABLE = True
    BINDINGS = [key_hint("enter", N_("List")), Binding("f2", "show_next", N_("Show")),
                Binding("space", "pick", N_("Pick"), key_display="␣"),
                Binding("f7", "start", N_("Start settlement")),
                Binding("f8", "paid", N_("Payment")),
                Binding("f6", "save", N_("Save statement")),
                Binding("escape", "back", N_("Back"))]

    def __init__(self, channel: str = "") -> None:
        super().__init__()
        self.channel = channel
        self.view = ORDERS
        self.orders: list[settling.SettleableOrder] = []
        self.settlements: list[settling.SettlementView] = []
        self.picked: set[str] = set()
        self.key = f"settle-{uuid.uuid4().hex}"
        self.pay_key = f"settled-{uuid.uuid4().hex}"

    def fields(self) -> list[Field]:
        settings = self.app.settings
        channels = tuple((name, settings.channel_title(name)) for name in sorted(settings.channels))
        return [Field("channel", N_("Channel"), choices=channels,
                      value=self.channel or (channels[0][0] if channels else "")),
                Field("bank_account", N_("Clinic's account"), settling.MAX_BANK_ACCOUNT),
                Field("method", N_("Paid by"), choices=tuple(settling.METHOD_NAMES.items())),
                Field("reference", N_("Serial / coupon no."), 64),
                Field("valid_until", N_("Coupon valid until"), 10, r"[0-9-]*")]

    def on_mount(self) -> None:
        self.call(self._account_hint, settling.bank_account_hint, self.app.session,
                  channel=self.value("channel"))
        self.refresh_rows()

    def _account_hint(self, account: str) -> None:
        if account and not self.value("bank_account"):
            self.set_value("bank_account", account)

    def submit(self) -> None:
        self.refresh_rows()

    def on_choice_changed(self, message) -> None:
        if message.choice.id == "channel":
            self.picked.clear()
            self.refresh_rows()

    def refresh_rows(self) -> None:
        channel = self.value("channel")
        if self.view == ORDERS:
            self.call(self._show_orders, settling.settleable, self.app.session, channel=channel)
        else:
            self.call(self._show_settlements, settling.settlements, self.app.session,
                      channel=channel)

    def action_show_next(self) -> None:
        self.view = SETTLEMENTS if self.view == ORDERS else ORDERS
        self.refresh_rows()

    def action_pick(self) -> None:
        if self.view != ORDERS:
            return
        table = self.query_one(DataTable)
        order = row_under_cursor(table, self.orders)
        if order is None:
            self.say(self.tr("Choose an order in the table first."), error=True)
            return
        self.picked ^= {order.order_no}
        row = table.cursor_row
        self._show_orders(self.orders)
        table.move_cursor(row=min(row + 1, len(self.orders) - 1))

    def action_start(self) -> None:
        picked = [order for order in self.orders if order.order_no in self.picked]
        if self.view != ORDERS or not picked:
            self.say(self.tr("Pick the orders to settle: Space on each (F2 shows them)."),
                     error=True)
            return
        self.call(self._start_checked, settling.check_start, self.app.session,
                  channel=self.value("channel"), orders=picked,
                  bank_account=self.value("bank_account"))

    def _start_checked(self, checked: settling.StartCheck) -> None:
        """The account is sound (said at its field if not): one line asks to start,
        saying first which months are not reconciled with the channel yet."""
        picked = [order for order in self.orders if order.order_no in self.picked]
        total = sum(order.amount for order in picked)
        question = self.tr("Start the settlement of {count} order(s), {total}, paid into {account}?"
                           ).format(count=len(picked), total=format_yuan(total),
                                    account=checked.bank_account)
        if checked.months_not_reconciled:
            question = self.tr("Not yet reconciled with the channel's statement: {months}."
                               ).format(months=", ".join(checked.months_not_reconciled)
                                        ) + " " + question
        self.call_if_confirmed(question, self._started, settling.start, self.app.session,
                               channel=self.value("channel"),
                               order_nos=[order.order_no for order in picked],
                               bank_account=checked.bank_account, key=self.key)

    def _started(self, result: settling.SettlementStarted) -> None:
        self.key = f"settle-{uuid.uuid4().hex}"
        self.picked.clear()
        self.say(self.tr("Settlement no. {number} started: {count} order(s), {total}. F8 "
                         "records the channel's payment.").format(
            number=result.settlement_id, count=result.order_count,
            total=format_yuan(result.total)))
        self.view = SETTLEMENTS
        self.refresh_rows()

    def chosen_settlement(self) -> settling.SettlementView | None:
        if self.view != SETTLEMENTS:
            self.say(self.tr("Choose a settlement first (F2 shows them)."), error=True)
            return None
        return chosen_row(self, self.settlements, N_("Choose a settlement first (F2 shows "
                                                     "them)."))

    def action_paid(self) -> None:
        chosen = self.chosen_settlement()
        if chosen is None:
            return
        self.call(self._payment_checked, settling.check_payment, self.app.session,
                  settlement_id=chosen.settlement_id, method=self.value("method"),
                  reference=self.value("reference"),
                  valid_until=self.value("valid_until") or None)

    def _payment_checked(self, payment: settling.PaymentToRecord) -> None:
        """The payment typed is sound: one line names it before it is recorded."""
        question = self.tr("Record settlement no. {number}, {total}, as paid by {method} "
                           "{reference}?").format(
            number=payment.settlement_id, total=format_yuan(payment.total),
            method=self.tr(settling.METHOD_NAMES[payment.method]), reference=payment.reference)
        self.call_if_confirmed(question, self._paid, settling.record_payment, self.app.session,
                               settlement_id=payment.settlement_id, method=payment.method,
                               reference=payment.reference, valid_until=payment.valid_until,
                               key=self.pay_key)

    def _paid(self, result: settling.SettlementPaid) -> None:
        self.pay_key = f"settled-{uuid.uuid4().hex}"
        self.say(self.tr("Settlement no. {number} paid: {method} {reference}, {total}.").format(
            number=result.settlement_id, method=self.tr(settling.METHOD_NAMES[result.method]),
            reference=result.reference, total=format_yuan(result.total)))
        for name in ("reference", "valid_until"):
            self.set_value(name, "")
        self.refresh_rows()

    def action_save(self) -> None:
        chosen = self.chosen_settlement()
        if chosen is None:
            return
        self.call(self.say_saved, settling.save_statement, self.app.session,
                  chosen.settlement_id)

    def _show_orders(self, orders: list[settling.SettleableOrder]) -> None:
        self.orders = orders
        self.picked &= {order.order_no for order in orders}
        total = sum(order.amount for order in orders if order.order_no in self.picked)
        self.details(self.tr("To settle: {count} order(s); picked {picked}, {total}").format(
            count=len(orders), picked=len(self.picked), total=format_yuan(total)))
        show_rows(self.query_one(DataTable), [
            "", self.tr("Order no."), self.tr("Amount"), self.tr("Redeemed on")], [
            ["✓" if order.order_no in self.picked else "", order.order_no,
             format_yuan(order.amount), order.redeemed_on] for order in orders])

    def _show_settlements(self, rows: list[settling.SettlementView]) -> None:
        self.settlements = rows
        self.details(self.tr("Settlements: {count}").format(count=len(rows)))
        show_rows(self.query_one(DataTable), [
            self.tr("No."), self.tr("Status"), self.tr("Orders"), self.tr("Total"),
            self.tr("Paid by"), self.tr("Bank account")], [
            [str(row.settlement_id), self.tr(settling.STATUS_NAMES[row.status]),
             str(row.order_count), format_yuan(row.total),
             f"{self.tr(settling.METHOD_NAMES[row.method])} {row.reference}"
             if row.method else "", row.bank_account] for row in rows])

    def action_back(self) -> None:
        self.app.pop_screen()
