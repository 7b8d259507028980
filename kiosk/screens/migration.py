"""Physical card migration (实体卡迁移): import the old system's balances, filter them,
and migrate one onto a member's stored-value card with the member's SMS code."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from kiosk.errors import N_
from kiosk.money import MoneyError, format_yuan, parse_yuan
from kiosk.screens import registry
from kiosk.screens.base import key_hint
from kiosk.screens.paging import PAGE_BINDINGS, PagedRows, show_rows
from kiosk.screens.member_search import PicksMember
from kiosk.screens.form import DIGITS, Field, FormScreen, MONEY, mode_field, path_field
from kiosk.services import migration
from kiosk.services.migration import LegacyFilter, MigrationRequest

MIGRATED_CHOICES = (("no", N_("not migrated")), ("yes", N_("migrated")), ("all", N_("all")))


class MigrationScreen(PagedRows, FormScreen):
    BINDINGS = [key_hint("enter", N_("Filter/migrate")),
                Binding("f5", "import_file", N_("Import file")), *PAGE_BINDINGS,
                Binding("escape", "back", N_("Back"))]
    PAGE_SIZE = migration.PAGE
    SUBMIT_FROM_ANY = True
    TABLE = True

    def fields(self) -> list[Field]:
        samples = self.app.settings.home / "samples"
        return [path_field("path", N_("Import file"), value=f"{samples}/legacy-cards.csv"),
                Field("number", N_("Number starts"), 32),
                Field("card_type", N_("Card type"), 30),
                Field("min_balance", N_("Balance from"), 12, MONEY),
                Field("max_balance", N_("Balance to"), 12, MONEY),
                Field("old_status", N_("Old status"), 20),
                Field("migrated", N_("Migrated"), choices=MIGRATED_CHOICES), mode_field()]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[migration.LegacyRow] = []
        self.to_the_list = False  # a listing asked for with Enter puts the cursor on it

    def on_mount(self) -> None:
        self.query_one("#number").focus()
        self.submit()

    def on_screen_resume(self) -> None:
        self.load_page()

    def _balance(self, name: str) -> int | None:
        text = self.value(name)
        return parse_yuan(text, allow_zero=True) if text else None

    def submit(self) -> None:
        self.to_the_list = True
        self.first_page()

    def load_page(self) -> None:
        try:
            low, high = self._balance("min_balance"), self._balance("max_balance")
        except MoneyError as error:
            self.say_error(error)
            return
        self.listed_with = self._filters()
        migrated = {"no": False, "yes": True, "all": None}[self.value("migrated")]
        rules = LegacyFilter(self.value("card_type"), self.value("number"), low, high,
                             self.value("old_status"), migrated)
        self.call(self._listed, migration.listing, self.app.session, rules, page=self.page,
                  mode=self.value("mode"))

    def action_import_file(self) -> None:
        self.details("")
        self.call(self._imported, migration.import_balances, self.app.session,
                  self.value("path"))

    def _imported(self, count: int) -> None:
        self.details(self.tr("{count} old cards imported.").format(count=count))
        self.load_page()

    def _listed(self, rows) -> None:
        self.rows = rows
        show_rows(self.query_one(DataTable),
                  [self.tr(title) for title in ("Old card", "Card type", "Balance", "Points",
                                                "Outlet", "Status", "Migrated", "By")],
                  [[row.number, row.card_type, format_yuan(row.balance), str(row.points),
                    row.outlet_code,
                    row.status, row.migrated_at.strftime("%Y-%m-%d") if row.migrated_at else "",
                    row.operator_name] for row in rows])
        self.say(self.tr("Page {page}: {count} old cards. Enter migrates the one chosen, or "
                         "shows its record once migrated.").format(page=self.page + 1,
                                                                   count=len(rows)))
        if self.to_the_list and rows and not self._typing_a_filter():
            self.query_one(DataTable).focus()  # Enter migrates; Shift+Tab back to the filters
        self.to_the_list = False

    def _typing_a_filter(self) -> bool:
        """Keys typed into a filter while the list loaded keep their field."""
        return self._filters() != self.listed_with

    def _filters(self) -> list[str]:
        return [self.value(field.name) for field in self.fields()[1:]]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.selected_row()
        if row is None:
            return
        if row.migrated_at is not None:  # its record: member, vouchers, remarks
            self.app.push_screen(registry.migrated_card(row.number, self.value("mode")))
            return
        self.app.push_screen(registry.migrate_one(row))

    def action_back(self) -> None:
        self.app.pop_screen()


class MigrateOneScreen(PicksMember, FormScreen):
    BINDINGS = [key_hint("enter", N_("Next/migrate")),
                Binding("f4", "find_member", N_("Find member")),
                Binding("f5", "new_member", N_("New member")),
                Binding("f6", "send_code", N_("Send code")), Binding("escape", "back", N_("Back"))]

    def fields(self) -> list[Field]:
        voucher = self.app.settings.home / "samples" / "voucher.png"
        return [Field("phone", N_("Member phone"), 20, r"[0-9+\- ]*"),
                Field("code", N_("SMS code"), 6, DIGITS),
                Field("vouchers", N_("Vouchers (a,b,..)"), 1000,
                      value=str(voucher) if voucher.exists() else ""),
                Field("remarks", N_("Remarks"), migration.MAX_REMARKS)]

    def __init__(self, legacy: migration.LegacyRow) -> None:
        super().__init__()
        self.legacy = legacy
        self.receiving = ""  # the card the money goes to, once the member is known

    def heading(self) -> str:
        return self.tr("MIGRATE OLD CARD {number}: {balance}").format(
            number=self.legacy.number, balance=format_yuan(self.legacy.balance))

    def on_mount(self) -> None:
        self.query_one("#phone").focus()
        self._show_member()

    def _show_member(self) -> None:
        who = self.member[1] if self.member else self.tr("none yet")
        receives = f"   {self.tr('Credited to')}: {self.receiving}" if self.receiving else ""
        self.details(f"{self.tr('Member')}: {who}{receives}")

    def member_chosen(self) -> None:
        self.receiving = ""
        self._show_member()
        self.call(self._receiving_found, migration.receiving_card, self.app.session,
                  self.member[0])

    def _receiving_found(self, card: str) -> None:
        self.receiving = card
        self._show_member()
        self.say(self.tr("Send the member a code (F6)."))

    def action_send_code(self) -> None:
        if self.member is None:
            self.say(self.tr("Choose the member first."), error=True)
            return
        self.call(self._code_sent, migration.send_code, self.app.session, self.member[0],
                  self.app.devices.code_sender)

    def submit(self) -> None:
        if self.member is None:
            self.say(self.tr("Choose the member first."), error=True)
            return
        vouchers = tuple(part.strip() for part in self.value("vouchers").split(",")
                         if part.strip())
        request = MigrationRequest(self.legacy.number, self.member[0], self.value("code"),
                                   vouchers, self.value("remarks"))
        self.say(self.tr("Migrating..."))
        self.call(self._migrated, migration.migrate, self.app.session, request)

    def _code_sent(self, masked_phone: str) -> None:
        self.say(self.tr("Code sent to {phone}; valid 10 minutes.").format(phone=masked_phone))
        self.query_one("#code").focus()

    def _migrated(self, result) -> None:
        lines = [f"{self.tr('Old card')} {result.old_card_number} → "
                 f"{self.tr('Card')} {result.card_number}",
                 f"{self.tr('Amount')} {format_yuan(result.amount)}   "
                 f"{self.tr('Principal balance')} {format_yuan(result.principal_after)}",
                 f"{self.tr('Points')} {result.points}   "
                 f"{self.tr('Points balance')} {result.points_after}",
                 f"{self.tr('Journal no.')} #{result.operation_id}"]
        self.app.switch_screen(registry.outcome(self.tr("Old card migrated"), lines,
                                                replayed=result.replayed))
        self.app.print_queued()

    def action_back(self) -> None:
        self.app.pop_screen()
