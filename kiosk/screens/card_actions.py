"""What the member centre does to one card, a screen each: recharge (and its reversal),
replacement and tier upgrade, the PIN, restrictions, clearing (sub cards and their
allocation: sub_cards.py).
They share CardActionScreen: the card on top, a short form, review when the service
asks for it, and the outcome screen when done."""

from __future__ import annotations

import uuid

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from kiosk.errors import N_
from kiosk.money import format_yuan, plain_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.card import card_summary
from kiosk.screens.form import DIGITS, Field, FormScreen, money_field, pin_field, up_over_table
from kiosk.screens.issue_card import INVOICE_CHOICES, TENDER_CHOICES
from kiosk.screens.paging import row_under_cursor
from kiosk.screens.purchase import AsksForPurchase
from kiosk.services import (balance_refunds, card_care, card_details, issuing, kinds, recharge,
                            reversals, transfers)
from kiosk.services.card_care import Replacement, Restrictions
from kiosk.services.operations import OperationResult
from kiosk.services.recharge import ReversalResult


class CardActionScreen(FormScreen):
    HEADING = ""
    BINDINGS = [key_hint("enter", N_("Next/confirm")), Binding("escape", "back", N_("Back"))]

    def __init__(self, card) -> None:
        super().__init__()
        self.card = card
        self.key = f"{type(self).__name__}-{uuid.uuid4().hex}"

    def compose_top(self) -> ComposeResult:
        yield Static("\n".join(card_summary(self.tr, self.card, full=True)), id="summary")

    def finish(self, result) -> None:
        """The action was done: its outcome in this screen's place."""
        self.clear_secrets()
        replayed = isinstance(result, OperationResult) and result.replayed
        # The outcome takes this screen's place: Enter goes back to the card.
        self.app.switch_screen(registry.outcome(self.heading(), self.outcome(result),
                                                replayed=replayed))
        self.app.print_queued()

    def outcome(self, result) -> list[str]:
        if isinstance(result, OperationResult):
            return [f"{self.tr('Journal no.')} #{result.operation_id}"]
        return []

    def action_back(self) -> None:
        self.app.pop_screen()


class RechargeScreen(AsksForPurchase, CardActionScreen):
    HEADING = N_("Recharge")
    FIELDS = [money_field("amount", N_("Amount")),
              Field("tender", N_("Paid by"), choices=TENDER_CHOICES)]
    BINDINGS = [key_hint("enter", N_("Next/recharge")),
                Binding("f7", "reverse", N_("Reverse today's recharge")),
                Binding("f8", "reverse_payment", N_("Reverse a payment: part, earlier")),
                Binding("escape", "back", N_("Back"))]

    def on_mount(self) -> None:
        self.call(self._promotions_shown, recharge.promotions_for, self.app.session,
                  self.card.number)

    def _promotions_shown(self, names: list[str]) -> None:
        self.details(self.tr("Promotions today: {names}").format(names="、".join(names))
                     if names else self.tr("No promotion today."))

    def submit(self) -> None:
        amount = self.money("amount")
        if amount is not None:
            self.call(self.finish, recharge.recharge, self.app.session,
                      card_number=self.card.number, amount=amount, tender=self.value("tender"),
                      key=self.key, purchase=self.purchase)

    def buyer_kind(self) -> str:
        return "company" if self.card.company else "person"

    def action_reverse(self) -> None:
        self.call(self._reversible_found, recharge.last_reversible, self.app.session,
                  self.card.number)

    def action_reverse_payment(self) -> None:
        self.app.switch_screen(registry.payment_reversal(self.card))

    def _reversible_found(self, found: recharge.ReversibleRecharge) -> None:
        """Today's last recharge found: a second operator authorises its reversal, seeing
        the card and the amount."""
        self.call_if_reviewed(self.tr(
            "Reversing recharge #{number} of {amount} (bonus {bonus}, paid by {tender}) on "
            "{card}").format(
            number=found.operation_id, amount=format_yuan(found.amount),
            bonus=format_yuan(found.bonus), tender=found.tender_name,
            card=self.card.masked_number), self.finish, recharge.reverse_recharge,
            self.app.session, original_operation_id=found.operation_id,
            key=self.key + "-reversal")

    def outcome(self, result) -> list[str]:
        if isinstance(result, ReversalResult):
            bonus = f"   {self.tr('Bonus')} -{format_yuan(result.bonus)}" if result.bonus else ""
            return [f"{self.tr('Reversed')} #{result.original_operation_id} "
                    f"{format_yuan(result.amount)}{bonus}",
                    self.tr("Give the customer {amount} back by {tender}.").format(
                        amount=format_yuan(result.amount),
                        tender=result.tender_name or result.tender),
                    f"{self.tr('Principal balance')} {format_yuan(result.principal_after)}   "
                    f"{self.tr('Bonus balance')} {format_yuan(result.bonus_after)}"
                    ] + super().outcome(result)
        return [f"{self.tr('Amount')} {format_yuan(result.amount)}   {self.tr('Bonus')} "
                f"{format_yuan(result.bonus)} {result.promotion}",
                f"{self.tr('Paid by')} {result.tender_name}",
                f"{self.tr('Principal balance')} {format_yuan(result.principal_after)}   "
                f"{self.tr('Bonus balance')} {format_yuan(result.bonus_after)}",
                f"{self.tr('Journal no.')} #{result.operation_id}"]


