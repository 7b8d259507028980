"""Every kind of operation the journal holds, in one table: the right it needs, its
name on screens and reports, the title of its receipt, and what it reverses.

A reversing kind takes its amount from the original's one "still reversible" amount
(Operation.reversed_amount) under the original's lock; refunds, recharge reversals and
insurance transfers all draw on it, so together they never exceed the original.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import N_
from kiosk.services import permissions


@dataclass(frozen=True)
class OperationKind:
    name: str
    permission: str
    label: str            # on screens and reports (translated there)
    receipt_title: str    # "" when the kind prints no receipt
    reverses: str = ""    # the kind of original this one takes back from
    # A reversal that takes back from several kinds of original (names them all).
    reverses_any: tuple[str, ...] = ()
    # A sale, or its taking back, whose points count toward the member's tier.
    counts_for_tier: bool = False
    moves_money: bool = True  # False: points or a state change; reports show its count only

    def can_reverse(self, original_kind: str) -> bool:
        return original_kind == self.reverses or original_kind in self.reverses_any


KINDS = {kind.name: kind for kind in (
    OperationKind("charge", permissions.CHARGE, N_("charge"), N_("CHARGE"),
                  counts_for_tier=True),
    OperationKind("refund", permissions.CHARGE, N_("refund"), N_("REFUND"), reverses="charge",
                  counts_for_tier=True),
    OperationKind("recharge", permissions.RECHARGE, N_("recharge"), N_("RECHARGE")),
    OperationKind("recharge_reversal", permissions.RECHARGE, N_("recharge reversal"),
                  N_("RECHARGE REVERSAL"), reverses="recharge"),
    OperationKind("card_issue", permissions.CARD_ISSUE, N_("card issue"), N_("CARD ISSUE")),
    OperationKind("replacement", permissions.CARD_MANAGE, N_("replacement"),
                  N_("CARD REPLACEMENT")),
    OperationKind("clearing", permissions.CARD_MANAGE, N_("clearing"), N_("CARD CLEARING")),
    OperationKind("insurance_transfer", permissions.FINANCE, N_("insurance to stored value"),
                  N_("INSURANCE TO STORED VALUE")),
    OperationKind("migration", permissions.CARD_MANAGE, N_("card migration"),
                  N_("CARD MIGRATION")),
    OperationKind("allocation", permissions.TRANSFER, N_("allocation"), ""),
    OperationKind("transfer", permissions.TRANSFER, N_("transfer"), ""),
    OperationKind("opening_balance", permissions.ADMIN, N_("opening balance"), ""),
    OperationKind("insurer_load", permissions.FINANCE, N_("insurer load"), ""),
    OperationKind("insurer_adjustment", permissions.FINANCE, N_("insurer adjustment"), ""),
    OperationKind("member_sale", permissions.CHARGE, N_("member sale"), N_("MEMBER SALE"),
                  counts_for_tier=True),
    OperationKind("member_sale_return", permissions.CHARGE, N_("member sale return"),
                  N_("MEMBER SALE RETURN"), reverses="member_sale", counts_for_tier=True),
    OperationKind("points_redemption", permissions.CHARGE, N_("points redemption"),
                  N_("POINTS REDEMPTION"), moves_money=False),
    OperationKind("points_expiry", permissions.CARD_MANAGE, N_("points expiry"), "",
                  moves_money=False),
    OperationKind("tier_review", permissions.CARD_MANAGE, N_("tier review"), "",
                  moves_money=False),
    OperationKind("shift_close", permissions.SHIFT_CLOSE, N_("shift close"), ""),
    # Cheques (支票): received at the counter (nothing credited), then cleared by finance
    # (the card credited, as a recharge) or bounced (nothing credited).
    OperationKind("cheque_received", permissions.RECHARGE, N_("cheque received"),
                  N_("CHEQUE RECEIVED")),
    OperationKind("cheque_recharge", permissions.FINANCE, N_("recharge by cheque"), ""),
    OperationKind("cheque_bounced", permissions.FINANCE, N_("cheque bounced"), ""),
    # Refunds of a card's balance that keep the card (services/balance_refunds.py).
    OperationKind("small_refund", permissions.CARD_MANAGE, N_("small-balance refund"),
                  N_("SMALL BALANCE REFUND")),
    OperationKind("special_refund", permissions.CARD_MANAGE, N_("special refund"),
                  N_("SPECIAL REFUND")),
    OperationKind("deposit_refund", permissions.CARD_MANAGE, N_("deposit refund"),
                  N_("DEPOSIT REFUND")),
    # 撤单/冲销: part or all of a payment in taken back, with review (services/reversals.py).
    OperationKind("payment_reversal", permissions.RECHARGE, N_("payment reversal"),
                  N_("PAYMENT REVERSAL"),
                  reverses_any=("recharge", "cheque_recharge", "card_issue",
                                "sub_card_issue")),
    # A customer's account (客户账户, services/customer_money.py): paid in, what it owes
    # paid back, money paid for a main card, allocated to a main card; a main card's
    # allocation template run (services/allocation_templates.py).
    OperationKind("customer_recharge", permissions.RECHARGE, N_("customer recharge"),
                  N_("CUSTOMER RECHARGE")),
    OperationKind("customer_receipt", permissions.RECHARGE, N_("customer payment received"),
                  N_("PAYMENT RECEIVED")),
    OperationKind("main_card_receipt", permissions.RECHARGE, N_("main card payment"),
                  N_("MAIN CARD PAYMENT")),
    OperationKind("customer_allocation", permissions.TRANSFER, N_("customer allocation"), ""),
    OperationKind("template_allocation", permissions.TRANSFER, N_("allocation by template"),
                  ""),
    # Sub cards (services/sub_cards.py): several issued at once under a main card; a sub
    # card upgraded to the main card of a lost one.
    OperationKind("sub_card_issue", permissions.CARD_ISSUE, N_("sub cards issued"),
                  N_("SUB CARDS ISSUED")),
    OperationKind("sub_card_upgrade", permissions.CARD_MANAGE, N_("sub card upgrade"),
                  N_("SUB CARD UPGRADED TO MAIN CARD")),
    # Internal cards (services/internal_cards.py): the chain's own money, loaded and
    # settled by finance.
    OperationKind("internal_load", permissions.FINANCE, N_("internal card load"),
                  N_("INTERNAL CARD LOAD")),
    OperationKind("internal_settlement", permissions.FINANCE,
                  N_("internal card settlement"), N_("INTERNAL CARD SETTLEMENT")),
    # A channel's redeemed orders claimed (结算中), then the channel's payment recorded
    # (services/channel_settlements.py): no money moves in our journal.
    OperationKind("channel_settlement", permissions.FINANCE, N_("channel settlement started"),
                  ""),
    OperationKind("channel_settlement_paid", permissions.FINANCE,
                  N_("channel settlement paid"), ""),
)}

REVERSING = tuple(kind.name for kind in KINDS.values() if kind.reverses or kind.reverses_any)
COUNTING_FOR_TIER = tuple(kind.name for kind in KINDS.values() if kind.counts_for_tier)


def kind(name: str) -> OperationKind:
    return KINDS[name]


def label(name: str) -> str:
    """The kind's name for a person (an English message id; unknown kinds as they are)."""
    known = KINDS.get(name)
    return known.label if known else name
