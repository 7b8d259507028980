"""The member centre (会员中心): the clerk's menu. Each entry opens its own screen; an
entry the operator's role may not use is not offered (and its services refuse anyway)."""

from __future__ import annotations

import importlib

from textual.app import ComposeResult
from textual.widgets import Static

from kiosk.errors import N_
from kiosk.screens.base import KioskScreen
from kiosk.services import permissions

# key, label, screen (module, class), the permissions any one of which opens it
ENTRIES = (
    ("1", N_("Members: search, register, edit"), ("member_search", "MemberSearchScreen"),
     (permissions.MEMBER_EDIT,)),
    ("2", N_("Issue a card"), ("issue_card", "IssueCardScreen"), (permissions.CARD_ISSUE,)),
    ("3", N_("Card services: recharge, loss, replace, PIN, limits, clearing"),
     ("card_service", "CardServiceScreen"), (permissions.CARD_MANAGE, permissions.RECHARGE)),
    ("4", N_("Batch recharge lists"), ("batch", "BatchScreen"), (permissions.RECHARGE,)),
    ("5", N_("Insurance card to stored value"), ("insurance_transfer", "InsuranceTransferScreen"),
     (permissions.RECHARGE, permissions.FINANCE)),
    ("6", N_("Old card migration"), ("migration", "MigrationScreen"),
     (permissions.CARD_MANAGE,)),
    ("7", N_("Channel reconciliation (back office)"), ("reconcile", "ReconcileScreen"),
     (permissions.FINANCE, permissions.DAY_CLOSE)),
    ("8", N_("Abnormal journal check, day close"), ("day_close", "DayCloseScreen"),
     (permissions.DAY_CLOSE,)),
    ("9", N_("Journal by card or member"), ("journal_search", "JournalSearchScreen"),
     (permissions.CARD_MANAGE, permissions.DAY_CLOSE, permissions.FINANCE)),
    ("c", N_("Cheques: receive, clear, bounce, query"), ("cheques", "ChequeScreen"),
     (permissions.RECHARGE, permissions.FINANCE)),
    ("k", N_("Customers: accounts, credit, templates, cards"), ("customers", "CustomersScreen"),
     (permissions.MEMBER_EDIT, permissions.RECHARGE, permissions.FINANCE)),
    ("n", N_("Internal cards: load, settle"), ("internal_cards", "InternalCardsScreen"),
     (permissions.FINANCE,)),
    ("l", N_("Store ledgers"), ("ledgers", "LedgerScreen"), (permissions.FINANCE,)),
    ("s", N_("Card stock: request, receive, send, counts"), ("card_stock", "CardStockScreen"),
     (permissions.CARD_ISSUE, permissions.STOCK_MANAGE)),
    ("i", N_("Insurers' files"), ("insurer_files", "InsurerFilesScreen"), (permissions.FINANCE,)),
    ("v", N_("Voucher print templates"), ("voucher_templates", "VoucherTemplatesScreen"),
     (permissions.ADMIN,)),
    ("a", N_("Administration"), ("admin", "AdminScreen"), (permissions.ADMIN,)),
)


def allowed_entries(granted: frozenset[str]):
    return [entry for entry in ENTRIES if set(entry[3]) & granted]


class MemberCentreScreen(KioskScreen):
    # A letter opens its entry typed either way (the menu shows it in capitals).
    BINDINGS = [("escape", "back", "")] + [
        (f"{key},{key.upper()}" if key.isalpha() else key, f"open('{key}')", "")
        for key, *_ in ENTRIES]

    def compose(self) -> ComposeResult:
        entries = allowed_entries(self.app.login.permissions)  # only what the role may open
        self.KEYS = [(" ".join(key.upper() for key, *_ in entries), N_("Open")),
                     ("Esc", N_("Back"))]
        yield from self.compose_status()
        yield Static(self.tr("MEMBER CENTRE"), id="title")
        lines = [f"[b]{key.upper()}[/b]  {self.tr(label)}" for key, label, _, _ in entries]
        yield Static("\n".join(lines), id="menu", markup=True)
        yield from self.compose_keys()

    def action_open(self, key: str) -> None:
        entry = next((e for e in allowed_entries(self.app.login.permissions) if e[0] == key),
                     None)
        if entry is None:
            self.say(self.tr("Your role may not use this."), error=True)
            return
        module_name, class_name = entry[2]
        module = importlib.import_module(f"kiosk.screens.{module_name}")
        self.app.push_screen(getattr(module, class_name)())

    def action_back(self) -> None:
        self.app.pop_screen()
