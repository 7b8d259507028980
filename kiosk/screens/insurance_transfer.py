"""Insurance card to stored value (保险卡转储值卡): the outlet files a request for an
insurance charge; finance approves (F7) or rejects (F8); approval texts the member, and
F6 texts them again when that failed; F9 prints the month's list with the endorsement
text."""

from __future__ import annotations


from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.messages import CardSwiped
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.paging import chosen_row, show_rows
from kiosk.screens.form import DIGITS, Field, FormScreen
from kiosk.services import directory, insurance_transfers
from kiosk.services.insurance_transfers import STATUS_NAMES
from kiosk.services.operations import mask_card_number


class InsuranceTransferScreen(FormScreen):
    HEADING = N_("INSURANCE CARD TO STORED VALUE")
    DETAILS, TABLE = False, True
    BINDINGS = [key_hint("enter", N_("File request (on the card)")),
                Binding("f7", "decide(True)", N_("Approve")),
                Binding("f8", "decide(False)", N_("Reject")),
                Binding("f6", "tell_again", N_("SMS again")),
                Binding("f9", "print_month", N_("Print month list")),
                Binding("escape", "back", N_("Back"))]

    def fields(self) -> list[Field]:
        month = directory.outlet_today(self.app.session).strftime("%Y-%m")  # the outlet's
        return [Field("charge", N_("Charge journal no."), 12, DIGITS),
                Field("target", N_("Stored-value card"), 32, DIGITS),
                Field("month", N_("Month (YYYY-MM)"), 7, r"[0-9-]*", value=month),
                Field("reason", N_("Reason (reject)"), 200)]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[insurance_transfers.TransferRow] = []

    def on_mount(self) -> None:
        self.query_one("#charge").focus()
        self.load()

    def load(self) -> None:
        self.call(self._show, insurance_transfers.listing, self.app.session, latest_only=True)

    def submit(self) -> None:
        if not self.value("charge").isdigit():
            self.say(self.tr("Type the journal number of the insurance charge."), error=True)
            self.query_one("#charge").focus()
            return
        if not self.value("target"):
            self.say(self.tr("Swipe or type the member's stored-value card."), error=True)
            self.query_one("#target").focus()
            return
        self.call(self._filed, insurance_transfers.file_request, self.app.session,
                  charge_operation_id=int(self.value("charge")),
                  target_card_number=self.value("target"))

    def on_input_submitted(self, event) -> None:
        """Enter on the charge moves to the card, Enter on the card files the request;
        the month and the reason belong to F9 and F8, and Enter there says so."""
        event.prevent_default()  # Textual would also call FormScreen's handler
        event.stop()
        if event.input.id == "charge":
            self.query_one("#target").focus()
        elif event.input.id == "target":
            self.submit()
        elif event.input.id == "month":
            self.say(self.tr("F9 prints the approved transfers of this month."))
        else:
            self.say(self.tr("Choose a request in the table, then F8 rejects it with "
                             "this reason."))

    def on_card_swiped(self, message: CardSwiped) -> None:
        """The member's stored-value card swiped: it is the target; with the charge
        typed, the request is filed."""
        number = self.swiped_number(message)
        if number:
            self.set_value("target", number)
            self.submit()

    def action_decide(self, approve: bool) -> None:
        row = chosen_row(self, self.rows, N_("Choose a request in the table first."))
        if row is None:
            return
        question = (N_("Approve request #{number}: {amount} from {insurance} to {card}?")
                    if approve else
                    N_("Reject request #{number} ({amount} from {insurance} to {card})?"))

        def confirmed(yes: bool) -> None:
            if yes:
                self.call(self._decided, insurance_transfers.decide, self.app.session,
                          row.request_id, approve=approve, reason=self.value("reason"),
                          sender=self.app.devices.code_sender)

        def ask(_) -> None:  # only someone who may decide is asked to confirm
            if not approve and not self.value("reason"):  # then the reason (F8)
                self.say(self.tr("Type the reason for the rejection first."), error=True)
                self.query_one("#reason").focus()
                return
            self.app.push_screen(registry.confirm(self.tr(question).format(
                number=row.request_id, amount=format_yuan(row.amount),
                insurance=mask_card_number(row.insurance_card),
                card=mask_card_number(row.target_card))), confirmed)
        self.call(ask, insurance_transfers.check_decidable, self.app.session, row.request_id,
                  self.value("reason"))

    def action_tell_again(self) -> None:
        """The chosen approved transfer's SMS to the member, sent again."""
        row = chosen_row(self, self.rows, N_("Choose a request in the table first."))
        if row is not None:
            self.call(self._decided, insurance_transfers.tell_again, self.app.session,
                      row.request_id, self.app.devices.code_sender)

    def action_print_month(self) -> None:
        self.call(self._printed, insurance_transfers.print_monthly_list, self.app.session,
                  self.app.devices.printer, self.value("month"))

    def _printed(self, count: int) -> None:
        self.say(self.tr("{count} approved transfers printed.").format(count=count))

    def _filed(self, request_id: int) -> None:
        self.say(self.tr("Request #{number} filed; finance approves it.").format(
            number=request_id))
        self.load()

    def _decided(self, decision) -> None:
        text = self.tr("Decided: {status}.").format(
            status=self.tr(STATUS_NAMES[decision.status]))
        if decision.told_phone:  # the member texted that the transfer is credited
            text += " " + self.tr("The member was told by SMS ({phone}).").format(
                phone=decision.told_phone)
        if decision.tell_problem is not None:
            text += " " + self.describe(decision.tell_problem)
        self.say(text, error=decision.tell_problem is not None)
        self.app.print_queued()
        self.load()

    def _show(self, rows) -> None:
        self.rows = rows
        show_rows(self.query_one(DataTable), [
            "#", self.tr("Charge"), self.tr("From card"), self.tr("To card"),
            self.tr("Amount"), self.tr("Status"), self.tr("SMS"), self.tr("Endorsement")], [
            # The cards by their last four: the endorsement (泰康卡转储值卡23.50元) whole
            # at 80 columns.
            [str(row.request_id), f"#{row.charge_operation_id}",
             f"…{row.insurance_card[-4:]}", f"…{row.target_card[-4:]}",
             format_yuan(row.amount), self.tr(STATUS_NAMES[row.status]),
             self.tr("sent") if row.told else ("-" if row.status != "approved"
                                                else self.tr("not sent")),
             row.endorsement]
            for row in rows], keep_cursor=True)

    def action_back(self) -> None:
        self.app.pop_screen()