REASONS = (("lost", N_("lost card")), ("damaged", N_("bad card")), ("upgrade", N_("tier upgrade")))


class ReplaceScreen(CardActionScreen):
    HEADING = N_("Replace the card")
    BINDINGS = [key_hint("enter", N_("Next/replace")),
                Binding("f5", "next_blank", N_("Next blank")),
                Binding("f6", "write", N_("Write card")),
                Binding("f8", "bind", N_("Bind smart card")), Binding("escape", "back", N_("Back"))]

    def fields(self) -> list[Field]:
        reason = "upgrade" if self.card.tier_offer else ("lost" if self.card.status == "lost"
                                                          else "damaged")
        return [Field("reason", N_("Reason"), choices=REASONS, value=reason),
                Field("new_number", N_("New card number"), 32, DIGITS),
                # Before the fee: once the card is written the fee has the focus, and
                # Enter, Enter replaces it (the fee, then the tender).
                Field("invoice", N_("Service-fee invoice"), choices=INVOICE_CHOICES),
                money_field("fee", N_("Card fee")),
                Field("tender", N_("Paid by"), choices=TENDER_CHOICES)]

    def on_mount(self) -> None:
        self.written = ""
        self.action_next_blank()
        self._fee()

    def on_choice_changed(self, message) -> None:
        if message.choice.id == "reason":
            self._fee()

    def _fee(self) -> None:
        self.call(self._fee_shown, card_care.replacement_fee_for, self.app.session,
                  self.card.number, self.value("reason"))

    def _fee_shown(self, fee: int) -> None:
        self.set_value("fee", plain_yuan(fee))

    def action_next_blank(self) -> None:
        self.call(self._blank_found, issuing.next_blank_like, self.app.session, self.card.number)

    def _blank_found(self, number: str) -> None:
        self.set_value("new_number", number)
        self.written = ""

    def action_write(self) -> None:
        self.say(self.tr("Swipe the blank card through the writer..."))
        self.call(self._written, issuing.write_card, self.app.session, self.app.devices.writer,
                  self.value("new_number"), replacing=self.card.number)

    def action_bind(self) -> None:
        self.call(self._written, issuing.bind_smart_card, self.app.session,
                  self.app.devices.card_reader, self.value("new_number"))

    def _written(self, _result) -> None:
        self.written = self.value("new_number")
        self.say(self.tr("New card written and read back; press Enter to move the balance."))
        self.query_one("#fee").focus()

    def submit(self) -> None:
        if self.value("new_number") != self.written:
            self.say(self.tr("Write the card (F6) or bind a smart card (F8) first."),
                     error=True)
            return
        fee = self.money("fee", allow_zero=True)
        if fee is None:
            return
        request = Replacement(self.card.number, self.written, self.value("reason"), fee,
                              self.value("tender"), tier=self.card.tier_offer,
                              invoice=self.value("invoice") == "yes")
        self.call(self.finish, card_care.replace_card, self.app.session, request, key=self.key,
                  review=self.review)

    def outcome(self, result) -> list[str]:
        return [f"{self.tr('New card')} {result.card_number}   {self.tr('Tier')} "
                f"{result.tier or '-'}",
                f"{self.tr('Principal')} {format_yuan(result.principal_after)}   "
                f"{self.tr('Bonus')} {format_yuan(result.bonus_after)}   "
                f"{self.tr('Points')} {result.points_after}",
                self.tr("The old card is void for ever.")] + super().outcome(result)


