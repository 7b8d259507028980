"""Card services at the member centre: swipe or type a card, see it, then pick what to
do with it. Each action has its own screen (card_actions.py); this one reloads the card
when the action is done, so the clerk sees the new state."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from kiosk.errors import KioskError, N_
from kiosk.messages import CardSwiped
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import KeyBar, KioskScreen, key_hint
from kiosk.screens.card import card_summary
from kiosk.services import card_care, cards
from kiosk.services.card_status import CardStatus

# Listed under the card, wrapped between entries at any width (F10 named for the card).
ACTIONS = (("F1", N_("Transfer")), ("F2", N_("Recharge")), ("F3", N_("Loss / found")),
           ("F4", N_("Replace/upgrade")), ("F5", N_("PIN")), ("F6", N_("Limits")),
           ("F7", N_("Clearing")), ("F8", N_("Sub cards")), ("F9", N_("Holder, details")))
REFUND, REACTIVATE = N_("Refund"), N_("Reactivate")
ACTION_CHECKS = {"f8": cards.ensure_allocates, "f1": cards.ensure_holder_moves_money,
                 "f2": cards.ensure_holder_moves_money, "f7": cards.ensure_holder_moves_money,
                 "f10": cards.ensure_holder_moves_money}
ACTION_SCREENS = {"f2": registry.recharge, "f4": registry.replace_card, "f5": registry.card_pin,
                  "f6": registry.card_limits, "f7": registry.clearing, "f8": registry.sub_cards,
                  "f10": registry.balance_refund, "f1": registry.transfer}


class CardServiceScreen(KioskScreen):
    # The action keys are listed above the key bar, in the card's panel (ACTIONS).
    BINDINGS = [key_hint("enter", N_("Look up")), Binding("escape", "back", N_("Back")),
                ("f3", "toggle_loss", ""), ("f9", "name_holder", ""),
                ("f10", "refund_or_reactivate", "")] + [
        (key, f"act('{key}')", "") for key in ACTION_SCREENS if key != "f10"]

    def __init__(self) -> None:
        super().__init__()
        self.card: cards.CardView | None = None
        self.follow_replacement = False

    def compose(self) -> ComposeResult:
        yield from self.compose_status()
        yield Static(self.tr("CARD SERVICES"), id="title")
        with Vertical(id="form"):
            yield Static(self.tr("Swipe the card, or type its number and press Enter."))
            yield Input(id="number", max_length=32, restrict=r"[0-9 ]*",
                        placeholder=self.tr("Card number"))
            yield Static("", id="summary")
            yield KeyBar([], self.tr, id="actions")
        yield from self.compose_keys()

    def on_mount(self) -> None:
        self.query_one("#number").focus()

    def on_screen_resume(self) -> None:
        if self.card is not None:
            self.follow_replacement = True  # after a replacement, show the new card
            self.load(self.card.number)

    def load(self, number: str) -> None:
        self.call(self.show, cards.look_up, self.app.session, number,
                  on_refusal=lambda error: self.refuse_field("#number", error))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        number = "".join(event.value.split())
        if number:
            self.load(number)

    def on_card_swiped(self, message: CardSwiped) -> None:
        number = self.swiped_number(message)
        if number:
            self.load(number)

    def _changed(self, _result=None) -> None:
        """An action done on this screen: the card as it is now, and "Done."."""
        self.load(self.card.number)
        self.say(self.tr("Done."))

    def _loss_changed(self, result) -> None:
        if result.slip_printed:
            self._changed()
            return
        self.load(self.card.number)
        self.say(self.tr("Done, but the slip did not print: {reason}").format(
            reason=self.describe(result.print_problem)), error=True)

    def show(self, card: cards.CardView) -> None:
        if card.replaced_by and self.follow_replacement:
            self.follow_replacement = False
            self.load(card.replaced_by)
            return
        self.follow_replacement = False
        # The same card shown again (reloaded after an action, or when a prompt closes)
        # keeps what the action said: a refusal or "Done." is not wiped by the reload.
        same_card = self.card is not None and self.card.number == card.number
        self.card = card
        number = self.query_one("#number", Input)
        number.value = card.number
        if number.has_focus:
            number.select_all()  # the next card typed replaces this one's number
        lines = card_summary(self.tr, card, full=True)
        self.query_one("#summary", Static).update("\n".join(lines))
        self.query_one("#actions", KeyBar).show_keys(
            [*ACTIONS, ("F10", REACTIVATE if self._expired() else REFUND)])
        if not same_card:
            self.say("")

    def _need_card(self) -> bool:
        if self.card is None:
            self.say(self.tr("Swipe or type a card first."), error=True)
            return False
        return True

    def action_act(self, key: str) -> None:
        if not self._need_card() or not self._allowed(ACTION_CHECKS.get(key)):
            return
        self.app.push_screen(ACTION_SCREENS[key](self.card))

    def action_toggle_loss(self) -> None:
        """挂失 / 止挂, after the holder's ID is checked: the one line says which card and
        what it holds, and the slip is printed for the holder."""
        if not self._need_card():
            return
        # An anonymous card is refused before the holder's ID is asked for.
        self.call(self._ask_holder_for_loss, card_care.check_loss_possible, self.app.session,
                  self.card.number)

    def _ask_holder_for_loss(self, _) -> None:
        found = self.card.status == "lost"
        change = card_care.cancel_loss if found else card_care.report_loss
        question = (N_("Card found (止挂) {card} {holder}, balance {balance}: the last four of "
                       "the holder's ID number (or phone)") if found else
                    N_("Report lost (挂失) {card} {holder}, balance {balance}: the last four "
                       "of the holder's ID number (or phone)"))

        def checked(holder_check) -> None:
            if holder_check:
                self.call(self._loss_changed, change, self.app.session, self.card.number,
                          holder_check, self.app.devices.printer)
        self.app.push_screen(registry.ask(self.tr(question).format(
            card=self.card.masked_number, holder=self.card.holder or self.tr("anonymous"),
            balance=format_yuan(self.card.principal + self.card.bonus)),
            max_length=4, restrict=r"[0-9Xx]*"), checked)

    def _allowed(self, check) -> bool:
        """Say at once why this card cannot take the action, rather than open its form."""
        try:
            check and check(self.card)
        except KioskError as error:
            self.say_error(error)
            return False
        return True

    def action_name_holder(self) -> None:
        """F9: an anonymous card is named; a named card's details are changed (卡资料修改,
        with review)."""
        if not self._need_card():
            return
        if not self.card.anonymous:
            self.app.push_screen(registry.card_details(self.card))
            return
        from kiosk.services import issuing

        def chosen(member) -> None:
            if member is not None:
                self.call(self._changed, issuing.name_anonymous_card, self.app.session,
                          self.card.number, member[0])
        self.app.push_screen(registry.member_pick(), chosen)

    def _expired(self) -> bool:
        return self.card is not None and self.card.status == CardStatus.EXPIRED

    def action_refund_or_reactivate(self) -> None:
        """F10: an expired card is made valid again (its balance is never forfeited);
        any other card goes to the refunds that keep it."""
        if not self._need_card():
            return
        if self._expired():
            self.action_reactivate()
        else:
            self.action_act("f10")

    def action_reactivate(self) -> None:
        """激活: an expired prepaid card valid again, its balance untouched, after one
        line naming the card and its balance."""
        if not self._need_card():
            return
        from kiosk.services import prepaid
        card = self.card

        self.call_if_confirmed(self.tr(
            "Reactivate expired card {card} {holder}, balance {balance} (kept)?").format(
                card=card.masked_number, holder=card.holder or self.tr("anonymous"),
                balance=format_yuan(card.principal + card.bonus)),
            self._reactivated, prepaid.reactivate, self.app.session, card.number)

    def _reactivated(self, expires) -> None:
        self.load(self.card.number)
        self.say(self.tr("Reactivated: valid until {day}.").format(day=expires) if expires
                 else self.tr("Reactivated, with no expiry."))

    def action_back(self) -> None:
        self.app.pop_screen()
