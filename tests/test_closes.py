"""Shift, day and month closes; nothing posts into a closed business date."""

import datetime as dt

import pytest

from kiosk.errors import KioskError, PermissionDenied
from kiosk.services import charge as charging, closes, receipts
from kiosk.services.business_date import current_business_date
from kiosk.services.charge import Review
from kiosk.services.closes import CloseRefused
from kiosk.services.recharge import recharge
from kiosk.store import models
from tests.conftest import SV_CARD, login_as


def test_shift_close_totals_and_cash(seeded):
    clerk = login_as(seeded, "clerk1", "T02")
    recharge(clerk, card_number=SV_CARD, amount=10000, tender="cash", key="r1")
    recharge(clerk, card_number=SV_CARD, amount=5000, tender="bank", key="r2")
    charging.charge(clerk, card_number=SV_CARD, amount=300, pin="123456", key="c1")
    report = closes.close_shift(clerk, key="close-1")
    assert report.operations["recharge"] == {"count": 2, "amount": 15000}
    assert report.by_tender == {"cash": 10000, "bank": 5000, "card": 300}
    assert report.cash_expected == 10000
    assert closes.close_shift(clerk, key="close-1").shift_id == report.shift_id  # idempotent
    again = login_as(seeded, "clerk1", "T02")
    assert again.actor.shift_id != clerk.actor.shift_id  # the next shift starts clean


def test_day_close_refuses_open_shifts_and_unprinted_receipts(seeded):
    cashier = login_as(seeded, "cashier1")
    charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="c1")
    supervisor = login_as(seeded, "super1", "T02")
    with pytest.raises(CloseRefused) as refused:
        closes.close_day(supervisor)
    text = str(refused.value)
    assert "still open" in text and "never printed" in text


def test_after_a_day_close_nothing_posts_into_that_date(seeded, tmp_path):
    from kiosk.hw.printer import SimPrinter
    cashier = login_as(seeded, "cashier1")
    first = charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="c1")
    receipts.print_pending(cashier, SimPrinter(tmp_path))
    closes.close_shift(cashier, key="s1")
    supervisor = login_as(seeded, "super1", "T02")
    closes.close_shift(supervisor, key="s2")
    day = closes.close_day(supervisor)
    assert str(day) == first.business_date
    later = charging.charge(login_as(seeded, "cashier1"), card_number=SV_CARD, amount=100,
                            pin="123456", key="c2")
    assert later.business_date == str(day + dt.timedelta(days=1))


def test_a_charge_racing_the_close_is_refused(seeded, monkeypatch):
    from kiosk.services import operations
    cashier = login_as(seeded, "cashier1")
    day = current_business_date(cashier)
    monkeypatch.setattr(operations, "open_business_date", lambda session, *closes: day)
    models.DayClose.create(outlet=cashier.actor.outlet_id, business_date=day)
    with pytest.raises(operations.ClosedDate):
        charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="late")
    assert not models.Operation.select().where(models.Operation.idempotency_key == "late").exists()


def test_month_close_needs_every_busy_day_closed(seeded):
    from dataclasses import replace
    month = models.Operation.select().first().business_date.strftime("%Y-%m")
    later = replace(seeded, clock=lambda: seeded.clock() + dt.timedelta(days=40))
    supervisor = login_as(later, "super1", "T02")  # the month is over
    with pytest.raises(CloseRefused, match="days not closed"):
        closes.close_month(supervisor, month)


def test_cashier_may_not_close_the_day(cashier):
    from kiosk.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        closes.close_day(cashier)


@pytest.mark.parametrize("month", ["2026-13", "November", "2026-1x"])
def test_a_malformed_month_is_a_clear_error(seeded, month):
    from kiosk.errors import InvalidInput
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        closes.close_month(login_as(seeded, "super1", "T02"), month)


def test_the_shift_report_gives_each_tender_the_direction_of_its_money(seeded):
    """Recharge ¥100 in cash, then close a card paying ¥150 out in cash: ¥50 left the till."""
    from kiosk.services import card_care, recharge as recharging
    clerk = login_as(seeded, "clerk1", "T02")
    recharging.recharge(clerk, card_number=SV_CARD, amount=10000, tender="cash", key="r")
    paid = card_care.clear_card(clerk, SV_CARD, key="c", review=Review("super1", "Super1234"))
    report = closes.shift_report(clerk)
    assert report.by_tender["cash"] == 10000 - paid.amount
    assert report.cash_expected == 10000 - paid.amount


def test_finance_and_admin_open_no_cash_shift(seeded):
    finance = login_as(seeded, "finance1")
    assert finance.actor.shift_id is None
    with pytest.raises(KioskError, match="opens no cash shift"):
        closes.shift_report(finance)
    day, problems = closes.day_findings(finance)
    assert not [p for p in problems if "finance1" in p.render()]
    with pytest.raises(PermissionDenied, match="close a shift"):  # said before the number
        closes.check_may_close_shifts(finance)
    closes.check_may_close_shifts(login_as(seeded, "super1"))


