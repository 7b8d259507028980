"""Batch recharge lists (批量充值清单): import a CSV/XLSX, then submit, have a second
operator review (F7 shows the list's lines, where the reviewer approves), and run;
every step on the list chosen in the table."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.paging import chosen_row, show_rows
from kiosk.screens.form import Field, FormScreen, MAX_PROBLEMS_SHOWN, path_field
from kiosk.screens.issue_card import TENDER_CHOICES
from kiosk.services import batch_recharge
from kiosk.services.batch_recharge import STATUS_NAMES

class BatchScreen(FormScreen):
    TABLE = True
    BINDINGS = [key_hint("enter", N_("Import")), Binding("f6", "submit_list", N_("Submit")),
                Binding("f7", "review_list", N_("Review")), Binding("f8", "run_list", N_("Run")),
                Binding("f9", "withdraw_list", N_("Withdraw")),
                Binding("delete", "void_list", N_("Void")), Binding("escape", "back", N_("Back"))]

    def fields(self) -> list[Field]:
        samples = self.app.settings.home / "samples"
        return [path_field("path", N_("File (.csv/.xlsx)"), value=f"{samples}/"),
                Field("name", N_("List name"), batch_recharge.MAX_NAME),
                Field("tender", N_("Paid by"), choices=TENDER_CHOICES, value="bank")]

    def __init__(self) -> None:
        super().__init__()
        self.lists: list[batch_recharge.BatchSummary] = []

    def on_mount(self) -> None:
        self.query_one("#path").focus()
        self.refresh_lists()

    def refresh_lists(self) -> None:
        self.call(self._show_lists, batch_recharge.summaries, self.app.session,
                  latest_only=True)

    def submit(self, *, repeat_confirmed: bool = False) -> None:
        self.details("")
        self.call(self._imported, batch_recharge.import_list, self.app.session,
                  self.value("path"), name=self.value("name"), tender=self.value("tender"),
                  repeat_confirmed=repeat_confirmed)

    def failed(self, error) -> None:
        from kiosk.services.prepaid import PurchaseDetailsNeeded
        if isinstance(error, PurchaseDetailsNeeded):
            super().failed(error)
            self._ask_purchase(error)
            return
        if not isinstance(error, batch_recharge.RepeatedList):
            super().failed(error)
            return

        def confirmed(yes: bool) -> None:
            if yes:
                self.submit(repeat_confirmed=True)
        self.app.push_screen(registry.confirm(
            self.describe(error) + " " + self.tr("Import it again?")), confirmed)

    def _imported(self, number: int) -> None:
        self.say(self.tr("List #{number} imported as a draft; check it, then submit "
                         "(F6).").format(number=number))
        self.refresh_lists()

    def selected(self) -> batch_recharge.BatchSummary | None:
        return chosen_row(self, self.lists, N_("Choose a list in the table first."))

    def action_submit_list(self) -> None:
        self._change_status(batch_recharge.submit)

    def action_withdraw_list(self) -> None:
        self._change_status(batch_recharge.withdraw)

    def action_void_list(self) -> None:
        self._change_status(batch_recharge.void)

    def _change_status(self, change) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.call(self._status_changed, change, self.app.session, chosen.batch_id)

    def _status_changed(self, _) -> None:
        """A list submitted, reviewed, withdrawn or voided."""
        self.say(self.tr("Done."))
        self.refresh_lists()

    def action_review_list(self) -> None:
        """The list's lines first: the reviewer approves (F7 there) what they have read."""
        chosen = self.selected()
        if chosen is None:
            return

        def back(reviewed: bool) -> None:
            if reviewed:
                self._status_changed(None)
        self.app.push_screen(registry.batch_lines(chosen), back)

    def action_run_list(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return

        def confirmed(yes: bool) -> None:
            if yes:
                self.say(self.tr("Posting..."))
                self.call(self._posted, batch_recharge.run, self.app.session, chosen.batch_id)
        self.app.push_screen(registry.confirm(self.tr(
            "Post list #{number}: {count} cards, {total} in all?").format(
            number=chosen.batch_id, count=chosen.lines, total=format_yuan(chosen.total))),
            confirmed)

    def _ask_purchase(self, error) -> None:
        """A list refused by the prepaid card rules: record its buyer and accounts
        (预付卡规定), then submit it again."""
        chosen = self.selected()
        if chosen is None:
            return

        def recorded(purchase) -> None:
            if purchase is not None:
                self.call(self._purchase_recorded, batch_recharge.set_purchase,
                          self.app.session, chosen.batch_id, purchase)
        self.app.push_screen(registry.purchase(self.describe(error), "company"), recorded)

    def _purchase_recorded(self, _) -> None:
        self.say(self.tr("Purchase recorded; submit the list again (F6)."))
        self.refresh_lists()

    def _posted(self, report: batch_recharge.RunReport) -> None:
        self.say(self.tr("Posted {posted}, already posted {already}, failed {failed}.").format(
            posted=report.posted, already=report.already_posted, failed=len(report.failed)),
            error=bool(report.failed))
        self.details("\n".join(
            f"{self.tr('line {line}: ').format(line=line)}{self.describe(error)}"
            for line, error in report.failed[:MAX_PROBLEMS_SHOWN]))
        self.app.print_queued()
        self.refresh_lists()

    def _show_lists(self, lists) -> None:
        self.lists = lists
        show_rows(self.query_one(DataTable), [
            "#", self.tr("List name"), self.tr("Status"), self.tr("Cards"), self.tr("Total"),
            self.tr("Posted"), self.tr("By"), self.tr("Reviewer")], [
            [str(row.batch_id), row.name, self.tr(STATUS_NAMES.get(row.status, row.status)),
             str(row.lines), format_yuan(row.total), str(row.posted), row.created_by,
             row.reviewed_by] for row in lists])

    def action_back(self) -> None:
        self.app.pop_screen()