PIN_ACTIONS = (("change", N_("change (old PIN)")), ("unlock", N_("unlock after 3 tries")),
               ("reset", N_("reset to ID rule")), ("set", N_("set new PIN (no ID)")))


class PinScreen(CardActionScreen):
    """The customer's PIN: changed with the old one; unlocked, reset or set anew only for
    the holder (the last four of the ID they show) or, on an anonymous card, with a
    supervisor's review. A locked PIN opens on unlocking."""

    HEADING = N_("Customer PIN")
    FIELDS = [Field("action", N_("Action"), choices=PIN_ACTIONS),
              Field("holder_check", N_("ID last 4 (holder)"), 4, r"[0-9Xx]*"),
              pin_field("old_pin", N_("Old PIN")), pin_field("new_pin", N_("New PIN")),
              pin_field("new_pin2", N_("New PIN again"))]
    SUBMIT_FROM_ANY = False

    def on_mount(self) -> None:
        if self.card.pin_locked:
            self.set_value("action", "unlock")
            self.query_one("#holder_check").focus()

    def submit(self) -> None:
        action, session, number = self.value("action"), self.app.session, self.card.number
        new, again = self.value("new_pin"), self.value("new_pin2")
        holder = dict(holder_check=self.value("holder_check"), review=self.review)
        if action == "change":
            self.call(self.finish, card_care.change_pin, session, number,
                      self.value("old_pin"), new, again)
        elif action == "unlock":
            self.call(self.finish, card_care.unlock_pin, session, number, **holder)
        elif action == "reset":
            self.call(self.finish, card_care.reset_pin, session, number, **holder)
        else:
            self.call(self.finish, card_care.reset_pin, session, number, new, again, **holder)

    def outcome(self, result) -> list[str]:
        if result == "id_rule":
            return [self.tr("The PIN is now the last six characters of the holder's ID "
                            "number (X read as 0).")]
        return [self.tr("Done.")]


class RestrictionsScreen(CardActionScreen):
    """限制信息, and copied between cards (对转): F7 takes another card's limits onto this
    one, F8 gives this main card's saved limits to every sub card it has in use."""

    HEADING = N_("Card limits")
    BINDINGS = [Binding("f7", "copy_from", N_("Copy from a card")),
                Binding("f8", "copy_to_subs", N_("Copy to its sub cards"))]
    FIELDS = [money_field("daily_limit", N_("Day limit (0=none)")),
              Field("allowed_outlets", N_("Only at outlets"), 300),
              Field("allowed_categories", N_("Only categories"), 300),
              Field("forbidden_categories", N_("Never categories"), 300)]

    def on_mount(self) -> None:
        self.details(self.tr("Lists are separated by commas; empty means no limit."))
        self.call(self._restrictions_shown, card_care.restrictions_of, self.app.session,
                  self.card.number)

    def _restrictions_shown(self, rules: Restrictions) -> None:
        self.set_value("daily_limit", plain_yuan(rules.daily_limit))
        for name in ("allowed_outlets", "allowed_categories", "forbidden_categories"):
            self.set_value(name, getattr(rules, name))

    def submit(self) -> None:
        limit = self.money("daily_limit", allow_zero=True)
        if limit is None:
            return
        rules = Restrictions(limit, self.value("allowed_outlets"),
                             self.value("allowed_categories"), self.value("forbidden_categories"))
        self.call(self.finish, card_care.set_restrictions, self.app.session, self.card.number,
                  rules)

    def outcome(self, result) -> list[str]:
        return [self.tr("The limits apply from the next sale, at every terminal.")]

    def action_copy_from(self) -> None:
        def answered(number) -> None:
            if number:
                self.call(self._copied, card_details.copy_restrictions, self.app.session,
                          number, [self.card.number])
        self.app.push_screen(registry.ask(self.tr("Copy the limits of card (its number) onto "
                                                  "{card}").format(card=self.card.masked_number),
                                          max_length=32, restrict=DIGITS), answered)

    def action_copy_to_subs(self) -> None:
        self.call_if_confirmed(self.tr(
            "The limits saved on {card} onto every sub card it has in use?").format(
            card=self.card.masked_number),
            self._copied, card_details.copy_to_sub_cards, self.app.session, self.card.number)

    def _copied(self, count: int) -> None:
        self.say(self.tr("Limits copied to {count} cards.").format(count=count))
        self.call(self._restrictions_shown, card_care.restrictions_of, self.app.session,
                  self.card.number)


