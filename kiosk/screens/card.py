"""A swiped card: its masked details and balances; the charge (amount by the cashier,
PIN by the customer). A balance query has its own screen (balance_query.py).

F6 takes a channel order number (渠道订单号), typed or scanned by a barcode reader that
types like a keyboard; Enter checks it (and fills in the order's amount when none is
typed yet) before the customer types the PIN. The charge redeems it."""

from __future__ import annotations

import uuid

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.binding import Binding
from textual.widgets import Input, Label, Select, Static

from kiosk.errors import N_, StoreUnavailable
from kiosk.messages import CardSwiped
from kiosk.money import MoneyError, format_yuan, parse_yuan, plain_yuan
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen, key_hint
from kiosk.screens.form import MONEY, Choice
from kiosk.services import card_status, channel_orders, charge as charging
from kiosk.services import tenders
from kiosk.services.cards import PinLocked, WrongPin
from kiosk.services.catalog import CATEGORIES, DEFAULT_CATEGORY
from kiosk.services.charge import OtherTender, SaleLine
from kiosk.services.insurer_online import NotCharged

# A lost card stays with the cashier: whoever brought it learns nothing more from it.
WITHHELD_AT_COUNTER = frozenset({card_status.CardStatus.LOST})


def card_summary(tr, card, *, full: bool = False) -> list[str]:
    """The card's lines; a lost card's holder and balances only with `full` (the member
    centre, which sees the holder's ID)."""
    status = tr(card_status.NAMES.get(card.status, card.status))
    if card.pin_locked:
        status += f" · {tr('PIN locked')}"
    lines = [f"{tr('Card')} {card.masked_number}   {card.product_name}   {tr('Status')}: {status}"]
    if card.status in WITHHELD_AT_COUNTER and not full:
        return lines
    lines += [
        f"{tr('Holder')} {card.holder or tr('anonymous')}   {tr('Tier')} {card.tier or '-'}   "
        f"{tr('Expires')} {card.expires_on or '-'}",
        # A balance the insurer keeps is its answer, asked when the card was read.
        tr("Balance at the insurer {amount} (deducted online)").format(
            amount=format_yuan(card.principal)) if getattr(card, "at_insurer", False) else
        f"{tr('Principal')} {format_yuan(card.principal)}   {tr('Bonus')} "
        f"{format_yuan(card.bonus)}   {tr('Points')} {card.points}",
    ]
    if card.forbidden_categories:  # an insurance card's rules, before the items are rung
        lines.append(tr("Not for: {categories}").format(categories=card.forbidden_categories))
    if card.tier_offer:  # offered at the counter too; the member centre does it
        lines.append(tr("Tier upgrade due: {tier} (member centre, F4 replace: upgrade)").format(
            tier=card.tier_offer))
    return lines


def refused(card) -> bool:
    """A card the counter must not charge (its refusal is on screen): it takes no amount
    and no PIN, only Esc."""
    return getattr(card, "refusal", None) is not None


class CustomerPinScreen(KioskScreen):
    """What the screens of a swiped card share, where the customer types the PIN: after
    a refusal the PIN is wiped (and has the focus again if it was wrong); Esc goes back
    unless a call is on its way."""

    busy = False

    def failed(self, error) -> None:
        self.busy = False
        self.query_one("#pin", Input).value = ""  # a PIN never stays on screen
        self.say_error(error)
        if isinstance(error, (WrongPin, PinLocked)):
            self.query_one("#pin").focus()

    def action_cancel(self) -> None:
        if not self.busy:
            self.app.pop_screen()


