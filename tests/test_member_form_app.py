"""The member form of an existing member: keys typed before the record has loaded go
nowhere (they would be overwritten or mixed into what loads); then the name has focus."""

from __future__ import annotations

import threading

from kiosk.screens.member_form import MemberFormScreen
from kiosk.services import members
from tests.app_helpers import log_in, make_app, seeded_runtime, wait_for_screen, wait_until
from tests.test_member_privacy import zhang_wei


async def test_keys_typed_before_the_record_loads_land_nowhere(tmp_path, monkeypatch):
    loaded = threading.Event()
    real_get = members.get

    def slow_get(*args, **kwargs):
        loaded.wait(10)
        return real_get(*args, **kwargs)

    monkeypatch.setattr(members, "get", slow_get)
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "clerk1", "Clerk1234")
        app.push_screen(MemberFormScreen(zhang_wei()))
        await wait_for_screen(pilot, "MemberFormScreen")
        await pilot.press(*"abc")
        assert app.screen.value("name") == ""  # not typed into a record still loading
        loaded.set()
        screen = app.screen
        await wait_until(pilot, lambda: screen.value("phone") == "138****8000",
                         "the record on screen")
        assert screen.value("name") == "张伟"
        await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "name",
                         "the name focused")