class ClearingScreen(CardActionScreen):
    HEADING = N_("Clear the card (close it)")
    BINDINGS = [Binding("enter", "confirm", N_("Clear, with review")),
                Binding("escape", "back", N_("Back"))]

    def on_mount(self) -> None:
        self.details(self.tr(
            "Pays back {principal} principal in cash; the bonus {bonus} is forfeited and "
            "the points lapse. The card can never be used again.").format(
            principal=format_yuan(self.card.principal), bonus=format_yuan(self.card.bonus)))

    def action_confirm(self) -> None:
        self.submit()

    def submit(self) -> None:
        self.call(self.finish, card_care.clear_card, self.app.session, self.card.number,
                  key=self.key, review=self.review)

    def outcome(self, result) -> list[str]:
        return [f"{self.tr('Paid back')} {format_yuan(result.amount)}   "
                f"{self.tr('Bonus forfeited')} {format_yuan(result.bonus_forfeited)}"
                ] + super().outcome(result)


REFUND_KINDS = (("small", N_("small balance (PIN)")), ("special", N_("special (review)")),
                ("deposit", N_("deposit (review)")))


class BalanceRefundScreen(CardActionScreen):
    """Refunds that keep the card: a small balance with the holder's PIN, a special
    refund with a reason and review, the deposit with review."""

    HEADING = N_("Refund, the card stays")
    FIELDS = [Field("kind", N_("Refund"), choices=REFUND_KINDS),
              money_field("amount", N_("Amount")),
              Field("tender", N_("Paid by"), choices=TENDER_CHOICES),
              Field("reason", N_("Reason"), balance_refunds.MAX_REASON),
              pin_field("pin", N_("Customer PIN"))]

    def on_mount(self) -> None:
        self.hint = None
        self.call(self._hint_shown, balance_refunds.hint, self.app.session, self.card.number)

    def _hint_shown(self, hint: balance_refunds.RefundHint) -> None:
        self.hint = hint
        self._show_kind()

    def on_choice_changed(self, message) -> None:
        if message.choice.id == "kind":
            self.review = None
            self._show_kind()

    def _show_kind(self) -> None:
        if self.hint is None:
            return
        kind, hint = self.value("kind"), self.hint
        self.set_value("amount", plain_yuan(
            hint.deposit if kind == "deposit" else hint.principal))
        small = (N_("Pays back the whole principal {principal} (at most {limit}); the bonus "
                    "{bonus} lapses. The customer types the PIN.")
                 if hint.principal <= hint.small_limit else
                 N_("The principal {principal} is over the small-balance limit {limit}: make "
                    "a special refund."))
        text = {"small": small,
                "special": N_("Pays back the amount typed (the principal is {principal}), "
                              "with a reason; a supervisor reviews."),
                "deposit": N_("Pays back the deposit {deposit}; the card and its balance "
                              "stay. A supervisor reviews.")}[kind]
        self.details(self.tr(text).format(
            principal=format_yuan(hint.principal), limit=format_yuan(hint.small_limit),
            bonus=format_yuan(hint.bonus), deposit=format_yuan(hint.deposit)))

    def submit(self) -> None:
        kind, session, number = self.value("kind"), self.app.session, self.card.number
        tender, reason = self.value("tender"), self.value("reason")
        if kind == "small":
            self.call(self.finish, balance_refunds.small_balance_refund, session,
                      card_number=number, pin=self.value("pin"), tender=tender,
                      key=self.key + "-small", review=self.review)
        elif kind == "special":
            amount = self.money("amount")
            if amount is not None:
                self.call(self.finish, balance_refunds.special_refund, session,
                          card_number=number, amount=amount, reason=reason, tender=tender,
                          key=self.key + "-special", review=self.review)
        else:
            self.call(self.finish, balance_refunds.deposit_refund, session, card_number=number,
                      reason=reason, tender=tender, key=self.key + "-deposit",
                      review=self.review)

    def outcome(self, result) -> list[str]:
        return [f"{self.tr('Paid back')} {format_yuan(result.amount)}   "
                f"{self.tr('Bonus forfeited')} {format_yuan(result.bonus_forfeited)}",
                f"{self.tr('Principal balance')} {format_yuan(result.principal_after)}   "
                f"{self.tr('Deposit')} {format_yuan(result.deposit_after)}"
                ] + super().outcome(result)


