"""Building the app for pilot and snapshot tests: a file database, sim devices, a
fixed clock (so dates on screen do not change), and no cursor blink."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace

from textual import events
from textual.widgets import Input

from kiosk.app import _key_name, build_app
from kiosk.hw.devices import Devices
from kiosk.hw.msr import SimWriter
from kiosk.hw.pcsc import SimCardReader
from kiosk.hw.printer import SimPrinter
from kiosk.hw.swipe import START_SENTINELS
from kiosk.hw.sms import SimCodeSender
from kiosk.hw.tracks import swipe_text
from kiosk.screens.result import IGNORE_KEYS_SECONDS
from kiosk.services.bootstrap import open_runtime
from kiosk.services.session import Runtime
from tests.conftest import copy_demo_store, copy_store, make_settings

FIXED_NOW = dt.datetime(2026, 11, 22, 2, 30)  # 10:30 in Shanghai


def empty_runtime(tmp_path, **overrides) -> Runtime:
    """A store after `kiosk init` and nothing else (no demo, not set up): a copy, see
    conftest.copy_store."""
    settings = replace(make_settings(tmp_path / "home"), swipe_key_gap_ms=300, **overrides)
    copy_store(settings, "init")
    return replace(open_runtime(settings, initialise=True), clock=lambda: FIXED_NOW)


def seeded_runtime(tmp_path, **overrides) -> Runtime:
    """The demo's store at FIXED_NOW (a copy: see conftest.copy_demo_store)."""
    settings = replace(make_settings(tmp_path / "home"), swipe_key_gap_ms=300, **overrides)
    copy_demo_store(settings, lambda: FIXED_NOW, "fixed")
    return replace(open_runtime(settings, initialise=True), clock=lambda: FIXED_NOW)


class FakeClock:
    """The app's monotonic clock in tests: real time, plus however far the test has
    moved it on. Idle timeouts, the result screen's key guard and the pause that ends a
    burst of keys pass at once (advance), with no real waiting. A `stopped` clock moves
    only when the test advances it (a test that must not depend on how fast the machine
    runs it)."""

    def __init__(self, *, stopped: bool = False) -> None:
        self.skipped = 0.0
        self.started = time.monotonic()
        self.stopped = stopped

    def __call__(self) -> float:
        return (self.started if self.stopped else time.monotonic()) + self.skipped

    def advance(self, seconds: float) -> None:
        self.skipped += seconds


def make_app(runtime: Runtime, *, printer_offline: bool = False, demo: bool = False,
             clock: FakeClock | None = None):
    """The app on sim devices; its clock (app.monotonic) is a FakeClock."""
    printer = SimPrinter(runtime.settings.receipts_dir, offline=printer_offline)
    devices = Devices(printer=printer, writer=SimWriter(), card_reader=SimCardReader(),
                      code_sender=SimCodeSender())
    return build_app(runtime, devices, demo=demo, monotonic=clock or FakeClock())


def past_key_guard(pilot) -> None:
    """As if the result screen had been up long enough to take Enter (a second Enter
    right after the one that charged is ignored there)."""
    pilot.app.monotonic.advance(IGNORE_KEYS_SECONDS)


def no_blink(app) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


async def type_text(pilot, text: str) -> None:
    """`text` typed a key at a time: each character a key event through the app, as a
    keyboard sends it (the idle clock, the swipe detector, the bindings, the focused
    field), in order. Pilot.press waits for the app to go idle after every key (at
    least 40 ms a key); here the keys are queued together and the wait comes once,
    after the last, as it does after a press. Text with a swipe's start sentinel goes
    key by key through Pilot.press, so the detector sees a person's pace."""
    if not text:
        return
    if START_SENTINELS & set(text):
        await pilot.press(*text)
        return
    for character in text[:-1]:
        pilot.app.post_message(events.Key(_key_name(character), character))
    await pilot.press(text[-1])  # queued after the others; waits as a press does


async def press_keys(pilot, *keys: str) -> None:
    """As pilot.press(*keys), each run of characters typed by type_text: a named key
    (enter, f5, escape...) is pressed on its own and waited on, as before, so what it
    starts (a lookup, another screen) is done before the next key."""
    run: list[str] = []
    for key in keys:
        if len(key) == 1:
            run.append(key)
            continue
        await type_text(pilot, "".join(run))
        run = []
        await pilot.press(key)
    await type_text(pilot, "".join(run))


async def log_in(pilot, login_id="cashier1", password="Cashier123") -> None:
    await press_keys(pilot, *login_id, "enter", *password, "enter")
    await wait_for_screen(pilot, "StartScreen")


async def wait_for_screen(pilot, name: str, timeout: float = 5.0) -> None:
    waited = 0.0
    while type(pilot.app.screen).__name__ != name:
        await pilot.pause(0.05)
        waited += 0.05
        if waited > timeout:
            raise AssertionError(f"expected {name}, still on {type(pilot.app.screen).__name__}: "
                                 f"{message_text(pilot.app)}")
    # The screen is current; let it finish mounting its widgets before the test touches them.
    while not pilot.app.screen.is_mounted:
        await pilot.pause(0.02)
    await pilot.pause()


def message_text(app) -> str:
    try:
        return str(app.screen.query_one("#message").render())
    except Exception:
        return ""


