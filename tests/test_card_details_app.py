"""Card details and limits copied, at the screens (80x24) on a store built from empty:
F9 on a named card changes its holder, plate and remark with review; F6 then F7 copies
another card's limits here, F8 a main card's onto its sub cards. In Chinese too."""

from __future__ import annotations

from kiosk.services import card_care, card_details, cards, members
from kiosk.services.card_care import Restrictions
from kiosk.services.card_details import CardDetails
from tests.app_helpers import wait_for_message, wait_for_screen, wait_until
from tests.fuel_shop import SUPERVISOR
from tests.app_helpers import press_keys
from tests.app_helpers import fuel_app, open_card, review_as, type_into


async def test_a_named_cards_details_changed_with_review(tmp_path):
    app, shop = fuel_app(tmp_path)
    number = shop.card()
    first = members.register(shop.clerk, members.MemberDetails(
        "张伟", "13800138000", "110101199003078515"))
    members.register(shop.clerk, members.MemberDetails("李娜", "13900139000",
                                                       "310101196512120025"))
    card_details.change_details(shop.clerk, number, CardDetails(first), review=SUPERVISOR)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, number)
        await pilot.press("f9")
        await wait_for_screen(pilot, "CardDetailsScreen")
        screen = app.screen
        await type_into(pilot, "phone", "13900139000")
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.member is not None, "the new holder found")
        await type_into(pilot, "plate_number", "沪A12345")
        await type_into(pilot, "remark", "3 号车")
        await pilot.press("enter")
        await review_as(pilot, "super1")
        await wait_for_screen(pilot, "OutcomeScreen")
    card = cards.get_card(number)
    assert (card.member.name, card.plate_number, card.remark) == ("李娜", "沪A12345", "3 号车")
    assert card.changes.count() == 4


async def test_limits_copied_from_a_card_and_to_sub_cards_in_chinese(tmp_path):
    app, shop = fuel_app(tmp_path, language="zh_CN")
    main = shop.main_card(shop.customer())
    subs = [shop.sub_card(main) for _ in range(2)]
    model = shop.card()
    card_care.set_restrictions(shop.clerk, model, Restrictions(20000, "", "", "保健品"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, main)
        await pilot.press("f6")
        await wait_for_screen(pilot, "RestrictionsScreen")
        await pilot.press("f7")
        await wait_for_screen(pilot, "AskModal")
        await press_keys(pilot, *model, "enter")
        await wait_for_screen(pilot, "RestrictionsScreen")
        await wait_for_message(pilot, "已复制")
        await wait_until(pilot, lambda: app.screen.value("daily_limit") == "200.00",
                         "the copied limits shown")
        await pilot.press("f8")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("enter")
        await wait_for_screen(pilot, "RestrictionsScreen")
        await wait_for_message(pilot, "2 张")
    for number in (main, *subs):
        assert card_care.restrictions_of(shop.clerk, number) == Restrictions(20000, "", "",
                                                                              "保健品")
