"""The member's SMS when an insurance-to-stored-value transfer is credited, from the
screen (member centre 5), on an empty store: finance approves, the SMS gateway used for
members' codes sends it; a failed SMS is said on screen and F6 sends it again."""

from __future__ import annotations

from dataclasses import replace

from kiosk.store import models
from tests.app_helpers import make_app, open_centre, wait_for_message, wait_for_screen, wait_until
from tests.test_points import OUTLET, FailingSender, build_crm, insurance_transfer_filed


async def test_finance_approves_the_sms_fails_and_f6_sends_it_again(chain, runtime):
    crm = build_crm(chain, runtime)
    insurance_transfer_filed(crm)
    app = make_app(replace(runtime, settings=replace(runtime.settings, outlet_code=OUTLET)))
    sender = app.devices.code_sender = FailingSender()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "5", "InsuranceTransferScreen", login=("finance1", "Good1234"))
        screen = app.screen
        await wait_until(pilot, lambda: screen.rows, "the request is listed")
        screen.query_one("#table").focus()
        await pilot.press("f7")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("enter")
        await wait_for_message(pilot, "could not be sent")
        await wait_until(pilot, lambda: screen.rows[0].status == "approved", "reloaded")
        assert not screen.rows[0].told and sender.sent == []
        table = screen.query_one("#table")
        assert "not sent" in [str(cell) for cell in table.get_row_at(0)]
        sender.up = True
        screen.query_one("#table").focus()
        await pilot.press("f6")
        await wait_for_message(pilot, "told by SMS (138****8000)")
        await wait_until(pilot, lambda: screen.rows[0].told, "the SMS marked sent")
    phone, text = sender.sent[-1]
    assert phone == "13800138000" and "转储值卡200.00元已到账" in text
    assert models.InsuranceTransfer.get().told_at is not None