async def paste_into(pilot, field: str, text: str) -> None:
    """Put `text` in a field as a terminal's paste does (a person pastes a file's path;
    typing it a key at a time only makes the test slow)."""
    widget = pilot.app.screen.query_one(f"#{field}", Input)
    widget.focus()
    widget.value = ""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()
    assert widget.value == text


async def wait_for_message(pilot, fragment: str, timeout: float = 5.0) -> None:
    waited = 0.0
    while fragment not in message_text(pilot.app):
        await pilot.pause(0.05)
        waited += 0.05
        if waited > timeout:
            raise AssertionError(f"message {fragment!r} not shown; shows "
                                 f"{message_text(pilot.app)!r}")


async def wait_until(pilot, condition, what: str, timeout: float = 5.0) -> None:
    waited = 0.0
    while not condition():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > timeout:
            raise AssertionError(f"{what}: still not so; message {message_text(pilot.app)!r}")


def demo_swipe(number: str) -> str:
    return swipe_text(number, "DEMO/CARD", "3012")


async def swipe_card(pilot, number: str) -> None:
    """Log in as the cashier and swipe `number` with the demo reader."""
    await log_in(pilot)
    pilot.app.simulate_swipe(demo_swipe(number))
    await wait_for_screen(pilot, "CardScreen")


# -- the member centre by keyboard, on the demo's store or one built from empty ---------
def known_password(login_id: str) -> str:
    """The password of a demo operator or of a FuelShop's (the same where both have one)."""
    from kiosk.services import demo
    from tests.fuel_shop import PASSWORDS
    return ({op.login_id: op.password for op in demo.OPERATORS} | PASSWORDS)[login_id]


async def open_centre(pilot, entry: str, screen: str, login="clerk1") -> None:
    """Logged in as `login` (a known login id, or (login id, password)), the member
    centre's entry `entry` opened."""
    login_id, password = login if isinstance(login, tuple) else (login, known_password(login))
    await log_in(pilot, login_id, password)
    await pilot.press("f6")
    await wait_for_screen(pilot, "MemberCentreScreen")
    await pilot.press(entry)
    await wait_for_screen(pilot, screen)


async def open_card(pilot, number: str, login="clerk1") -> None:
    """Card services (member centre 3) with the card typed and shown."""
    await open_centre(pilot, "3", "CardServiceScreen", login)
    await press_keys(pilot, *number, "enter")
    await wait_until(pilot, lambda: pilot.app.screen.card is not None, "card shown")


async def type_into(pilot, field: str, text: str) -> None:
    widget = pilot.app.screen.query_one(f"#{field}")
    widget.focus()
    widget.value = ""
    await type_text(pilot, text)


async def open_admin_form(pilot, entry: str, login=("admin", "Admin1234")) -> None:
    """The admin screen's form `entry` (member centre A)."""
    await open_centre(pilot, "a", "AdminScreen", login=login)
    await pilot.press(entry)
    await wait_for_screen(pilot, "AdminFormScreen")


async def save_admin_form(pilot, entry: str, login, **values: str) -> None:
    """The admin screen's form `entry` (member centre A), the fields typed, saved."""
    await open_admin_form(pilot, entry, login)
    for field, text in values.items():
        await type_into(pilot, field, text)
    pilot.app.screen.submit()
    await wait_for_message(pilot, "Saved")


async def review_as(pilot, login_id: str, password: str | None = None) -> None:
    await wait_for_screen(pilot, "ReviewModal")
    await press_keys(pilot, *login_id, "enter", *(password or known_password(login_id)), "enter")


async def back_from_outcome(pilot, screen: str = "CardServiceScreen") -> None:
    """Enter on an outcome (once its key guard has passed) goes back to `screen`."""
    await wait_for_screen(pilot, "OutcomeScreen")
    past_key_guard(pilot)
    await pilot.press("enter")
    await wait_for_screen(pilot, screen)


async def log_out(pilot) -> None:
    while type(pilot.app.screen).__name__ != "StartScreen":
        await pilot.press("escape")
        await pilot.pause(0.05)
    await pilot.press("f10")
    await wait_for_screen(pilot, "LoginScreen")


def fuel_app(tmp_path, language="en", **shop_options):
    """An app on a store set up from empty (no demo) and a FuelShop to fill it."""
    from kiosk.services import admin, setup
    from tests.conftest import CHAIN_ADMIN, log_in as service_log_in
    from tests.fuel_shop import OUTLET, FuelShop
    runtime = empty_runtime(tmp_path, outlet_code=OUTLET, language=language)
    setup.set_up(runtime, setup.FirstRun(admin.OutletDetails(OUTLET, "总店"), "T01",
                                         CHAIN_ADMIN[0], "管理员", CHAIN_ADMIN[1]))
    shop = FuelShop(service_log_in(runtime, OUTLET, *CHAIN_ADMIN), runtime, **shop_options)
    return make_app(runtime), shop


async def laid_out(pilot, table) -> None:
    """The table's rows are in and it has been laid out (its width measured, what
    call_after_refresh then measures): no fixed sleep that a loaded machine outruns."""
    await wait_until(pilot, lambda: table.row_count and table.scrollable_content_region.width,
                     "the table laid out")
    await pilot.pause()


def key_bar_text(app) -> str:
    from kiosk.screens.base import KeyBar
    return str(app.screen.query_one(KeyBar).render())
