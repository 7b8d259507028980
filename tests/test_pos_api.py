"""The store POS's endpoint (issue 21), driven with a real HTTP client (aiohttp) against
the running app (pilot) on the same loop: the POS sends the sale, the customer swipes
and types the PIN at the counter, the POS gets the answer. Judged by the replies and
by the journal: one charge per order, whatever is sent again, cancelled, or restarted."""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp
import pytest
from textual.widgets import Input

from kiosk.services import cards, pos_sales
from kiosk.services.verify import verify
from kiosk.store import db, models
from tests.app_helpers import press_keys
from tests.app_helpers import (FakeClock, demo_swipe, make_app, message_text, past_key_guard,
                               seeded_runtime, wait_for_message, wait_for_screen, wait_until)
from tests.conftest import INS_CARD, login_as

LINES = [{"code": "6901234", "name": "阿莫西林胶囊", "category": "药品", "amount": 2350},
         {"code": "6905678", "name": "医用口罩", "category": "医疗器械", "amount": 1000}]
SUPPLEMENT = {"code": "6909999", "name": "维生素C片", "category": "保健品", "amount": 6800}


def sale(order_no: str = "A1001", lines=None, **more) -> dict:
    lines = LINES if lines is None else lines
    return {"order_no": order_no, "lines": lines,
            "total": sum(line["amount"] for line in lines), **more}


@pytest.fixture
def runtime(tmp_path):
    runtime = seeded_runtime(tmp_path, pos_listen="127.0.0.1:0")
    yield runtime
    db.close()


@pytest.fixture
def token(runtime):
    admin = login_as(runtime, "admin1")
    return pos_sales.register(admin, code="POS1", name="收银机1", outlet_code="31010001",
                              terminal_code="T01")


@contextlib.asynccontextmanager
async def counter(runtime, token, *, logged_in=True, clock=None):
    """The app running with its endpoint up, and a POS's HTTP client for it."""
    app = make_app(runtime, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.pos_endpoint is not None, "the endpoint is up")
        async with aiohttp.ClientSession(
                base_url=f"http://127.0.0.1:{app.pos_endpoint.port}",
                headers={"Authorization": f"Bearer {token}"}) as http:
            if logged_in:
                await press_keys(pilot, *"cashier1", "enter", *"Cashier123", "enter")
                # a sale waiting in the store since before a restart opens at once
                await wait_until(pilot, lambda: type(app.screen).__name__ in (
                    "StartScreen", "PosSaleScreen"), "logged in")
            yield pilot, http


def send(http, path, body, **params):
    """A POST running while the test works the counter; await it for the reply."""
    async def post():
        async with http.post(path, json=body, params=params) as reply:
            return reply.status, await reply.json()
    return asyncio.ensure_future(post())


async def get(http, path):
    async with http.get(path) as reply:
        return reply.status, await reply.json()


async def pay(pilot, card=INS_CARD, pin="123456"):
    """At the counter: the POS's sale is up, the customer swipes and types the PIN."""
    await wait_for_screen(pilot, "PosSaleScreen")
    pilot.app.simulate_swipe(demo_swipe(card))
    await wait_until(pilot, lambda: pilot.app.screen.query_one("#pin-row").display,
                     "the PIN is asked")
    await press_keys(pilot, *pin, "enter")


def charges():
    return list(models.Operation.select().where(models.Operation.kind == "charge"))


def principal(number):
    return cards.view(cards.get_card(number)).principal


async def test_a_sale_is_approved_with_the_split_the_balance_and_the_receipt(runtime, token):
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale(channel_order_no=None))
        await pay(pilot)
        await wait_for_screen(pilot, "ResultScreen")
        status, body = await reply
    assert status == 200, body
    assert body["state"] == "approved" and body["order_no"] == "A1001"
    assert body["amount"] == 3350 and body["principal"] == 3350 and body["bonus"] == 0
    assert body["balance_after"] == 50000 - 3350 == principal(INS_CARD)
    assert body["journal_no"] == charges()[0].id
    assert "阿莫西林胶囊" in body["receipt_text"] and "￥33.50" in body["receipt_text"]
    assert body["card"].startswith("888800") and "*" in body["card"]
    assert verify(runtime.sealer).ok


async def test_a_forbidden_category_in_the_pos_lines_declines_before_the_pin(runtime, token):
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale(lines=LINES + [SUPPLEMENT]))
        await wait_for_screen(pilot, "PosSaleScreen")
        pilot.app.simulate_swipe(demo_swipe(INS_CARD))
        status, body = await reply
        assert not pilot.app.screen.query_one("#pin-row").display
        await wait_for_message(pilot, "保健品")
        # the POS re-rings the basket without it, under the same order number
        reply = send(http, "/v1/sales", sale())
        await pilot.press("enter")
        await pay(pilot)
        status2, body2 = await reply
    assert status == 200 and body["state"] == "declined"
    assert body["reason"] == "forbidden_category" and "保健品" in body["message"]
    assert body2["state"] == "approved" and body2["attempt"] == 2 and body2["amount"] == 3350
    assert len(charges()) == 1 and principal(INS_CARD) == 50000 - 3350


