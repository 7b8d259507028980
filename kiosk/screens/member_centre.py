"""The member centre (会员中心): the clerk's menu. Each entry opens its own screen; an
entry the operator's role may not use is not offered (and its services refuse anyway)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from kiosk.errors import N_
from kiosk.screens import registry
from kiosk.screens.base import KioskScreen
from kiosk.services import permissions

# key, label, screen, the permissions any one of which opens it
ENTRIES = (
    ("1", N_("Members: search, register, edit"), registry.member_search,
     (permissions.MEMBER_EDIT,)),
    ("2", N_("Issue a card"), registry.issue_card, (permissions.CARD_ISSUE,)),
    ("3", N_("Card services: recharge, loss, replace, PIN, limits, clearing"),
     registry.card_service, (permissions.CARD_MANAGE, permissions.RECHARGE)),
    ("4", N_("Batch recharge lists"), registry.batch, (permissions.RECHARGE,)),
    ("5", N_("Insurance card to stored value"), registry.insurance_transfer,
     (permissions.RECHARGE, permissions.FINANCE)),
    ("6", N_("Old card migration"), registry.migration, (permissions.CARD_MANAGE,)),
    ("7", N_("Channel reconciliation (back office)"), registry.reconcile,
     (permissions.FINANCE, permissions.DAY_CLOSE)),
    ("8", N_("Abnormal journal check, day close"), registry.day_close,
     (permissions.DAY_CLOSE,)),
    ("9", N_("Journal by card or member"), registry.journal_search,
     (permissions.CARD_MANAGE, permissions.DAY_CLOSE, permissions.FINANCE)),
    ("c", N_("Cheques: receive, clear, bounce, query"), registry.cheques,
     (permissions.RECHARGE, permissions.FINANCE)),
    ("k", N_("Customers: accounts, credit, templates, cards"), registry.customers,
     (permissions.MEMBER_EDIT, permissions.RECHARGE, permissions.FINANCE)),
    ("n", N_("Internal cards: load, settle"), registry.internal_cards, (permissions.FINANCE,)),
    ("l", N_("Store ledgers"), registry.ledgers, (permissions.FINANCE,)),
    ("s", N_("Card stock: request, receive, send, counts"), registry.card_stock,
     (permissions.CARD_ISSUE, permissions.STOCK_MANAGE)),
    ("i", N_("Insurers' files"), registry.insurer_files, (permissions.FINANCE,)),
    ("v", N_("Voucher print templates"), registry.voucher_templates, (permissions.ADMIN,)),
    ("a", N_("Administration"), registry.admin, (permissions.ADMIN,)),
)


def allowed_entries(granted: frozenset[str]):
    return [entry for entry in ENTRIES if set(entry[3]) & granted]


OPEN = Binding.Group(N_("Open"))


class MemberCentreScreen(KioskScreen):
    # A letter opens its entry typed either way (the menu shows it in capitals).
    BINDINGS = [Binding(f"{key},{key.upper()}" if key.isalpha() else key, f"open('{key}')",
                        N_("Open"), key_display=key.upper(), group=OPEN)
                for key, *_ in ENTRIES] + [Binding("escape", "back", N_("Back"))]

    def lists_key(self, binding: Binding) -> bool:
        """Only the entries the role may open (the others refuse, saying so)."""
        return binding.group is not OPEN or any(
            binding.action == f"open('{key}')"
            for key, *_ in allowed_entries(self.app.login.permissions))

    def compose(self) -> ComposeResult:
        entries = allowed_entries(self.app.login.permissions)  # only what the role may open
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
        self.app.push_screen(entry[2]())

    def action_back(self) -> None:
        self.app.pop_screen()
