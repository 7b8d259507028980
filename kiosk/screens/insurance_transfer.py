"""Insurance card to stored value (保险卡转储值卡): the outlet files a request for an
insurance charge; finance approves (F7) or rejects (F8); F9 prints the month's list
with the endorsement text."""

from __future__ import annotations


from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.messages import WorkDone
from kiosk.money import format_yuan
from kiosk.screens.paging import row_under_cursor
from kiosk.screens.form import DIGITS, Field, FormScreen
from kiosk.services import insurance_transfers
from kiosk.services.insurance_transfers import STATUS_NAMES
from kiosk.services.operations import mask_card_number


class InsuranceTransferScreen(FormScreen):
    HEADING = N_("INSURANCE CARD TO STORED VALUE")
    DETAILS, TABLE = False, True
    KEYS = [("Enter", N_("File request")), ("F7", N_("Approve")), ("F8", N_("Reject")),
            ("F9", N_("Print month list")), ("Esc", N_("Back"))]
    BINDINGS = [("escape", "back", ""), ("f7", "decide(True)", ""), ("f8", "decide(False)", ""),
                ("f9", "print_month", "")]

    def fields(self) -> list[Field]:
        month = self.app.session.now().strftime("%Y-%m")
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
        self.call("list", insurance_transfers.listing, self.app.session)

    def submit(self) -> None:
        if not self.value("charge").isdigit():
            self.say(self.tr("Type the journal number of the insurance charge."), error=True)
            return
        self.call("file", insurance_transfers.file_request, self.app.session,
                  charge_operation_id=int(self.value("charge")),
                  target_card_number=self.value("target"))

    def on_input_submitted(self, event) -> None:
        event.prevent_default()  # Textual would also call FormScreen's handler
        if event.input.id in ("month", "reason"):
            event.stop()
            return  # used by F8/F9, not a new request
        super().on_input_submitted(event)

    def action_decide(self, approve: bool) -> None:
        row = row_under_cursor(self.query_one(DataTable), self.rows)
        if row is None:
            self.say(self.tr("Choose a request in the table first."), error=True)
            return
        self.call("decide", insurance_transfers.decide, self.app.session, row.request_id,
                  approve=approve, reason=self.value("reason"),
                  sender=self.app.devices.code_sender)

    def action_print_month(self) -> None:
        self.call("print", insurance_transfers.print_monthly_list, self.app.session,
                  self.app.devices.printer, self.value("month"))

    def on_work_done(self, message: WorkDone) -> None:
        if message.error is not None:
            self.refused(message.error)
            return
        if message.task == "list":
            self._show(message.result)
            return
        if message.task == "print":
            self.say(self.tr("{count} approved transfers printed.").format(count=message.result))
            return
        if message.task == "file":
            self.say(self.tr("Request #{number} filed; finance approves it.").format(
                number=message.result))
        else:
            decision = message.result
            text = self.tr("Decided: {status}.").format(
                status=self.tr(STATUS_NAMES[decision.status]))
            if decision.told_phone:
                text += " " + self.tr("The member was told by SMS ({phone}).").format(
                    phone=decision.told_phone)
            if decision.tell_problem is not None:
                text += " " + self.describe(decision.tell_problem)
            self.say(text, error=decision.tell_problem is not None)
            self.app.print_queued()
        self.load()

    def _show(self, rows) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("#", self.tr("Charge"), self.tr("Insurance card"), self.tr("Card"),
                          self.tr("Amount"), self.tr("Status"), self.tr("Endorsement"))
        for row in rows:
            table.add_row(str(row.request_id), f"#{row.charge_operation_id}",
                          mask_card_number(row.insurance_card), mask_card_number(row.target_card),
                          format_yuan(row.amount), self.tr(STATUS_NAMES[row.status]),
                          row.endorsement)

    def action_back(self) -> None:
        self.app.pop_screen()