async def test_a_wrong_pin_declines_and_charges_nothing(runtime, token):
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale())
        await pay(pilot, pin="111111")
        status, body = await reply
        await wait_for_message(pilot, "2 tries left")
    assert body["state"] == "declined" and body["reason"] == "wrong_pin"
    assert "2" in body["message"] and "密码" in body["message"]
    assert charges() == [] and principal(INS_CARD) == 50000


async def test_a_lost_reply_is_found_by_its_status_and_a_replay_charges_once(runtime, token):
    async with counter(runtime, token) as (pilot, http):
        with pytest.raises(asyncio.TimeoutError):  # the POS's own HTTP timeout fires
            await http.post("/v1/sales", json=sale(), timeout=aiohttp.ClientTimeout(total=0.3))
        await wait_for_screen(pilot, "PosSaleScreen")
        status, body = await send(http, "/v1/sales", sale(), wait="0.2")
        assert status == 202 and body["state"] == "pending"  # the kiosk stopped waiting
        assert (await get(http, "/v1/sales/A1001"))[1]["state"] == "pending"
        await pay(pilot)
        await wait_for_screen(pilot, "ResultScreen")
        status, body = await get(http, "/v1/sales/A1001")
        assert status == 200 and body["state"] == "approved"
        again, replayed = await send(http, "/v1/sales", sale())
        assert again == 200 and replayed["journal_no"] == body["journal_no"]
        changed, refused = await send(http, "/v1/sales", sale(lines=LINES[:1]))
        assert changed == 409 and refused["error"]["code"] == "order_conflict"
    assert len(charges()) == 1 and principal(INS_CARD) == 50000 - 3350


async def test_the_pos_cancels_while_the_customer_types_the_pin(runtime, token):
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale())
        await wait_for_screen(pilot, "PosSaleScreen")
        pilot.app.simulate_swipe(demo_swipe(INS_CARD))
        await wait_until(pilot, lambda: pilot.app.screen.query_one("#pin-row").display,
                         "the PIN is asked")
        await pilot.press("1", "2", "3")
        status, body = await send(http, "/v1/sales/A1001/cancel", {})
        assert status == 200 and body["state"] == "cancelled"
        await wait_for_screen(pilot, "StartScreen")
        assert "cancelled by the POS" in message_text(pilot.app)
        _, first = await reply
        assert first["state"] == "cancelled" and first["reason"] == "cancelled_by_pos"
    assert charges() == [] and principal(INS_CARD) == 50000


async def test_left_alone_the_pin_is_wiped_and_the_sale_waits_for_the_next_try(runtime, token):
    clock = FakeClock()
    async with counter(runtime, token, clock=clock) as (pilot, http):
        reply = send(http, "/v1/sales", sale())
        await wait_for_screen(pilot, "PosSaleScreen")
        first = pilot.app.screen
        pilot.app.simulate_swipe(demo_swipe(INS_CARD))
        await wait_until(pilot, lambda: first.query_one("#pin-row").display, "the PIN is asked")
        await pilot.press("1", "2", "3")
        clock.advance(runtime.settings.idle_timeout_seconds + 1)
        await wait_until(pilot, lambda: pilot.app.screen is not first
                         and type(pilot.app.screen).__name__ == "PosSaleScreen"
                         and pilot.app.screen.is_mounted, "the sale is offered afresh")
        await pilot.pause()
        assert first not in pilot.app.screen_stack  # gone, with what was typed in it
        assert pilot.app.screen.query_one("#pin", Input).value == ""
        assert not pilot.app.screen.query_one("#pin-row").display  # swipe again
        assert (await get(http, "/v1/sales/A1001"))[1]["state"] == "pending"
        await pay(pilot)
        status, body = await reply
    assert body["state"] == "approved" and len(charges()) == 1


async def test_a_cancel_after_the_approval_is_refused(runtime, token):
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale())
        await pay(pilot)
        await reply
        status, body = await send(http, "/v1/sales/A1001/cancel", {})
    assert status == 409 and body["error"]["code"] == "already_approved"
    assert body["state"] == "approved" and len(charges()) == 1


