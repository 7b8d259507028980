"""The monthly close produces the month's report (月结报表), from an empty store: the
month's operations by kind, the cards' stored value opening/in/out/closing, deposits,
the tills by tender and the cheques still waiting; the same report again later, on
the command line (printed and as CSV) too."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.errors import PermissionDenied
from kiosk.hw.printer import SimPrinter
from kiosk.services import balance_refunds, charge, cheques, closes, month_report, receipts
from kiosk.services import recharge
from kiosk.services.session import Session
from kiosk.services.verify import verify
from kiosk.store import db
from tests.fuel_shop import PIN, FuelShop, key


@pytest.fixture
def shop(chain, runtime) -> FuelShop:
    return FuelShop(chain, runtime, deposit=2000)


def a_month_of_business(shop, tmp_path) -> tuple[str, Session]:
    """Two cards issued (¥20 deposit each), ¥500 cash and ¥300 bank in, a ¥200 cheque
    cleared and a ¥100 one waiting, ¥80 charged, a ¥50 special refund in cash; the
    day closed. Returns the month and a supervisor's session 40 days later."""
    first, second = shop.card(50000), shop.card()
    recharge.recharge(shop.clerk, card_number=second, amount=30000, tender="bank", key=key())
    slip = cheques.receive(shop.clerk, card_number=second, amount=20000, cheque_no="1",
                           bank="工商银行", key=key())
    cheques.clear(shop.finance, slip.cheque_id, key=key())
    cheques.receive(shop.clerk, card_number=first, amount=10000, cheque_no="2",
                    bank="工商银行", key=key())
    charge.charge(shop.clerk, card_number=first, amount=8000, pin=PIN, key=key())
    balance_refunds.special_refund(shop.clerk, card_number=first, amount=5000, reason="报废",
                                   key=key(), review=SUPERVISOR_REVIEW)
    receipts.print_pending(shop.clerk, SimPrinter(tmp_path / "receipts"))
    closes.close_shift(shop.clerk, key=key())
    day = closes.close_day(shop.supervisor)
    later = replace(shop.runtime, clock=lambda: shop.runtime.clock() + dt.timedelta(days=40))
    return day.strftime("%Y-%m"), Session(later, shop.supervisor.actor)


from tests.fuel_shop import SUPERVISOR as SUPERVISOR_REVIEW  # noqa: E402


def test_the_monthly_close_produces_the_months_report(shop, tmp_path):
    month, supervisor = a_month_of_business(shop, tmp_path)
    report = closes.close_month(supervisor, month)
    assert report.closed and report.month == month and report.outlet_code == "10000001"
    by_kind = {kind: (count, amount) for kind, count, amount in report.operations}
    assert by_kind["card_issue"] == (2, 4000)
    assert by_kind["recharge"] == (2, 80000)
    assert by_kind["cheque_received"] == (2, 30000)
    assert by_kind["cheque_recharge"] == (1, 20000)
    assert by_kind["charge"] == (1, 8000) and by_kind["special_refund"] == (1, 5000)
    assert report.stored_value["principal"] == (0, 100000, 13000, 87000)
    assert report.deposits_held == 4000
    assert dict(report.tills) == {"cash": 50000 + 4000 - 5000, "bank": 30000,
                                  "cheque": 20000}
    assert report.cheques_waiting == (1, 10000)
    again = month_report.month_report(supervisor, month)
    assert again == report  # a closed month's report is the same whenever it is made
    table = report.table()
    assert table[0] == ["Section", "Item", "Detail", "Count", "Amount"]
    assert ["Operations", "recharge by cheque", "", "1", "200.00"] in table
    assert ["Tills", "", "现金", "", "490.00"] in table
    assert ["Tills", "cheque", "", "", "200.00"] in table
    assert ["Principal", "closing", "", "", "870.00"] in table
    with pytest.raises(PermissionDenied):
        month_report.month_report(shop.clerk, month)
    assert verify(shop.runtime.sealer).ok


def test_the_report_from_the_command_line_printed_and_as_csv(shop, tmp_path, store_url):
    """`kiosk month-report` of this month (figures so far), as CSV too; `kiosk close-month`
    of last month (nothing happened in it) closes it and prints its report."""
    this_month = shop.clerk.now().strftime("%Y-%m")
    last_month = (shop.clerk.now().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    recharge.recharge(shop.clerk, card_number=shop.card(), amount=30000, tender="cash",
                      key=key())
    db.close()
    env = {"KIOSK_HASH_TIME_COST": "1", "KIOSK_HASH_MEMORY_KIB": "64", "KIOSK_LANG": "zh_CN",
           "KIOSK_HOME": str(shop.runtime.settings.home), "KIOSK_DB": store_url,
           "KIOSK_OUTLET": "10000001", "KIOSK_TERMINAL": "T02",
           "KIOSK_OPERATOR": "super1", "KIOSK_OPERATOR_PASSWORD": "Super1234"}

    def kiosk(*args):
        result = CliRunner(env=env).invoke(main, list(args))
        db.close()
        assert result.exit_code == 0, result.output
        return result.output

    shown = kiosk("month-report", this_month)
    assert "充值" in shown and "300.00" in shown and "未月结" in shown
    out = tmp_path / "month.csv"
    kiosk("month-report", this_month, "--csv", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert "储值余额" in text and "300.00" in text
    closed = kiosk("close-month", last_month)
    assert f"month {last_month} closed" in closed and "已月结" in closed
    assert "ok" in kiosk("verify")
