"""Voucher templates at the screen (80x24), on a store built from empty: the
administrator picks the recharge voucher, writes the chain's template, previews it as
it prints and goes back to the default; a customer's main card issued at the screen
prints its application form."""

from __future__ import annotations

from kiosk.services import vouchers
from tests.app_helpers import log_in, wait_for_message, wait_for_screen, wait_until
from tests.conftest import CHAIN_ADMIN
from tests.app_helpers import fuel_app


async def test_the_administrator_writes_previews_and_drops_a_template(tmp_path):
    app, shop = fuel_app(tmp_path, language="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, *CHAIN_ADMIN)
        await pilot.press("f6")
        await wait_for_screen(pilot, "MemberCentreScreen")
        await pilot.press("v")
        await wait_for_screen(pilot, "VoucherTemplatesScreen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.kind == "card_issue", "the first voucher shown")
        await pilot.press("down")
        await wait_until(pilot, lambda: screen.kind == "recharge", "the recharge voucher")
        editor = screen.query_one("#template")
        await wait_until(pilot, lambda: "{amount}" in editor.text, "its default template")
        await pilot.press("enter")  # on the recharge voucher: its template to edit
        assert screen.focused is editor
        editor.load_text("= 加油卡充值凭证\n卡号 | {card}\n金额 | {amount}\n__ 客户签字")
        await pilot.press("f5")
        await wait_for_message(pilot, "模板已保存（4 行）")
        assert vouchers.template(shop.admin, "recharge").startswith("= 加油卡充值凭证")
        await pilot.press("f9")
        await wait_for_message(pilot, "打印效果")
        preview = str(screen.query_one("#preview-text").render())
        assert "加油卡充值凭证" in preview and "￥500.00" in preview and "客户签字：" in preview
        await pilot.press("f8")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("enter")
        await wait_for_screen(pilot, "VoucherTemplatesScreen")
        await wait_for_message(pilot, "已恢复默认模板")
    assert not any(row.kept for row in vouchers.vouchers(shop.admin))
