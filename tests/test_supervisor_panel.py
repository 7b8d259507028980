"""The supervisor acts from any screen of someone else's terminal (Ctrl+O): unlock an
operator, close another's shift; the operator there stays logged in."""

import pytest

from kiosk.errors import KioskError
from kiosk.services import charge, supervision
from kiosk.services.charge import Review
from kiosk.store import models
from tests.app_helpers import press_keys
from tests.app_helpers import log_in, make_app, seeded_runtime, wait_for_message, wait_for_screen
from tests.conftest import SV_CARD, login_as


async def fill_panel(pilot, action_steps: int, target: str, login: str, password: str):
    await pilot.press("ctrl+o")
    await wait_for_screen(pilot, "SupervisorScreen")
    for _ in range(action_steps):
        await pilot.press("right")
    await press_keys(pilot, "enter", *target, "enter", *login, "enter", *password, "enter")


async def test_a_supervisor_unlocks_an_operator_from_the_cashiers_screen(tmp_path):
    runtime = seeded_runtime(tmp_path)
    models.Operator.update(locked=True).where(models.Operator.login_id == "clerk1").execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await fill_panel(pilot, 0, "clerk1", "super1", "Super1234")
        await wait_for_message(pilot, "clerk1 is unlocked")
        assert app.screen.query_one("#password").value == ""  # never kept
        await pilot.press("escape")
        await wait_for_screen(pilot, "StartScreen")
        assert app.login.operator_name  # the cashier is still logged in
    assert not models.Operator.get(models.Operator.login_id == "clerk1").locked
    event = models.AuditEvent.get(models.AuditEvent.action == "operator.unlock")
    assert event.operator_login == "super1"


async def test_a_supervisor_closes_another_shift_and_prints_its_report_a_clerk_cannot(
        tmp_path):
    runtime = seeded_runtime(tmp_path)
    clerk = login_as(runtime, "clerk1", "T02")
    charge.charge(clerk, card_number=SV_CARD, amount=100, pin="123456", key="sale")
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await fill_panel(pilot, 1, str(clerk.actor.shift_id), "clerk1", "Clerk1234")
        await wait_for_message(pilot, "may not")  # a clerk is no supervisor
        assert models.Shift.get_by_id(clerk.actor.shift_id).closed_at is None
        await pilot.press("escape")
        await fill_panel(pilot, 1, str(clerk.actor.shift_id), "super1", "Super1234")
        await wait_for_message(pilot, "is closed")
        await wait_for_message(pilot, "Shift report printed")
    assert models.Shift.get_by_id(clerk.actor.shift_id).closed_at is not None
    printed = (runtime.settings.receipts_dir / f"shift-{clerk.actor.shift_id}.txt").read_text()
    assert "clerk1" in printed  # whose shift it was, though the supervisor printed it


async def test_the_header_says_so_when_the_supervisor_closed_the_logged_in_shift(tmp_path):
    from kiosk.screens.base import StatusBar
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        shift = app.login.actor.shift_id
        assert str(app.screen.query_one(StatusBar).render()).endswith(f"Shift #{shift}")
        await fill_panel(pilot, 1, str(shift), "super1", "Super1234")
        await wait_for_message(pilot, "is closed")
        await pilot.press("escape")
        await wait_for_screen(pilot, "StartScreen")
        assert str(app.screen.query_one(StatusBar).render()).endswith(
            f"Shift #{shift} closed")  # at once, not only at the next card read


def test_wrong_supervisor_passwords_count_on_the_supervisors_review_counter(seeded):
    cashier = login_as(seeded, "cashier1")
    for _ in range(3):
        with pytest.raises(KioskError):
            supervision.unlock_operator(cashier, Review("super1", "wrong"), "clerk1")
    supervisor = models.Operator.get(models.Operator.login_id == "super1")
    assert not supervisor.locked  # the cashier cannot lock the supervisor's login


async def test_a_locked_out_cashier_is_unlocked_from_the_login_screen(tmp_path):
    """Nobody logged in: the supervisor opens the panel on the login screen itself."""
    runtime = seeded_runtime(tmp_path)
    models.Operator.update(locked=True).where(models.Operator.login_id == "cashier1").execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, "LoginScreen")
        await fill_panel(pilot, 0, "cashier1", "super1", "Super1234")
        await wait_for_message(pilot, "cashier1 is unlocked")
        await pilot.press("escape")
        await wait_for_screen(pilot, "LoginScreen")
        await log_in(pilot)  # the cashier works again
    assert not models.Operator.get(models.Operator.login_id == "cashier1").locked


async def test_the_supervisor_logged_in_uses_the_panel_alone(tmp_path):
    runtime = seeded_runtime(tmp_path)
    models.Operator.update(locked=True).where(models.Operator.login_id == "cashier1").execute()
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "super1", "Super1234")
        await fill_panel(pilot, 0, "cashier1", "super1", "Super1234")
        await wait_for_message(pilot, "cashier1 is unlocked")
    assert not models.Operator.get(models.Operator.login_id == "cashier1").locked


def test_a_review_still_needs_another_operator(seeded):
    from kiosk.services import operators, permissions
    supervisor = login_as(seeded, "super1")
    with pytest.raises(KioskError, match="different operator"):
        operators.authorise_review(supervisor, Review("super1", "Super1234"), permissions.REFUND)


async def test_a_cashier_whose_shift_a_supervisor_closed_is_told_before_the_pin(tmp_path):
    """The supervisor closed the logged-in cashier's shift from another terminal: the
    next card read says so before the customer types a PIN, and F8 shows the closed
    shift with the way out (the report printed at the supervisor's close)."""
    runtime = seeded_runtime(tmp_path)
    app = make_app(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        shift_id = app.session.actor.shift_id
        supervision.close_shift(login_as(runtime, "super1", "T02"),
                                Review("super1", "Super1234"), shift_id, key="close-it")
        await press_keys(pilot, *SV_CARD, "enter")
        await wait_for_screen(pilot, "CardScreen")
        await wait_for_message(pilot, f"shift #{shift_id} is closed")
        await pilot.press("escape")
        await wait_for_screen(pilot, "StartScreen")
        await pilot.press("f8")
        await wait_for_screen(pilot, "ShiftCloseScreen")
        await wait_for_message(pilot, "closed by a supervisor")
        await pilot.press("enter")
        await wait_for_screen(pilot, "LoginScreen")


