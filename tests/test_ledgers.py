"""Store ledgers: the daily balance ledger rolls forward and ends at the cards' balances;
the general ledger adds up to the same stored value, by business type."""

import datetime as dt

from kiosk.services import charge as charging, ledgers
from kiosk.services.recharge import recharge
from kiosk.store import models
from tests.conftest import SV_CARD, login_as

OUTLET = "31010001"


def stored_value() -> dict[str, int]:
    """What the outlet owes on its own cards (insurance balances are the issuer's, the
    internal cards' the chain's own)."""
    A, C, P = models.Account, models.Card, models.CardProduct
    return {kind: sum(a.balance for a in A.select().join(C, on=(A.card == C.id)).join(P)
                      .where(A.kind == kind, C.outlet.is_null(False),
                             P.kind.not_in(("insurance", "internal"))))
            for kind in ledgers.BALANCE_KINDS}


def test_daily_ledger_rolls_forward_to_the_balances(seeded, system):
    clerk = login_as(seeded, "clerk1", "T02")
    recharge(clerk, card_number=SV_CARD, amount=50000, tender="cash", key="r")
    charging.charge(clerk, card_number=SV_CARD, amount=60000, pin="123456", key="c")
    today = models.Operation.get(models.Operation.kind == "charge").business_date
    rows = ledgers.daily_balance_ledger(system, OUTLET, today - dt.timedelta(days=1), today)
    assert [(r.business_date, r.kind) for r in rows] == [
        (today - dt.timedelta(days=1), "principal"), (today - dt.timedelta(days=1), "bonus"),
        (today, "principal"), (today, "bonus")]
    assert rows[0].opening == 0 and rows[0].closing == 0
    principal_today = rows[2]
    assert principal_today.inflow >= 50000 and principal_today.outflow == 60000
    closing = {r.kind: r.closing for r in rows[2:]}
    assert closing == stored_value()


def test_general_ledger_by_business_type(seeded, system):
    clerk = login_as(seeded, "clerk1", "T02")
    recharge(clerk, card_number=SV_CARD, amount=50000, tender="cash", key="r")
    sale = charging.charge(clerk, card_number=SV_CARD, amount=1000, pin="123456", key="c")
    today = models.Operation.get(models.Operation.kind == "charge").business_date
    ledger = ledgers.general_ledger(system, OUTLET, today)
    assert ledger["recharge"] == {"principal": 50000, "bonus": 5000}
    assert ledger["charge"] == {"principal": -sale.principal, "bonus": -sale.bonus}
    totals = {kind: sum(by_type[kind] for by_type in ledger.values())
              for kind in ledgers.BALANCE_KINDS}
    assert totals == stored_value()


def test_ledgers_need_the_finance_right(cashier):
    import pytest

    from kiosk.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        ledgers.general_ledger(cashier, OUTLET, dt.date.today())


def test_a_saved_ledgers_file_keeps_a_chinese_format_in_its_name(seeded):
    """Two formats' ledgers never save over each other as 'ledger-…-__.xlsx'."""
    from kiosk.report_table import Column, Table
    from kiosk.services import reports
    clerk = login_as(seeded, "clerk1")
    table = Table("daily balance ledger", (Column("business type"),), [("充值",)])
    pharmacy = reports.save_table(clerk, "ledger-daily-2026-12-01-药房", table)
    clinic = reports.save_table(clerk, "ledger-daily-2026-12-01-诊所", table)
    assert (pharmacy.name, clinic.name) == ("ledger-daily-2026-12-01-药房.xlsx",
                                            "ledger-daily-2026-12-01-诊所.xlsx")
    assert reports.save_table(clerk, "a/../b c", table).name == "a_.._b_c.xlsx"
