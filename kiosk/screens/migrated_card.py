"""A migrated old card's record (迁移记录): the member and the card credited, the amount
and points moved, who migrated it and when, the remarks, and the vouchers attached
(name, type, size); Enter or F5 saves the voucher under the cursor to the data
directory's reports folder, to open or hand on."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import format_yuan
from kiosk.screens.base import key_hint
from kiosk.screens.form import FormScreen
from kiosk.screens.paging import show_rows
from kiosk.services import migration


class MigratedCardScreen(FormScreen):
    TABLE = True
    BINDINGS = [key_hint("enter", N_("Save voucher")),
                Binding("f5", "save_voucher", N_("Save voucher")),
                Binding("escape", "back", N_("Back"))]

    def __init__(self, legacy_number: str, mode: str) -> None:
        super().__init__()
        self.legacy_number, self.mode = legacy_number, mode
        self.rows: list[migration.VoucherFile] = []

    def heading(self) -> str:
        return self.tr("Old card {number}: migration record").format(
            number=self.legacy_number)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.call(self._shown, migration.migrated_record, self.app.session,
                  self.legacy_number, mode=self.mode)

    def _shown(self, record: migration.MigratedCardRecord) -> None:
        self.rows = record.vouchers
        tr = self.tr
        self.details("\n".join([
            f"{tr('Member')}: {record.member_name} {record.member_phone}   "
            f"{tr('Credited to')}: {record.card_number}",
            f"{tr('Amount')} {format_yuan(record.balance)}   {tr('Points')} {record.points}   "
            f"{tr('Journal no.')} #{record.operation_id}",
            f"{tr('By')} {record.operator_name}   {record.migrated_at}   "
            f"{tr('Outlet')} {record.outlet_code}",
            f"{tr('Remarks')}: {record.remarks or '-'}"]))
        show_rows(self.query_one(DataTable), [tr("Voucher"), tr("Type"), tr("Size")],
                  [[row.name, row.kind, tr("{size} KB").format(size=max(1, row.size // 1024))]
                   for row in self.rows])
        self.say(tr("{count} vouchers. Enter saves the one under the cursor.").format(
            count=len(self.rows)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_save_voucher()

    def action_save_voucher(self) -> None:
        cursor = self.query_one(DataTable).cursor_row
        if not self.rows or cursor is None or cursor >= len(self.rows):
            self.say(self.tr("This old card has no vouchers."), error=True)
            return
        self.call(self.say_saved, migration.save_voucher, self.app.session, self.legacy_number,
                  self.rows[cursor].name, mode=self.mode)

    def action_back(self) -> None:
        self.app.pop_screen()
