"""Customers (客户) at the screens, by keyboard at 80x24, on a store built from empty:
registered, recharged, given a main card and allocated to it; finance's credit; an
allocation template written and run. In English and in Chinese."""

from __future__ import annotations

from kiosk.services import allocation_templates, customers
from kiosk.services.verify import verify
from tests.app_helpers import wait_for_message, wait_for_screen, wait_until
from tests.fuel_shop import PIN, balances
from tests.app_helpers import fuel_app, log_out, open_centre, type_into
from tests.app_helpers import back_from_outcome


async def test_a_customer_is_registered_recharged_given_a_main_card_and_allocated(tmp_path):
    app, shop = fuel_app(tmp_path)
    shop.stock(2)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "k", "CustomersScreen", "clerk1")
        screen = app.screen
        await type_into(pilot, "name", "示范运输有限公司")
        await type_into(pilot, "invoice_title", "示范运输有限公司")
        await type_into(pilot, "tax_number", "91310000MA1FL0000X")
        screen.query_one("#credit_rating").focus()
        await pilot.press("enter")
        await wait_for_message(pilot, "saved")
        await wait_until(pilot, lambda: len(screen.rows) == 1, "the customer listed")
        code = screen.rows[0].code

        await pilot.press("f5")
        await wait_for_screen(pilot, "CustomerMoneyScreen")
        await type_into(pilot, "amount", "1000")
        await pilot.press("enter", "enter")  # amount -> tender (cash) -> recharge
        await back_from_outcome(pilot, "CustomersScreen")
        assert customers.get(shop.clerk, code).balance == 100000

        await pilot.press("f8")
        await wait_for_screen(pilot, "CustomerCardsScreen")
        await pilot.press("f4")
        await wait_for_screen(pilot, "IssueCardScreen")
        issue = app.screen
        await wait_until(pilot, lambda: issue.query("#card_number") and
                         issue.value("card_number"), "a blank card offered")
        assert issue.value("customer") == code
        await pilot.press("f6")
        await wait_for_message(pilot, "read back")
        await type_into(pilot, "pin", PIN)
        await type_into(pilot, "pin2", PIN)
        await pilot.press("enter")
        await back_from_outcome(pilot, "IssueCardScreen")
        await pilot.press("escape")
        await wait_for_screen(pilot, "CustomerCardsScreen")
        cards_screen = app.screen
        await wait_until(pilot, lambda: len(cards_screen.rows) == 1, "the main card listed")
        main = cards_screen.rows[0].number
        await pilot.press("escape")
        await wait_for_screen(pilot, "CustomersScreen")

        await pilot.press("f5")
        await wait_for_screen(pilot, "CustomerMoneyScreen")
        money = app.screen
        await wait_until(pilot, lambda: money.value("card_number") == main, "its main card")
        money.query_one("#action").focus()
        await pilot.press("right", "right", "right")  # allocate to a main card
        await type_into(pilot, "amount", "600")
        money.submit()
        await back_from_outcome(pilot, "CustomersScreen")
    assert customers.get(shop.clerk, code).balance == 40000
    assert balances(main)["principal"] == 60000
    printed = [path.read_text(encoding="utf-8")
               for path in app.runtime.settings.receipts_dir.glob("*.txt")]
    form = next(text for text in printed if "CUSTOMER APPLICATION FORM" in text)
    assert "示范运输有限公司" in form and "Customer signature：" in form  # its form, signed
    assert verify(app.runtime.sealer).ok


async def test_finance_gives_credit_and_the_clerk_runs_a_template_in_chinese(tmp_path):
    app, shop = fuel_app(tmp_path, language="zh_CN")
    code = shop.customer(funds=20000)
    main = shop.main_card(code, balance=20000)
    first, second = shop.sub_card(main), shop.sub_card(main)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "k", "CustomersScreen", "finance1")
        screen = app.screen
        await wait_until(pilot, lambda: screen.value("code") == code, "the customer shown")
        await type_into(pilot, "credit_limit", "500")
        screen.query_one("#credit_rating").focus()
        await pilot.press("right", "right")  # AA
        await pilot.press("enter")
        await wait_for_message(pilot, "已保存")
        assert (customers.get(shop.clerk, code).credit_limit,
                customers.get(shop.clerk, code).credit_rating) == (50000, "AA")
        await log_out(pilot)

        await open_centre(pilot, "k", "CustomersScreen", "clerk1")
        await wait_until(pilot, lambda: app.screen.value("code") == code, "the customer")
        await pilot.press("f7")
        await wait_for_screen(pilot, "TemplateListScreen")
        await pilot.press("f5")
        await wait_for_screen(pilot, "TemplateEditScreen")
        await type_into(pilot, "name", "每月")
        await type_into(pilot, "main_card", main)
        for number, amount in ((first, "120"), (second, "80")):
            await type_into(pilot, "sub_card", number)
            await type_into(pilot, "amount", amount)
            await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.screen.lines) == 2, "two lines")
        await pilot.press("f5")
        await wait_for_message(pilot, "已保存")
        await pilot.press("escape")
        await wait_for_screen(pilot, "TemplateListScreen")
        await wait_until(pilot, lambda: len(app.screen.rows) == 1, "the template listed")
        await pilot.press("f8")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("enter")
        await wait_for_screen(pilot, "TemplateListScreen")
        await wait_for_message(pilot, "¥200.00")
    assert [balances(n)["principal"] for n in (main, first, second)] == [0, 12000, 8000]
    assert [t.name for t in allocation_templates.templates(shop.clerk, code)] == ["每月"]
    assert verify(app.runtime.sealer).ok
