"""Issue sub cards (办理副卡), several at once: the main card, or the customer's code; how
many; one fee and one deposit for every card (the later cards' are the first's); the
customer's PIN twice. F6 checks the main card's room: past the product's limit it asks
"continue issuing?", then writes the blanks one after another (F8 instead binds smart
cards, one per press, as each is put on the reader); Enter issues them all in
one operation (one review when the limit is passed or the fee changed), and the receipt
lists the cards."""

from __future__ import annotations

import uuid

from textual.binding import Binding

from kiosk.errors import N_
from kiosk.money import format_yuan, plain_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.form import DIGITS, Field, FormScreen, money_field, pin_field
from kiosk.screens.issue_card import INVOICE_CHOICES, TENDER_CHOICES, fee_deposit_and_pin
from kiosk.services import sub_cards


class SubCardIssueScreen(FormScreen):
    HEADING = N_("Issue sub cards")
    BINDINGS = [key_hint("enter", N_("Next/issue")), Binding("f6", "write", N_("Write the cards")),
                Binding("f8", "bind", N_("Bind smart cards")),
                Binding("escape", "back", N_("Back"))]

    def __init__(self, *, main_number: str = "", customer_code: str = "") -> None:
        super().__init__()
        self.main_number, self.customer_code = main_number, customer_code
        self.room: sub_cards.SubCardRoom | None = None
        self.wanted = 0
        self.written: list[str] = []
        self.binding = False  # smart cards bound on the reader, not blanks written
        self.key = f"{type(self).__name__}-{uuid.uuid4().hex}"

    def fields(self) -> list[Field]:
        return [Field("customer", N_("Customer code"), 20, value=self.customer_code),
                Field("main_card", N_("Main card number"), 32, DIGITS, value=self.main_number),
                Field("count", N_("How many"), 2, DIGITS, value="1"),
                money_field("fee", N_("Fee of each card")),
                Field("invoice", N_("Service-fee invoice"), choices=INVOICE_CHOICES),
                money_field("deposit", N_("Deposit of each")),
                Field("tender", N_("Paid by"), choices=TENDER_CHOICES),
                pin_field("pin", N_("Customer PIN")), pin_field("pin2", N_("PIN again"))]

    def on_mount(self) -> None:
        self.query_one("#count").focus()
        if self.main_number or self.customer_code:
            self.check_room()

    def on_input_submitted(self, event) -> None:
        """Enter on the customer's code or the main card shows that card's room (then
        the form moves on as usual)."""
        if event.input.id in ("customer", "main_card") and event.value.strip():
            self.check_room()

    def check_room(self) -> None:
        self.call(self._room_checked, sub_cards.room, self.app.session,
                  main_number=self.value("main_card"), customer_code=self.value("customer"))

    def _room_checked(self, room: sub_cards.SubCardRoom) -> None:
        first_time = self.room is None or self.room.main_number != room.main_number
        self.room = room
        self.set_value("main_card", room.main_number)
        if first_time:
            self.set_value("fee", plain_yuan(room.fee))
            self.set_value("deposit", plain_yuan(room.deposit))
        self.show_progress()

    def show_progress(self) -> None:
        room = self.room
        if room is None:
            return
        self.details(self.tr(
            "Main card {card} ({product}): {in_use} sub cards, the product allows {limit}. "
            "Written: {written} of {wanted}.").format(
            card=room.main_number, product=room.product_name, in_use=room.in_use,
            limit=room.limit, written=len(self.written), wanted=self.wanted or "-"))

    def _count(self) -> int | None:
        try:
            count = int(self.value("count") or "0")
        except ValueError:
            count = 0
        if not 1 <= count <= sub_cards.MOST_AT_ONCE:
            self.say(self.tr("How many: 1 to {most}.").format(most=sub_cards.MOST_AT_ONCE),
                     error=True)
            self.query_one("#count").focus()
            return None
        return count

    # -- writing ------------------------------------------------------------------------
    def action_write(self, binding: bool = False) -> None:
        """The room is checked first; past the limit the clerk confirms, then the blanks
        are written one after another."""
        count = self._count()
        if count is None:
            return
        if self.written and binding != self.binding:
            self.say(self.tr("Finish the cards begun ({count} done) the same way.").format(
                count=len(self.written)), error=True)
            return
        if binding and self.written and len(self.written) < self.wanted:
            self.write_next()  # the next smart card is on the reader
            return
        self.wanted, self.binding = count, binding
        self.call(self._room_before_writing, sub_cards.room, self.app.session,
                  main_number=self.value("main_card"), customer_code=self.value("customer"))

    def action_bind(self) -> None:
        self.action_write(binding=True)

    def _room_before_writing(self, room: sub_cards.SubCardRoom) -> None:
        self._room_checked(room)
        if not room.over_limit(self.wanted):
            self.write_next()
            return

        def answered(yes) -> None:
            if yes:
                self.write_next()
        self.app.push_screen(registry.confirm(self.tr(
            "Main card {card} has {in_use} sub cards and the product allows {limit}: {count} "
            "more passes the limit. Continue issuing (a supervisor reviews)?").format(
            card=room.main_number[-4:], in_use=room.in_use, limit=room.limit,
            count=self.wanted)), answered)

    def write_next(self) -> None:
        if len(self.written) >= self.wanted:
            self.say(self.tr("{count} cards written and read back. Customer: type a new PIN "
                             "twice, then Enter.").format(count=len(self.written)))
            self.query_one("#pin").focus()
            return
        if self.binding:
            self.say(self.tr("Reading smart card {number} of {count}...").format(
                number=len(self.written) + 1, count=self.wanted))
            self.call(self._written, sub_cards.bind_next, self.app.session,
                      self.app.devices.card_reader, self.room.main_number)
            return
        self.say(self.tr("Swipe blank card {number} of {count} through the writer...").format(
            number=len(self.written) + 1, count=self.wanted))
        self.call(self._written, sub_cards.write_next, self.app.session,
                  self.app.devices.writer, self.room.main_number)

    def _written(self, number: str) -> None:
        self.written.append(number)
        self.show_progress()
        if self.binding and len(self.written) < self.wanted:
            self.say(self.tr("Smart card {number} of {count} bound to {card}. Put the next "
                             "one on the reader, then F8.").format(
                number=len(self.written), count=self.wanted, card=number))
            return
        self.write_next()

    # -- issuing ------------------------------------------------------------------------
    def submit(self) -> None:
        if not self.written or len(self.written) < self.wanted:
            self.say(self.tr("Write the cards (F6) first."), error=True)
            return
        money = fee_deposit_and_pin(self)
        if money is None:
            return
        fee, deposit = money
        batch = sub_cards.SubCardBatch(tuple(self.written), self.value("pin"), fee, deposit,
                                       main_number=self.room.main_number,
                                       tender=self.value("tender"),
                                       invoice=self.value("invoice") == "yes")
        self.say(self.tr("Issuing..."))
        self.call(self._issued, sub_cards.issue_sub_cards, self.app.session, batch,
                  key=self.key, review=self.review)

    def _issued(self, result: sub_cards.SubCardsIssued) -> None:
        self.clear_secrets()
        lines = [self.tr("{count} sub cards of main card …{card}: {numbers}").format(
                     count=len(result.card_numbers), card=result.main_number[-4:],
                     numbers=" ".join(f"…{n[-4:]}" for n in result.card_numbers)),
                 f"{self.tr('Fee of each card')} {format_yuan(result.fee)}   "
                 f"{self.tr('Deposit of each')} {format_yuan(result.deposit)}   "
                 f"{self.tr('Amount')} {format_yuan(result.amount)}",
                 self.tr("The receipt lists the cards."),
                 f"{self.tr('Journal no.')} #{result.operation_id}"]
        self.app.switch_screen(registry.outcome(self.tr("Sub cards issued"), lines,
                                             replayed=result.replayed))
        self.app.print_queued()

    def action_back(self) -> None:
        self.app.pop_screen()
