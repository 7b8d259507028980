"""The one place screens are opened from: `registry.card(card, member=member)` builds
the card screen, with CardScreen's own parameters. A screen's module is imported here, the
first time the screen opens, and nowhere else: screen modules never import one another
to open a screen (so no import cycles between them), and the app loads only the screens
a person opens."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from kiosk.screens.admin import AdminFormScreen, AdminScreen
    from kiosk.screens.ask import AskModal, ConfirmModal
    from kiosk.screens.balance_query import BalanceQueryScreen
    from kiosk.screens.batch import BatchScreen
    from kiosk.screens.batch_lines import BatchLinesScreen
    from kiosk.screens.card import CardScreen
    from kiosk.screens.card_actions import (BalanceRefundScreen, ClearingScreen,
                                            PaymentReversalScreen, PinScreen, RechargeScreen,
                                            ReplaceScreen, RestrictionsScreen, TransferScreen)
    from kiosk.screens.card_details import CardDetailsScreen
    from kiosk.screens.card_service import CardServiceScreen
    from kiosk.screens.card_stock import CardStockScreen
    from kiosk.screens.change_password import ChangePasswordScreen
    from kiosk.screens.channel_settlement import ChannelSettlementScreen
    from kiosk.screens.cheques import ChequeScreen
    from kiosk.screens.customer_cards import CustomerCardsScreen
    from kiosk.screens.customer_money import CustomerMoneyScreen
    from kiosk.screens.customers import CustomersScreen
    from kiosk.screens.day_close import DayCloseScreen
    from kiosk.screens.first_run import FirstRunScreen
    from kiosk.screens.insurance_transfer import InsuranceTransferScreen
    from kiosk.screens.insurer_files import InsurerFilesScreen
    from kiosk.screens.insurer_lines import InsurerLinesScreen
    from kiosk.screens.internal_cards import InternalCardsScreen
    from kiosk.screens.issue_card import IssueCardScreen
    from kiosk.screens.journal import JournalScreen
    from kiosk.screens.journal_search import JournalSearchScreen
    from kiosk.screens.ledgers import LedgerScreen
    from kiosk.screens.lock import LockScreen
    from kiosk.screens.login import LoginScreen
    from kiosk.screens.member_centre import MemberCentreScreen
    from kiosk.screens.member_form import MemberFormScreen
    from kiosk.screens.member_sale import MemberScreen
    from kiosk.screens.member_search import MemberPickScreen, MemberSearchScreen
    from kiosk.screens.migrated_card import MigratedCardScreen
    from kiosk.screens.migration import MigrateOneScreen, MigrationScreen
    from kiosk.screens.month_report import MonthReportScreen
    from kiosk.screens.operation_cards import OperationCardsScreen
    from kiosk.screens.outcome import OutcomeScreen
    from kiosk.screens.pos_sale import PosRefundScreen, PosSaleScreen
    from kiosk.screens.print_queue import PrintQueueScreen
    from kiosk.screens.purchase import PurchaseScreen
    from kiosk.screens.reconcile import ReconcileScreen
    from kiosk.screens.refund import RefundScreen
    from kiosk.screens.result import ResultScreen
    from kiosk.screens.review import ReviewModal
    from kiosk.screens.shift_close import ShiftCloseScreen
    from kiosk.screens.start import StartScreen
    from kiosk.screens.sub_card_issue import SubCardIssueScreen
    from kiosk.screens.sub_cards import SubCardsScreen
    from kiosk.screens.supervisor import SupervisorScreen
    from kiosk.screens.template_edit import TemplateEditScreen
    from kiosk.screens.template_list import TemplateListScreen
    from kiosk.screens.voucher_templates import VoucherTemplatesScreen

P = ParamSpec("P")
S = TypeVar("S")


def lazy(load: Callable[[], Callable[P, S]]) -> Callable[P, S]:
    """A factory taking the parameters of the screen class that `load` imports."""
    @wraps(load)
    def build(*args: P.args, **kwargs: P.kwargs) -> S:
        return load()(*args, **kwargs)
    return build


# -- logging in and the counter ----------------------------------------------------------
@lazy
def first_run() -> type[FirstRunScreen]:
    from kiosk.screens.first_run import FirstRunScreen
    return FirstRunScreen


@lazy
def login() -> type[LoginScreen]:
    from kiosk.screens.login import LoginScreen
    return LoginScreen


@lazy
def change_password() -> type[ChangePasswordScreen]:
    from kiosk.screens.change_password import ChangePasswordScreen
    return ChangePasswordScreen


@lazy
def start() -> type[StartScreen]:
    from kiosk.screens.start import StartScreen
    return StartScreen


@lazy
def lock() -> type[LockScreen]:
    from kiosk.screens.lock import LockScreen
    return LockScreen


@lazy
def supervisor() -> type[SupervisorScreen]:
    from kiosk.screens.supervisor import SupervisorScreen
    return SupervisorScreen


@lazy
def card() -> type[CardScreen]:
    from kiosk.screens.card import CardScreen
    return CardScreen


@lazy
def balance_query() -> type[BalanceQueryScreen]:
    from kiosk.screens.balance_query import BalanceQueryScreen
    return BalanceQueryScreen


@lazy
def member_sale() -> type[MemberScreen]:
    from kiosk.screens.member_sale import MemberScreen
    return MemberScreen


@lazy
def result() -> type[ResultScreen]:
    from kiosk.screens.result import ResultScreen
    return ResultScreen


@lazy
def outcome() -> type[OutcomeScreen]:
    from kiosk.screens.outcome import OutcomeScreen
    return OutcomeScreen


@lazy
def journal() -> type[JournalScreen]:
    from kiosk.screens.journal import JournalScreen
    return JournalScreen


@lazy
def refund() -> type[RefundScreen]:
    from kiosk.screens.refund import RefundScreen
    return RefundScreen


@lazy
def print_queue() -> type[PrintQueueScreen]:
    from kiosk.screens.print_queue import PrintQueueScreen
    return PrintQueueScreen


@lazy
def shift_close() -> type[ShiftCloseScreen]:
    from kiosk.screens.shift_close import ShiftCloseScreen
    return ShiftCloseScreen


@lazy
def pos_sale() -> type[PosSaleScreen]:
    from kiosk.screens.pos_sale import PosSaleScreen
    return PosSaleScreen


@lazy
def pos_refund() -> type[PosRefundScreen]:
    from kiosk.screens.pos_sale import PosRefundScreen
    return PosRefundScreen


# -- prompts -------------------------------------------------------------------------------
@lazy
def ask() -> type[AskModal]:
    from kiosk.screens.ask import AskModal
    return AskModal


@lazy
def confirm() -> type[ConfirmModal]:
    from kiosk.screens.ask import ConfirmModal
    return ConfirmModal


@lazy
def review() -> type[ReviewModal]:
    from kiosk.screens.review import ReviewModal
    return ReviewModal


@lazy
def purchase() -> type[PurchaseScreen]:
    from kiosk.screens.purchase import PurchaseScreen
    return PurchaseScreen


# -- the member centre -----------------------------------------------------------------------
@lazy
def member_centre() -> type[MemberCentreScreen]:
    from kiosk.screens.member_centre import MemberCentreScreen
    return MemberCentreScreen


@lazy
def member_search() -> type[MemberSearchScreen]:
    from kiosk.screens.member_search import MemberSearchScreen
    return MemberSearchScreen


@lazy
def member_pick() -> type[MemberPickScreen]:
    from kiosk.screens.member_search import MemberPickScreen
    return MemberPickScreen


@lazy
def member_form() -> type[MemberFormScreen]:
    from kiosk.screens.member_form import MemberFormScreen
    return MemberFormScreen


@lazy
def issue_card() -> type[IssueCardScreen]:
    from kiosk.screens.issue_card import IssueCardScreen
    return IssueCardScreen


@lazy
def card_service() -> type[CardServiceScreen]:
    from kiosk.screens.card_service import CardServiceScreen
    return CardServiceScreen


@lazy
def recharge() -> type[RechargeScreen]:
    from kiosk.screens.card_actions import RechargeScreen
    return RechargeScreen


@lazy
def payment_reversal() -> type[PaymentReversalScreen]:
    from kiosk.screens.card_actions import PaymentReversalScreen
    return PaymentReversalScreen


@lazy
def replace_card() -> type[ReplaceScreen]:
    from kiosk.screens.card_actions import ReplaceScreen
    return ReplaceScreen


@lazy
def card_pin() -> type[PinScreen]:
    from kiosk.screens.card_actions import PinScreen
    return PinScreen


@lazy
def card_limits() -> type[RestrictionsScreen]:
    from kiosk.screens.card_actions import RestrictionsScreen
    return RestrictionsScreen


@lazy
def clearing() -> type[ClearingScreen]:
    from kiosk.screens.card_actions import ClearingScreen
    return ClearingScreen


@lazy
def balance_refund() -> type[BalanceRefundScreen]:
    from kiosk.screens.card_actions import BalanceRefundScreen
    return BalanceRefundScreen


@lazy
def transfer() -> type[TransferScreen]:
    from kiosk.screens.card_actions import TransferScreen
    return TransferScreen


@lazy
def batch() -> type[BatchScreen]:
    from kiosk.screens.batch import BatchScreen
    return BatchScreen


@lazy
def insurance_transfer() -> type[InsuranceTransferScreen]:
    from kiosk.screens.insurance_transfer import InsuranceTransferScreen
    return InsuranceTransferScreen


@lazy
def migration() -> type[MigrationScreen]:
    from kiosk.screens.migration import MigrationScreen
    return MigrationScreen


@lazy
def migrate_one() -> type[MigrateOneScreen]:
    from kiosk.screens.migration import MigrateOneScreen
    return MigrateOneScreen


@lazy
def migrated_card() -> type[MigratedCardScreen]:
    from kiosk.screens.migrated_card import MigratedCardScreen
    return MigratedCardScreen


@lazy
def operation_cards() -> type[OperationCardsScreen]:
    from kiosk.screens.operation_cards import OperationCardsScreen
    return OperationCardsScreen


@lazy
def reconcile() -> type[ReconcileScreen]:
    from kiosk.screens.reconcile import ReconcileScreen
    return ReconcileScreen


@lazy
def channel_settlement() -> type[ChannelSettlementScreen]:
    from kiosk.screens.channel_settlement import ChannelSettlementScreen
    return ChannelSettlementScreen


@lazy
def day_close() -> type[DayCloseScreen]:
    from kiosk.screens.day_close import DayCloseScreen
    return DayCloseScreen


@lazy
def month_report() -> type[MonthReportScreen]:
    from kiosk.screens.month_report import MonthReportScreen
    return MonthReportScreen


@lazy
def journal_search() -> type[JournalSearchScreen]:
    from kiosk.screens.journal_search import JournalSearchScreen
    return JournalSearchScreen


@lazy
def cheques() -> type[ChequeScreen]:
    from kiosk.screens.cheques import ChequeScreen
    return ChequeScreen


@lazy
def ledgers() -> type[LedgerScreen]:
    from kiosk.screens.ledgers import LedgerScreen
    return LedgerScreen


@lazy
def card_stock() -> type[CardStockScreen]:
    from kiosk.screens.card_stock import CardStockScreen
    return CardStockScreen


@lazy
def insurer_files() -> type[InsurerFilesScreen]:
    from kiosk.screens.insurer_files import InsurerFilesScreen
    return InsurerFilesScreen


@lazy
def batch_lines() -> type[BatchLinesScreen]:
    from kiosk.screens.batch_lines import BatchLinesScreen
    return BatchLinesScreen


@lazy
def insurer_lines() -> type[InsurerLinesScreen]:
    from kiosk.screens.insurer_lines import InsurerLinesScreen
    return InsurerLinesScreen


@lazy
def admin() -> type[AdminScreen]:
    from kiosk.screens.admin import AdminScreen
    return AdminScreen


@lazy
def admin_form() -> type[AdminFormScreen]:
    from kiosk.screens.admin import AdminFormScreen
    return AdminFormScreen


# -- the fuel-card manual's rows (issue 19) --------------------------------------------------
@lazy
def customers() -> type[CustomersScreen]:
    from kiosk.screens.customers import CustomersScreen
    return CustomersScreen


@lazy
def customer_money() -> type[CustomerMoneyScreen]:
    from kiosk.screens.customer_money import CustomerMoneyScreen
    return CustomerMoneyScreen


@lazy
def customer_cards() -> type[CustomerCardsScreen]:
    from kiosk.screens.customer_cards import CustomerCardsScreen
    return CustomerCardsScreen


@lazy
def template_list() -> type[TemplateListScreen]:
    from kiosk.screens.template_list import TemplateListScreen
    return TemplateListScreen


@lazy
def template_edit() -> type[TemplateEditScreen]:
    from kiosk.screens.template_edit import TemplateEditScreen
    return TemplateEditScreen


@lazy
def sub_cards() -> type[SubCardsScreen]:
    from kiosk.screens.sub_cards import SubCardsScreen
    return SubCardsScreen


@lazy
def sub_card_issue() -> type[SubCardIssueScreen]:
    from kiosk.screens.sub_card_issue import SubCardIssueScreen
    return SubCardIssueScreen


@lazy
def card_details() -> type[CardDetailsScreen]:
    from kiosk.screens.card_details import CardDetailsScreen
    return CardDetailsScreen


@lazy
def internal_cards() -> type[InternalCardsScreen]:
    from kiosk.screens.internal_cards import InternalCardsScreen
    return InternalCardsScreen


@lazy
def voucher_templates() -> type[VoucherTemplatesScreen]:
    from kiosk.screens.voucher_templates import VoucherTemplatesScreen
    return VoucherTemplatesScreen