def _closable(seeded, tmp_path):
    """Everything printed and every shift closed, so a day can close."""
    from kiosk.hw.printer import SimPrinter
    for login, terminal in (("cashier1", "T01"), ("super1", "T02")):
        session = login_as(seeded, login, terminal)
        receipts.print_pending(session, SimPrinter(tmp_path))
        closes.close_shift(session, key=f"close-{login}")


def test_a_day_still_to_come_cannot_be_closed(seeded):
    supervisor = login_as(seeded, "super1", "T02")
    today = closes.current_business_date(supervisor)
    with pytest.raises(KioskError, match="has not come yet"):
        closes.close_day(supervisor, today + dt.timedelta(days=1))
    assert not models.DayClose.select().exists()


def test_after_a_mid_day_close_the_next_day_waits_for_its_turn(seeded, tmp_path):
    """A day may close before it ends; the next (which now takes the sales) cannot be
    closed until the calendar reaches it: F7 pressed again closed a day a press."""
    _closable(seeded, tmp_path)
    supervisor = login_as(seeded, "super1", "T02")
    today = closes.close_day(supervisor)
    day, findings = closes.day_findings(supervisor)
    assert day == today + dt.timedelta(days=1)
    assert [f.message_id for f in findings][:1] == [
        "the day has not come yet (today is {today}): it closes once it has"]
    with pytest.raises(CloseRefused, match="has not come yet"):
        closes.close_day(supervisor)
    assert [c.business_date for c in models.DayClose.select()] == [today]


def test_the_day_close_names_the_cards_left_written(seeded):
    from kiosk.services import issuing
    clerk = login_as(seeded, "clerk1", "T02")
    number = issuing.next_blank_like(clerk, SV_CARD)
    issuing.record_written(clerk, number)
    _, findings = closes.day_findings(login_as(seeded, "super1", "T02"))
    assert any(number in finding.render() for finding in findings)


def test_closing_a_day_twice_says_it_is_closed(seeded, tmp_path):
    _closable(seeded, tmp_path)
    supervisor = login_as(seeded, "super1", "T02")
    day = closes.close_day(supervisor)
    with pytest.raises(KioskError, match="already closed"):
        closes.close_day(supervisor, day)


def test_only_a_finished_month_closes_and_nothing_posts_into_it(seeded, tmp_path):
    from dataclasses import replace
    _closable(seeded, tmp_path)
    supervisor = login_as(seeded, "super1", "T02")
    day = closes.close_day(supervisor)
    month = day.strftime("%Y-%m")
    with pytest.raises(KioskError, match="not over yet"):
        closes.close_month(supervisor, month)
    later = replace(seeded, clock=lambda: seeded.clock() + dt.timedelta(days=40))
    supervisor = login_as(later, "super1", "T02")
    closes.close_month(supervisor, month)
    with pytest.raises(KioskError, match="already closed"):
        closes.close_month(supervisor, month)
    sale = charging.charge(login_as(later, "cashier1"), card_number=SV_CARD, amount=100,
                           pin="123456", key="after")
    assert sale.business_date > f"{month}-31"


def test_a_month_cannot_close_while_a_clock_runs_behind_it(seeded, tmp_path):
    """The month closed, a terminal whose clock says it is still that month posts into
    the next month, never into the closed one."""
    from dataclasses import replace
    _closable(seeded, tmp_path)
    month = closes.close_day(login_as(seeded, "super1", "T02")).strftime("%Y-%m")
    later = replace(seeded, clock=lambda: seeded.clock() + dt.timedelta(days=40))
    closes.close_month(login_as(later, "super1", "T02"), month)
    sale = charging.charge(login_as(seeded, "cashier1"), card_number=SV_CARD, amount=100,
                           pin="123456", key="behind")
    assert sale.business_date[:7] > month


def test_a_supervisor_closes_another_operators_shift_once(seeded):
    cashier, supervisor = login_as(seeded, "cashier1"), login_as(seeded, "super1", "T02")
    charging.charge(cashier, card_number=SV_CARD, amount=300, pin="123456", key="c")
    with pytest.raises(KioskError, match="may not"):
        closes.close_shift(login_as(seeded, "clerk1", "T02"), key="x",
                           shift_id=cashier.actor.shift_id)
    report = closes.close_shift(supervisor, key="s", shift_id=cashier.actor.shift_id)
    assert report.operator == "cashier1" and report.by_tender["card"] == 300
    with pytest.raises(KioskError, match="already closed"):
        closes.close_shift(supervisor, key="s2", shift_id=cashier.actor.shift_id)


def test_a_shift_in_which_nothing_happened_does_not_keep_the_day_open(seeded, tmp_path):
    _closable(seeded, tmp_path)
    idle = login_as(seeded, "clerk1", "T02")  # logged in, did nothing
    closes.close_day(login_as(seeded, "super1", "T02"))
    assert models.Shift.get_by_id(idle.actor.shift_id).closed_at is not None