async def test_a_refund_by_lines_is_reviewed_by_the_supervisor(runtime, token):
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale())
        await pay(pilot)
        await reply
        await wait_for_screen(pilot, "ResultScreen")
        past_key_guard(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, "StartScreen")
        refund = send(http, "/v1/refunds", {"refund_no": "R1", "order_no": "A1001",
                                            "lines": [{"code": "6905678"}]})
        await wait_for_screen(pilot, "PosRefundScreen")
        await pilot.press("enter")
        await wait_for_screen(pilot, "ReviewModal")
        await press_keys(pilot, *"super1", "enter", *"Super1234", "enter")
        await wait_for_screen(pilot, "ResultScreen")
        status, body = await refund
        assert status == 200 and body["state"] == "approved", body
        assert body["amount"] == 1000 and body["lines"] == [{"code": "6905678", "amount": 1000}]
        # that line is refunded in full: more of it is refused before anyone reviews
        status, again = await send(http, "/v1/refunds", {"refund_no": "R2", "order_no": "A1001",
                                                         "lines": [{"code": "6905678"}]})
        assert status == 400 and "6905678" in again["error"]["message"]
    assert principal(INS_CARD) == 50000 - 3350 + 1000
    assert verify(runtime.sealer).ok


async def test_bad_token_malformed_and_oversized_bodies_are_refused(runtime, token):
    async with counter(runtime, token, logged_in=False) as (pilot, http):
        url = "/v1/sales"
        async with http.post(url, json=sale(), headers={"Authorization": "Bearer POS1.nope"}
                             ) as reply:
            assert reply.status == 401
            assert (await reply.json())["error"]["code"] == "bad_token"
        async with http.post(url, json=sale(), headers={"Authorization": ""}) as reply:
            assert reply.status == 401
        async with http.post(url, data=b'{"order_no": "A1", "lines": [',
                             headers={"Content-Type": "application/json"}) as reply:
            assert reply.status == 400
            assert (await reply.json())["error"]["code"] == "malformed_json"
        for broken in (sale(total=1), sale(lines=[dict(LINES[0], amount=23.5)]),
                       {**sale(), "extra": 1}, sale(order_no="A 1")):
            async with http.post(url, json=broken) as reply:
                assert reply.status == 400, broken
                assert (await reply.json())["error"]["code"] == "invalid_request"
        big = sale(lines=[dict(LINES[0], name="x" * 50, code=str(n)) for n in range(100)])
        big["padding"] = "x" * 70_000
        async with http.post(url, json=big) as reply:
            assert reply.status == 413
            assert (await reply.json())["error"]["code"] == "body_too_large"
        async with http.post(url, data="order", headers={"Content-Type": "text/plain"}) as reply:
            assert reply.status == 415
        status, body = await get(http, "/v1/sales/NOPE")
        assert status == 404 and body["error"]["code"] == "unknown_order"
    assert not models.PosRequest.select().exists()


async def test_nothing_posts_twice_across_a_restart_in_the_middle(runtime, token):
    # The kiosk stops while the customer is at the PIN: the sale waits in the store.
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale())
        await wait_for_screen(pilot, "PosSaleScreen")
        pilot.app.simulate_swipe(demo_swipe(INS_CARD))
        await wait_until(pilot, lambda: pilot.app.screen.query_one("#pin-row").display,
                         "the PIN is asked")
    with pytest.raises(aiohttp.ClientError):
        await reply
    # Restarted: the same sale is offered again; the POS sends it again, it is paid once.
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale(), wait="0")
        await pay(pilot)
        await wait_for_screen(pilot, "ResultScreen")
        await reply
        status, body = await get(http, "/v1/sales/A1001")
        assert body["state"] == "approved" and body["attempt"] == 1
    # Paid, and the kiosk stops before the POS read the reply: after the restart the
    # POS's status query and its replay find the approval; nothing charges again.
    async with counter(runtime, token) as (pilot, http):
        status, replay = await send(http, "/v1/sales", sale())
        assert status == 200 and replay["journal_no"] == body["journal_no"]
        await pilot.pause(0.3)
        assert type(pilot.app.screen).__name__ == "StartScreen"
    assert len(charges()) == 1 and principal(INS_CARD) == 50000 - 3350


