"""Channel reconciliation: every kind of difference, confirmation, settlement, the CLI."""

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from kiosk.services.business_date import calendar_business_date
from kiosk.cli import main
from kiosk.errors import InvalidInput, KioskError, PermissionDenied
from kiosk.services import charge, demo, reconcile
from kiosk.services.charge import Review
from kiosk.services.session import Session
from kiosk.store import models
from kiosk.tables import TableProblems
from tests.conftest import login_as

INS2 = demo.card_number("888800000000007")


@pytest.fixture
def finance(seeded):
    """The demo day's channel orders are in the journal (as `kiosk seed-demo` loads them)."""
    demo.seed_channel_orders(lambda actor: Session(seeded, actor))
    return login_as(seeded, "finance1")


def month_later(session):
    """The same operator a month on: the month they worked in is over."""
    import datetime as dt
    from dataclasses import replace
    runtime = replace(session.runtime, clock=lambda: session.now() + dt.timedelta(days=35))
    return Session(runtime, session.actor)


def test_an_empty_statement_confirms_nothing(seeded, tmp_path):
    finance = login_as(seeded, "finance1")  # no channel orders last month
    path = tmp_path / "empty.csv"
    path.write_text("渠道订单号,结算金额\n", encoding="utf-8")
    report = reconcile.reconcile(finance, channel="taikang", statement=path,
                                 month=month_of(finance))
    assert report.rows == []
    with pytest.raises(KioskError, match="no orders"):
        reconcile.confirm(month_later(finance), report)


def month_of(session):
    """The month reconciled: last month, when the demo's channel orders were redeemed."""
    return reconcile.last_month(calendar_business_date(session))


def test_only_last_month_is_reconciled(finance, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("渠道订单号,结算金额\n", encoding="utf-8")
    this_month = finance.now().strftime("%Y-%m")
    for month in (this_month, "1999-01"):
        with pytest.raises(InvalidInput, match=f"Only last month, {month_of(finance)}, can be "
                                               f"reconciled; not {month}") as caught:
            reconcile.reconcile(finance, channel="taikang", statement=path, month=month)
        assert caught.value.field == "month"


def statement(session):
    return session.runtime.settings.home / "samples" / f"statement-taikang-{month_of(session)}.csv"


def test_every_kind_of_difference_is_reported(finance):
    report = reconcile.reconcile(finance, channel="taikang", statement=statement(finance),
                                 month=month_of(finance))
    found = {row.order_no: (row.status, row.statement_amount, row.journal_amount)
             for row in report.rows}
    assert found == {"TK-0001": ("matched", 8800, 8800),
                     "TK-0002": ("amount_differs", 12550, 12050),
                     "TK-0003": ("only_journal", None, 4500),
                     "TK-0004": ("only_statement", 3000, None)}
    assert report.differences == 3 and report.matched_total == 8800
    with pytest.raises(KioskError, match="3 difference"):
        reconcile.confirm(finance, report)


def test_a_refund_lowers_what_the_order_settles_at(seeded, finance, tmp_path):
    super1 = login_as(seeded, "super1")
    sale = models.Operation.get(models.Operation.channel_order_no == "TK-0002")
    charge.refund(super1, original_operation_id=sale.id, amount=12050 - 11000, key="r",
                  review=Review("admin1", "Admin1234"))
    orders = reconcile.journal_orders(finance, month_of(finance), "泰康")
    assert orders["TK-0002"] == 11000


def test_a_clean_month_is_confirmed_once_and_settled(finance, tmp_path):
    path = tmp_path / "clean.xlsx"
    book = Workbook()
    book.active.append(["渠道订单号", "结算金额"])
    for order_no, fen in demo.CHANNEL_ORDERS.items():
        book.active.append([order_no, fen / 100])
    book.save(path)
    month = month_of(finance)
    report = reconcile.reconcile(finance, channel="taikang", statement=path, month=month)
    assert report.differences == 0
    reconcile.confirm(finance, report)  # last month is over
    with pytest.raises(KioskError, match="already confirmed"):
        reconcile.confirm(finance, report)
    year, number = map(int, month.split("-"))
    settle_in = next(f"{y:04d}-{m:02d}" for y, m in
                     ((year + (number + k - 1) // 12, (number + k - 1) % 12 + 1)
                      for k in range(1, 4)) if m in reconcile.SETTLEMENT_MONTHS)
    result = reconcile.settlement(finance, channel="taikang", settle_in=settle_in)
    total = sum(demo.CHANNEL_ORDERS.values())
    assert result.total == total and month in result.months
    assert result.invoice_amount == round(total / 1.06)
    coupon = reconcile.settlement(finance, channel="taikang", settle_in=settle_in, mode="coupon")
    assert coupon.invoice_amount is None and coupon.total == total


def test_invoice_amount_rounds_half_up():
    assert reconcile.invoice_amount(106) == 100
    assert reconcile.invoice_amount(1) == 1  # 0.943 fen -> 1
    assert reconcile.invoice_amount(0) == 0


def test_settlement_is_quarterly(finance):
    assert reconcile.settlement_months(2027, 1) == ["2026-10", "2026-11", "2026-12"]
    with pytest.raises(InvalidInput, match="quarterly"):
        reconcile.settlement(finance, channel="taikang", settle_in="2026-11")


def test_bad_statements_are_reported_by_line(finance, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("渠道订单号,结算金额\nTK-1,1.001\n,5\nTK-2,3\nTK-2,4\n", encoding="utf-8")
    with pytest.raises(TableProblems) as caught:
        reconcile.reconcile(finance, channel="taikang", statement=path, month=month_of(finance))
    assert [problem.line for problem in caught.value.problems] == [2, 3, 5]
    path.write_text("order,amount\nTK-1,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no column"):
        reconcile.reconcile(finance, channel="taikang", statement=path, month=month_of(finance))
    with pytest.raises(KioskError, match="No channel"):
        reconcile.reconcile(finance, channel="nope", statement=path, month=month_of(finance))


def test_only_finance_reconciles(seeded, finance):
    with pytest.raises(PermissionDenied):
        reconcile.reconcile(login_as(seeded, "cashier1"), channel="taikang",
                            statement=statement(finance), month=month_of(finance))


def test_cli_reports_differences_with_exit_1_and_writes_xlsx(seeded, finance, tmp_path):
    settings = seeded.settings
    out = tmp_path / "report.xlsx"
    month = month_of(finance)
    result = CliRunner().invoke(main, [
        "--home", str(settings.home), "--db", settings.db_url, "reconcile",
        "--channel", "taikang", "--month", month, "--out", str(out),
        "--statement", str(settings.home / "samples" / f"statement-taikang-{month}.csv")])
    assert result.exit_code == 1, result.output
    assert "amount_differs 1" in result.output and "only_statement 1" in result.output
    book = load_workbook(out)
    assert book.sheetnames == ["渠道对账"]
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("订单号", "状态", "对账单金额", "流水金额", "订单状态")  # the list imported
    assert rows[1:] and all(len(row) == 5 for row in rows)
    assert [row[:4] for row in rows if row[0] == "TK-0004"] == [("TK-0004", "仅对账单有", 30, None)]
    assert book.active["C2"].number_format == "#,##0.00"


def test_the_supervisor_sees_the_differences_but_only_finance_confirms(seeded, finance):
    supervisor = login_as(seeded, "super1")
    report = reconcile.reconcile(supervisor, channel="taikang", statement=statement(finance),
                                 month=month_of(finance))
    assert report.differences == 3
    with pytest.raises(PermissionDenied):
        reconcile.confirm(supervisor, report)
