"""Sub cards at the screens, by keyboard at 80x24, on a store built from empty: two
issued at once from the main card (card services F8, F5), allocated to and printed;
four by the customer's code past the limit ("continue issuing?" and one review, in
Chinese); a sub card upgraded to the main card of a lost one."""

from __future__ import annotations

from kiosk.services import card_care, cards, sub_cards
from kiosk.services.verify import verify
from tests.app_helpers import wait_for_message, wait_for_screen, wait_until
from tests.fuel_shop import PIN, SUB_CARD_LIMIT, balances
from tests.app_helpers import back_from_outcome
from tests.app_helpers import fuel_app, open_card, open_centre, review_as, type_into


async def open_sub_cards(pilot, main: str, listed: int):
    """Card services F8 on the main card, its `listed` sub cards in the table."""
    await open_card(pilot, main)
    await pilot.press("f8")
    await wait_for_screen(pilot, "SubCardsScreen")
    screen = pilot.app.screen
    await wait_until(pilot, lambda: len(screen.rows) == listed, f"{listed} sub cards listed")
    return screen


async def open_sub_card_issue(pilot, main: str, count: int):
    """Card services F8 on the main card, F5: the issue form with its room checked and
    `count` typed."""
    await open_card(pilot, main)
    await pilot.press("f8")
    await wait_for_screen(pilot, "SubCardsScreen")
    await pilot.press("f5")
    await wait_for_screen(pilot, "SubCardIssueScreen")
    issue = pilot.app.screen
    await wait_until(pilot, lambda: issue.room is not None, "the main card's room")
    await type_into(pilot, "count", str(count))
    return issue


async def type_pin_and_issue(pilot) -> None:
    await type_into(pilot, "pin", PIN)
    await type_into(pilot, "pin2", PIN)
    await pilot.press("enter")
    await back_from_outcome(pilot, "SubCardsScreen")


async def test_two_sub_cards_issued_at_once_allocated_and_listed(tmp_path):
    app, shop = fuel_app(tmp_path)
    main = shop.main_card(shop.customer(funds=50000), balance=50000)
    shop.stock(2)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sub_card_issue(pilot, main, 2)
        await pilot.press("f6")
        await wait_for_message(pilot, "2 cards written")
        await type_pin_and_issue(pilot)
        screen = app.screen
        await wait_until(pilot, lambda: len(screen.rows) == 2, "two sub cards listed")
        first = screen.rows[0].number
        await pilot.press("enter")  # the first sub card: its amount next
        await type_into(pilot, "amount", "150")
        await pilot.press("enter", "enter")
        await wait_for_message(pilot, "moved")
        await pilot.press("f6")
        await wait_for_message(pilot, "printing")
    assert balances(first)["principal"] == 15000 and balances(main)["principal"] == 35000
    assert {row.status for row in sub_cards.sub_cards(shop.clerk, main)} == {"active"}
    printed = sorted(shop.runtime.settings.receipts_dir.glob("sub-cards-*.txt"))
    assert printed and first[-4:] in printed[-1].read_text(encoding="utf-8")
    assert verify(app.runtime.sealer).ok


async def test_smart_sub_cards_bound_one_per_f8_as_each_is_put_on_the_reader(tmp_path):
    """F8 binds the smart card on the reader to the next blank; the same card again is
    refused; the next card, then Enter issues both with their UIDs bound."""
    from kiosk.hw.pcsc import SimCardReader
    app, shop = fuel_app(tmp_path)
    reader = app.devices.card_reader = SimCardReader()
    main = shop.main_card(shop.customer())
    shop.stock(2)
    async with app.run_test(size=(80, 24)) as pilot:
        issue = await open_sub_card_issue(pilot, main, 2)
        await pilot.press("f8")
        await wait_for_message(pilot, "No card in the reader")
        reader.insert("04A1B2C3")
        await pilot.press("f8")
        await wait_for_message(pilot, "Smart card 1 of 2 bound")
        await pilot.press("f8")  # not taken off: the same card is not bound twice
        await wait_for_message(pilot, "already bound")
        reader.insert("04D4E5F6")
        await pilot.press("f8")
        await wait_for_message(pilot, "2 cards written")
        await type_pin_and_issue(pilot)
    bound = {cards.get_card(number).uid: cards.get_card(number).status
             for number in issue.written}
    assert bound == {"04A1B2C3": "active", "04D4E5F6": "active"}
    assert verify(app.runtime.sealer).ok