async def test_the_reference_client_pays_refunds_and_cancels(runtime, token):
    from scripts.pos_client import KioskClient, main as client_main
    async with counter(runtime, token) as (pilot, http):
        client = KioskClient(str(http._base_url), token)
        paying = asyncio.ensure_future(asyncio.to_thread(client.pay, "C1", LINES))
        await pay(pilot)
        paid = await paying
        assert paid["state"] == "approved" and paid["amount"] == 3350
        await wait_for_screen(pilot, "ResultScreen")
        assert (await asyncio.to_thread(client.pay, "C1", LINES))["journal_no"] == \
            paid["journal_no"]
        past_key_guard(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, "StartScreen")
        refunding = asyncio.ensure_future(asyncio.to_thread(
            client.refund, "CR1", "C1", [{"code": "6901234", "amount": 350}]))
        await wait_for_screen(pilot, "PosRefundScreen")
        await pilot.press("enter")
        await wait_for_screen(pilot, "ReviewModal")
        await press_keys(pilot, *"super1", "enter", *"Super1234", "enter")
        refunded = await refunding
        assert refunded["state"] == "approved" and refunded["amount"] == 350
        await wait_for_screen(pilot, "ResultScreen")
        past_key_guard(pilot)
        await pilot.press("enter")
        await wait_for_screen(pilot, "StartScreen")
        # the command line: a sale the POS then cancels (exit status 1)
        args = ["--url", str(http._base_url), "--token", token]
        selling = asyncio.ensure_future(asyncio.to_thread(
            client_main, args + ["sale", "C2", "--line", "6901234:阿莫西林胶囊:药品:2350"]))
        await wait_for_screen(pilot, "PosSaleScreen")
        assert await asyncio.to_thread(client_main, args + ["cancel", "C2"]) == 0
        assert await selling == 1
        assert await asyncio.to_thread(client_main, args + ["status", "C1"]) == 0
    assert len(charges()) == 1 and principal(INS_CARD) == 50000 - 3350 + 350


def test_the_openapi_file_names_every_route(runtime):
    from pathlib import Path
    from kiosk.pos_api import PosEndpoint
    spec = json.loads((Path(__file__).parent.parent / "docs" / "pos-api.openapi.json")
                      .read_text(encoding="utf-8"))
    routes = {(route.method.lower(), route.resource.canonical.replace("{number}", "{n}"))
              for route in PosEndpoint(runtime, 1).web_app.router.routes()
              if route.method != "HEAD"}
    documented = {(method, path.replace("{order_no}", "{n}").replace("{refund_no}", "{n}"))
                  for path, item in spec["paths"].items() for method in item}
    assert routes == documented


def key_bar(app) -> str:
    from kiosk.screens.base import KeyBar
    return str(app.screen.query_one(KeyBar).render())


async def test_esc_clears_a_half_typed_number_and_asks_before_declining(runtime, token):
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale())
        await wait_for_screen(pilot, "PosSaleScreen")
        await press_keys(pilot, *"88880000", "escape")
        assert pilot.app.screen.query_one("#number", Input).value == ""
        assert type(pilot.app.screen).__name__ == "PosSaleScreen"
        await pilot.press("escape")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("escape")  # no: the sale stays
        await wait_for_screen(pilot, "PosSaleScreen")
        assert not reply.done()
        await pilot.press("escape")
        await wait_for_screen(pilot, "ConfirmModal")
        await pilot.press("enter")
        await wait_for_screen(pilot, "StartScreen")
        status, body = await reply
    assert body["state"] == "declined" and charges() == []


async def test_a_refused_card_asks_no_pin_and_another_card_pays(runtime, token):
    models.Card.update(status="lost").where(models.Card.number == "8888000000000018").execute()
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale())
        await wait_for_screen(pilot, "PosSaleScreen")
        pilot.app.simulate_swipe(demo_swipe("8888000000000018"))
        await wait_for_message(pilot, "reported lost")
        assert not pilot.app.screen.query_one("#pin-row").display
        await pay(pilot)
        status, body = await reply
    assert body["state"] == "approved"


async def test_once_a_sale_is_over_the_key_bar_offers_back_only(runtime, token):
    async with counter(runtime, token) as (pilot, http):
        reply = send(http, "/v1/sales", sale(lines=LINES + [SUPPLEMENT]))
        await wait_for_screen(pilot, "PosSaleScreen")
        assert "Decline the POS sale" in key_bar(pilot.app)
        pilot.app.simulate_swipe(demo_swipe(INS_CARD))
        await reply
        await wait_for_message(pilot, "保健品")
        assert key_bar(pilot.app) == "Enter Esc Back"
        await pilot.press("escape")
        await wait_for_screen(pilot, "StartScreen")


async def test_a_port_in_use_is_said_in_the_screens_language(runtime):
    """Another program on the POS port: the notice says so and what to do, in Chinese on
    a Chinese counter, not the system's English errno text."""
    import socket

    from kiosk.errors import KioskError
    from kiosk.i18n import translator
    from kiosk.pos_api import PosEndpoint
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(KioskError) as refused:
            await PosEndpoint(runtime, 1).start("127.0.0.1", port)
    assert "in use by another program" in str(refused.value)
    assert refused.value.render(translator("zh_CN")) == (
        f"127.0.0.1:{port} 已被其他程序占用：请停止该程序或换一个端口。")