class PaymentReversalScreen(CardActionScreen):
    """撤单/冲销: the card's payments in (recharges, by cheque too, and its issue) with
    what is left of each; the one under the cursor is reversed in part or whole, with a
    reason and review."""

    HEADING = N_("Reverse a payment (撤单/冲销)")
    BINDINGS = [up_over_table(N_("Choose a payment")),
                key_hint("enter", N_("Next/reverse, with review")),
                Binding("escape", "back", N_("Back"))]
    TABLE = True
    FIELDS = [money_field("amount", N_("Amount")),
              Field("reason", N_("Reason"), reversals.MAX_REASON)]

    def on_mount(self) -> None:
        self.payments: list[reversals.ReversiblePayment] = []
        self.call(self._payments_shown, reversals.reversible_payments, self.app.session,
                  self.card.number)

    def _payments_shown(self, payments) -> None:
        self.payments = payments
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(self.tr("Journal no."), self.tr("Kind"), self.tr("Date"),
                          self.tr("Amount"), self.tr("Left"), self.tr("Paid by"))
        tenders = {**dict(TENDER_CHOICES), "cheque": N_("cheque")}
        for row in payments:
            table.add_row(f"#{row.operation_id}", self.tr(kinds.label(row.kind)),
                          row.business_date, format_yuan(row.amount), format_yuan(row.left),
                          self.tr(tenders.get(row.tender, row.tender)))
        if not payments:
            self.details(self.tr("This card has no payment in that could still be reversed."))
        else:
            table.focus()
            self._chosen(0)

    def on_data_table_row_highlighted(self, event) -> None:
        self._chosen(event.cursor_row)

    def on_data_table_row_selected(self, event) -> None:
        """Enter on a payment: its amount next (then the reason, then Enter reverses)."""
        self._chosen(event.cursor_row)
        self.query_one("#amount").focus()

    def _chosen(self, index: int) -> None:
        if 0 <= index < len(self.payments):
            payment = self.payments[index]
            self.set_value("amount", plain_yuan(payment.left))
            self.details(self.tr("Reverse #{number}: at most {left}.").format(
                number=payment.operation_id, left=format_yuan(payment.left)))

    def submit(self) -> None:
        payment = row_under_cursor(self.query_one(DataTable), self.payments)
        if payment is None:
            self.say(self.tr("This card has no payment in that could still be reversed."),
                     error=True)
            return
        amount = self.money("amount")
        if amount is None:
            return
        self.call(self.finish, reversals.reverse_payment, self.app.session,
                  original_operation_id=payment.operation_id, amount=amount,
                  reason=self.value("reason"), key=f"{self.key}-{payment.operation_id}",
                  review=self.review)

    def outcome(self, result) -> list[str]:
        taken = "".join(f"   {self.tr(label)} -{format_yuan(amount)}" for label, amount in (
            (N_("Bonus"), result.bonus), (N_("Deposit"), result.deposit)) if amount)
        back = [self.tr("Give the customer {amount} back by {tender}.").format(
            amount=format_yuan(result.amount), tender=result.tender_name)] \
            if result.tender_name else []
        return [f"{self.tr('Reversed')} #{result.original_operation_id} "
                f"{format_yuan(result.amount)}{taken}", *back] + super().outcome(result)


class TransferScreen(CardActionScreen):
    """手工转账: principal from this card to another; the customer types this card's PIN,
    or (no PIN typed) a supervisor reviews."""

    HEADING = N_("Transfer to another card")
    BINDINGS = [key_hint("enter", N_("Next/transfer"))]
    FIELDS = [Field("to_number", N_("To card number"), 32, DIGITS),
              money_field("amount", N_("Amount")),
              pin_field("pin", N_("Customer PIN"))]

    def on_mount(self) -> None:
        self.details(self.tr("The customer types this card's PIN; without it a supervisor "
                             "reviews."))

    def submit(self) -> None:
        amount = self.money("amount")
        if amount is None:
            return
        self.call(self.finish, transfers.transfer, self.app.session,
                  from_number=self.card.number, to_number=self.value("to_number"),
                  amount=amount, pin=self.value("pin") or None, key=self.key,
                  review=self.review)

    def outcome(self, result) -> list[str]:
        return [self.tr("Transferred {amount} to card …{card}.").format(
                    amount=format_yuan(result.principal), card=result.to_number[-4:]),
                f"{self.tr('Principal balance')} {format_yuan(result.from_after)}   "
                f"{self.tr('Other card')} {format_yuan(result.to_after)}"
                ] + super().outcome(result)