async def test_an_allocation_submitted_again_while_it_posts_moves_once(tmp_path, monkeypatch):
    """Enter pressed again while the first allocation is still being posted (the form
    has no busy state, and a thread already running is not cancelled): the second is the
    same operation, replayed, never a second one."""
    import threading
    from kiosk.services import transfers
    from kiosk.store import models
    app, shop = fuel_app(tmp_path)
    main = shop.main_card(shop.customer(funds=50000), balance=50000)
    sub = shop.sub_card(main)
    posting, resubmitted, real_allocate = [], threading.Event(), transfers.allocate

    def slow_allocate(*args, **kwargs):
        posting.append(kwargs["key"])
        if len(posting) == 1:
            resubmitted.wait(10)  # the first is still posting when Enter comes again
        return real_allocate(*args, **kwargs)

    monkeypatch.setattr(transfers, "allocate", slow_allocate)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sub_cards(pilot, main, listed=1)
        await pilot.press("enter")
        await type_into(pilot, "amount", "150")
        screen.submit()
        await wait_until(pilot, lambda: posting, "the first allocation posting")
        screen.submit()
        await wait_until(pilot, lambda: len(posting) == 2, "the second one sent")
        resubmitted.set()
        await wait_for_message(pilot, "moved")
    allocations = models.Operation.select().where(models.Operation.kind == "allocation")
    assert allocations.count() == 1 and balances(sub)["principal"] == 15000


async def test_four_by_the_customers_code_past_the_limit_in_chinese(tmp_path):
    app, shop = fuel_app(tmp_path, language="zh_CN")
    code = shop.customer()
    main = shop.main_card(code)
    shop.stock(4)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_centre(pilot, "k", "CustomersScreen", "clerk1")
        await wait_until(pilot, lambda: app.screen.value("code") == code, "the customer")
        await pilot.press("f8")
        await wait_for_screen(pilot, "CustomerCardsScreen")
        await pilot.press("f5")
        await wait_for_screen(pilot, "SubCardIssueScreen")
        issue = app.screen
        await wait_until(pilot, lambda: issue.value("main_card") == main, "its main card")
        await type_into(pilot, "count", "4")
        await pilot.press("f6")
        await wait_for_screen(pilot, "ConfirmModal")  # 4 passes the limit of 3
        assert "继续发卡" in str(app.screen.query_one("#title").render())
        await pilot.press("enter")
        await wait_for_screen(pilot, "SubCardIssueScreen")
        await wait_for_message(pilot, "4 张卡已写入")
        await type_into(pilot, "pin", PIN)
        await type_into(pilot, "pin2", PIN)
        await pilot.press("enter")
        await review_as(pilot, "super1")
        await wait_for_screen(pilot, "OutcomeScreen")
    issued = sub_cards.sub_cards(shop.clerk, main)
    assert len(issued) == 4 > SUB_CARD_LIMIT
    assert all(cards.get_card(row.number).customer.code == code for row in issued)
    assert verify(app.runtime.sealer).ok


async def test_a_sub_card_upgraded_to_the_main_card_of_a_lost_one(tmp_path):
    app, shop = fuel_app(tmp_path)
    main = shop.main_card(shop.customer(funds=30000), balance=30000)
    subs = [shop.sub_card(main) for _ in range(2)]
    card_care.report_loss(shop.clerk, main, "0000")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sub_cards(pilot, main, listed=2)
        await pilot.press("f9")  # the first, under the cursor
        await review_as(pilot, "super1")
        await back_from_outcome(pilot, "CardServiceScreen")
        await wait_until(pilot, lambda: app.screen.card.number == subs[0],
                         "the new main card shown")
    assert cards.get_card(main).status == "replaced"
    assert balances(subs[0])["principal"] == 30000
    assert cards.get_card(subs[1]).main_card.number == subs[0]
    assert verify(app.runtime.sealer).ok