class CardScreen(CustomerPinScreen):
    BINDINGS = [key_hint("enter", N_("Confirm")), ("enter", "tender_chosen", ""),
                Binding("f5", "add_line", N_("Add item line")),
                Binding("f6", "order", N_("Channel order")),
                Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, card, *, member=None, amount: str = "") -> None:
        super().__init__()
        self.card = card
        self.member = member  # the membership card swiped first: it earns the points
        self.typed_amount = amount  # typed on the member screen before this card was swiped
        self.sale_key = f"sale-{uuid.uuid4().hex}"  # made when the sale starts: no double charge
        self.lines: list[SaleLine] = []
        self.busy = False
        self.order_checked: tuple[str, int | None] | None = None  # (order no, sale amount)
        # A split payment offered for this sale total: another tender pays what the card
        # does not hold. None: the card pays all.
        self.split_for: int | None = None
        self.tender_choices: tuple[tuple[str, str], ...] = ()

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        with Vertical(id="card"):
            for line in card_summary(self.tr, self.card):
                yield Static(line, classes="card-line")
            if self.member is not None:
                yield Static(self.tr("Member {card} {holder}: the membership card earns the "
                                     "points").format(card=self.member.masked_number,
                                                      holder=self.member.holder),
                             classes="card-line", id="member")
            if not refused(self.card):  # a refused card's refusal stays; Esc goes back
                yield from self.compose_sale()
        yield from self.compose_keys()

    def compose_sale(self) -> ComposeResult:
        """The amount (with item lines), the split offer, the channel order, the PIN."""
        with Horizontal(classes="row"):
            yield Label(self.tr("Amount"), classes="field-label")
            yield Input(id="amount", max_length=12, restrict=MONEY)
            yield Select([(c, c) for c in CATEGORIES], value=DEFAULT_CATEGORY,
                         id="category", allow_blank=False)
        yield Static("", id="lines")
        with Horizontal(id="split"):
            yield Static("", id="split-text")
        with Horizontal(classes="row"):
            yield Label(self.tr("Channel order"), classes="field-label")
            yield Input(id="order", max_length=64, restrict=r"\S*")
        with Horizontal(classes="row"):
            yield Label(self.tr("Customer PIN"), classes="field-label")
            yield Input(id="pin", password=True, max_length=6, restrict=r"[0-9]*")

    def on_mount(self) -> None:
        if refused(self.card):
            self.say(self.describe(self.card.refusal), error=True)  # before any amount or PIN
            return
        amount = self.query_one("#amount", Input)
        amount.value = self.typed_amount
        amount.focus()

    def lists_key(self, binding: Binding) -> bool:
        return not refused(self.card) or binding.key == "escape"

    def check_action(self, action: str, parameters) -> bool:
        """A refused card's form is not there: only Esc does anything."""
        return not refused(self.card) or action == "cancel"

    def reset(self) -> None:
        for widget in self.query(Input):
            widget.value = ""
        self.order_checked = None

    # -- item lines (insurance cards check categories per line) -----------------------
    def action_add_line(self) -> None:
        amount = self._amount_field()
        if amount is None:
            return
        category = self.query_one("#category", Select).value
        self.lines.append(SaleLine(name=category, category=category, amount=amount))
        amount_field = self.query_one("#amount", Input)
        amount_field.value = ""
        amount_field.focus()  # the next line's amount, typed at once, never into the PIN
        self._show_lines()

    def _show_lines(self) -> None:
        total = sum(line.amount for line in self.lines)
        text = "; ".join(f"{line.category} {format_yuan(line.amount)}" for line in self.lines)
        self.query_one("#lines", Static).update(
            f"{text}   {self.tr('Total')} {format_yuan(total)}" if self.lines else "")

    def _amount_field(self) -> int | None:
        try:
            return parse_yuan(self.query_one("#amount", Input).value)
        except MoneyError as error:
            self.refuse_field("#amount", error)
            return None

    # -- confirm ----------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.busy:
            return  # a second Enter while the first is posting does nothing
        if event.input.id == "amount":
            if (self.lines and not event.value) or self._amount_field() is not None:
                if not self._offer_split():
                    self.say(self.tr("Customer: type your PIN and press Enter."))
                    self.query_one("#pin").focus()
                    self._check_before_pin()
        elif event.input.id == "order":
            self._check_order()
        elif self._order_typed() and self.order_checked != self._order_to_check():
            self._check_order(then_charge=True)  # the order is refused before the PIN is used
        else:
            self._charge()

    def _check_before_pin(self) -> None:
        """What would refuse the sale (a forbidden item, the daily limit) is said while
        the customer is still to type the PIN. The focus stays where it is: digits being
        typed go on into the (cleared) PIN field, never into a visible one."""
        sale = self._sale()
        if sale is not None:
            amount, lines = sale
            self.call(self.passed, charging.check_before_pin, self.app.session,
                      card_number=self.card.number, amount=amount, lines=lines,
                      on_refusal=self._refused_before_pin)

    def _refused_before_pin(self, error) -> None:
        self.query_one("#pin", Input).value = ""
        self.say_error(error)

    # -- the channel order ------------------------------------------------------------
    def action_order(self) -> None:
        if not self.busy:
            self.query_one("#order").focus()
            self.say(self.tr("Type or scan the channel order number and press Enter."))

    def _order_typed(self) -> str:
        return self.query_one("#order", Input).value.strip()

    def _typed_total(self) -> int | None:
        """The sale's amount as typed so far (None if none or not an amount yet)."""
        total = sum(line.amount for line in self.lines)
        try:
            text = self.query_one("#amount", Input).value
            return total + parse_yuan(text) if text else total or None
        except MoneyError:
            return None

    def _order_to_check(self) -> tuple[str, int | None]:
        return self._order_typed(), self._typed_total()

    def _check_order(self, *, then_charge: bool = False) -> None:
        order_no, amount = self._order_to_check()
        if not order_no:
            self.order_checked = None
            self.query_one("#amount" if amount is None else "#pin").focus()
            return
        self.busy = True
        self.call(self._order_checked_then_charge if then_charge else self._order_checked,
                  channel_orders.check, self.app.session, card_number=self.card.number,
                  order_no=order_no, amount=amount, on_refusal=self._order_refused)

    def _order_refused(self, error) -> None:
        self.busy = False
        self.order_checked = None
        self.query_one("#pin", Input).value = ""
        self.refuse_field("#order", error)

    def _order_checked_then_charge(self, result) -> None:
        self._take_order(result)
        self._charge()

    def _order_checked(self, result) -> None:
        self._take_order(result)
        if result.listed:
            self.say(self.tr("Channel order {order}: {amount}, open. Customer: type your PIN "
                             "and press Enter.").format(order=result.order_no,
                                                        amount=format_yuan(result.amount)))
        else:
            self.say(self.tr("Order number {order} goes with the sale (no order list of this "
                             "card's channel to check it on).").format(order=result.order_no))
        self.query_one("#amount" if self._typed_total() is None else "#pin").focus()

    def _take_order(self, result) -> None:
        """The checked order: its amount fills an empty amount field."""
        self.busy = False
        if result.listed and self._typed_total() is None and result.amount is not None:
            self.query_one("#amount", Input).value = plain_yuan(result.amount)
        self.order_checked = self._order_to_check()

    def _sale(self) -> tuple[int, tuple[SaleLine, ...]] | None:
        lines = list(self.lines)
        if self.query_one("#amount", Input).value or not lines:
            amount = self._amount_field()
            if amount is None:
                return None
            category = self.query_one("#category", Select).value
            lines.append(SaleLine(name=category, category=category, amount=amount))
        return sum(line.amount for line in lines), tuple(lines)

    # -- split payment: another tender pays what the card does not hold -------------------
    def _card_holds(self) -> int:
        return self.card.principal + self.card.bonus

    def _offer_split(self) -> bool:
        """When the sale is more than the card holds, offer to take the rest by another
        tender (the chain's tenders, ←/→); True if the offer is on screen."""
        total = self._typed_total()
        if total is not None and total > 0 and self._card_holds() <= 0:
            # Nothing on the card to split with: another tender pays, or a recharge.
            self._drop_split()
            self.refuse_field("#amount", charging.not_enough(self._card_holds(), total))
            return True
        if total is None or total <= self._card_holds() or self._order_typed():
            self._drop_split()
            return False
        if not self.tender_choices:
            self.call(self._tenders_loaded, tenders.choices, self.app.session)
            return True
        self.split_for = total
        split = self.query_one("#split", Horizontal)
        for choice in split.query(Choice):
            choice.remove()
        split.mount(Choice(self.tender_choices, self.tr, id="other-tender"))
        split.display = True
        rest = format_yuan(total - self._card_holds())
        self.query_one("#split-text", Static).update(self.tr(
            "Card pays {card}, the other {rest} by ").format(
                card=format_yuan(self._card_holds()), rest=rest))
        self.say(self.tr("The card holds {card}: take the other {rest} by another tender "
                         "(←/→ chooses), Enter. Esc cancels the sale.").format(
                             card=format_yuan(self._card_holds()), rest=rest))
        self.call_after_refresh(lambda: self.query_one("#other-tender").focus())
        return True

    def _tenders_loaded(self, choices) -> None:
        self.tender_choices = tuple((choice.code, choice.name) for choice in choices
                                    if choice.code != "card")
        if self.tender_choices:
            self._offer_split()
        else:
            self.say(self.tr("Not enough balance on the card."), error=True)

    def _drop_split(self) -> None:
        self.split_for = None
        self.query_one("#split", Horizontal).display = False

    def action_tender_chosen(self) -> None:
        """Enter on the other tender: the customer types the PIN next."""
        choice = self.focused
        if not isinstance(choice, Choice) or self.split_for is None:
            return
        self.say(self.tr("Collect {rest} by {tender}. Customer: type your PIN and press "
                         "Enter.").format(rest=format_yuan(self.split_for - self._card_holds()),
                                          tender=choice.choices[choice.index][1]))
        self.query_one("#pin").focus()

    def _other_tender(self, amount: int) -> OtherTender | None:
        if self.split_for is None:
            return None
        choice = self.query_one("#other-tender", Choice)
        return OtherTender(choice.value, amount - self._card_holds())

    def _charge(self) -> None:
        sale = self._sale()
        if sale is None:
            return
        amount, lines = sale
        if amount > self._card_holds() and self.split_for != amount and self._offer_split():
            return  # the sale changed since the offer: the cashier offers it again
        pin = self.query_one("#pin", Input).value
        self.busy = True
        self.say(self.tr("Charging {amount}...").format(amount=format_yuan(amount)))
        self.call(self._charged, charging.charge, self.app.session, card_number=self.card.number,
                  amount=amount, pin=pin, key=self.sale_key, lines=lines,
                  channel_order_no=self._order_typed() or None,
                  member_card_number=self.member.number if self.member is not None else None,
                  other=self._other_tender(amount), on_refusal=self._charge_refused)

    def _charge_refused(self, error) -> None:
        if isinstance(error, NotCharged):
            # Cancelled at the insurer under this sale's key: charged again, it is a new sale.
            self.sale_key = f"sale-{uuid.uuid4().hex}"
        if not isinstance(error, StoreUnavailable):
            self.failed(error)
            return
        # Whether the store took the sale is not known: ask it, by the sale's key, as
        # soon as it answers (a failover to the standby takes seconds).
        self.query_one("#pin", Input).value = ""  # a PIN never stays on screen
        self.say_error(error)
        self.call(self._charge_checked, charging.posted, self.app.session, self.sale_key,
                  on_refusal=self._charge_still_unknown)

    def _charge_still_unknown(self, error) -> None:
        self.busy = False
        self.say_error(error)  # still unreachable: not known yet, say so

    def _charge_checked(self, result) -> None:
        """The answer to "did the sale the store never confirmed go through?"."""
        self.busy = False
        if result is None:
            self.say(self.tr("The store did not take this sale: nothing was charged. Press "
                             "Enter to charge it again (it never posts twice)."), error=True)
            return
        self._charged(result)

    def _charged(self, result) -> None:
        self.busy = False
        self.query_one("#pin", Input).value = ""  # a PIN never stays on screen
        self.app.switch_screen(registry.result("charge", result, self.card))
        self.app.print_queued()

    def on_card_swiped(self, message: CardSwiped) -> None:
        if refused(self.card):  # its refusal stays: Esc, then the next card
            self.say(self.describe(self.card.refusal), error=True)
            return
        self.say(self.tr("Finish or cancel (Esc) this card first."), error=True)
