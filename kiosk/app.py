"""The counter application: builds screens, owns the swipe detector and the idle timer,
and is given its runtime (store, hasher, settings, the wall clock that dates what it
does), its devices and its monotonic clock (idle time, swipe key timing, the result
screen's key guard) by the caller: tests give it clocks they move themselves."""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS

from kiosk.errors import KioskError, N_
from kiosk.hw.devices import Devices, build_devices
from kiosk.hw.sms import SimCodeSender
from kiosk.hw.swipe import SwipeDetector, Verdict
from kiosk.hw.tracks import SwipeError, luhn_ok, parse_swipe, swipe_text
from kiosk.i18n import translator
from kiosk.identity import mask_phone
from kiosk.logs import report_unexpected
from kiosk.text import half_width
from kiosk.messages import (CardInserted, CardSwiped, DeviceProblem, ReceiptsPrinted,
                            SwipeBroken)
from kiosk.screens import registry
from kiosk.screens.base import KioskModal
from kiosk.screens.lock import LockScreen
from kiosk.screens.pos_sale import PosScreen
from kiosk.screens.start import StartScreen
from kiosk.screens.supervisor import SupervisorScreen
from kiosk.services import card_numbers, directory, receipts, setup
from kiosk.services.bootstrap import terminal_actor
from kiosk.services.operators import LoginResult
from kiosk.services.session import Runtime, Session

THEMES = Path(__file__).resolve().parent.parent / "themes"
log = logging.getLogger("kiosk.app")
SWIPE_POLL_SECONDS = 0.03
# Keys a terminal would otherwise use to quit, suspend or interrupt: in kiosk mode they
# ask for a supervisor instead.
ESCAPE_KEYS = ("ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash", "ctrl+d")
SUPERVISOR_KEY = "ctrl+o"  # the supervisor's panel, from any screen of a logged-in terminal


UNEXPECTED = N_("Unexpected error (reference {reference}): the kiosk stopped. The details "
                "are in {log}; give the reference to support, then start the kiosk again.")


class UnexpectedFailure(Exception):
    """An exception no handler caught, reported to kiosk.log: what the terminal shows
    when the app exits (Textual prints a __rich__ exception as it renders, not as a
    traceback)."""

    def __rich__(self) -> str:
        return str(self)


def _key_name(character: str) -> str:
    """Textual's name for the key that types `character` ('%' is percent_sign), as its
    own terminal driver names it; Textual keeps its helper for this private."""
    if character.isalnum():
        return character
    name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    return KEY_NAME_REPLACEMENTS.get(name, name)


def _half_width_key(event: events.Key) -> events.Key:
    """A full-width digit or letter from a Chinese input method, as its ASCII key: every
    field then takes it as typed ("１" in a PIN field is a 1, not a refused key)."""
    character = event.character
    if not character or half_width(character) == character:
        return event
    plain = half_width(character)
    return events.Key(_key_name(plain), plain)


class KioskApp(App):
    ENABLE_COMMAND_PALETTE = False
    TITLE = "Card Kiosk"
    BINDINGS = [Binding(key, "request_exit", show=False, priority=True) for key in ESCAPE_KEYS] + [
        Binding(SUPERVISOR_KEY, "supervisor", show=False, priority=True)]

    def __init__(self, runtime: Runtime, devices: Devices, *, demo_cards: tuple[str, ...] = (),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        settings = runtime.settings
        themes = ["kiosk"] + ([settings.theme] if settings.theme != "kiosk" else [])
        super().__init__(css_path=[THEMES / f"{name}.tcss" for name in themes])
        self.runtime = runtime
        self.devices = devices
        self.settings = settings
        self.language = settings.language
        self.tr = translator(settings.language)
        # None on an empty store until its first run (not in the demo, which seeds one)
        self.terminal_session = None if setup.needs_setup() else self._terminal_session()
        self.login: LoginResult | None = None
        self.detector = SwipeDetector(settings.swipe_key_gap_ms / 1000)
        self.demo_cards = demo_cards
        if isinstance(devices.code_sender, SimCodeSender):  # the demo's "phone" is a toast
            devices.code_sender.on_send = self._show_simulated_sms
        self.monotonic = monotonic  # the app's clock for idle time and swipe timing
        self.pos_endpoint = None  # the store POS's endpoint (kiosk/pos_api.py), if served
        self.last_input = monotonic()
        self.idle_wiped = False
        self.shifts_closed: set[int] = set()  # closed here by a supervisor (header says so)

    # -- failures nobody caught -------------------------------------------------------
    def error_context(self) -> dict:
        """Who was working where, for kiosk.log (ids only: never what was typed)."""
        actor = self.session.actor if self.session is not None else None
        focused = self.focused if self.is_running else None
        return {"screen": type(self.screen).__name__ if self.is_running else None,
                "focused": focused.id if focused is not None else None,
                "operator": actor.operator_id if actor else None,
                "terminal": actor.terminal_id if actor else None,
                "outlet": actor.outlet_id if actor else None}

    def _handle_exception(self, error: Exception) -> None:
        """Textual's hook for an exception that no handler caught, after which the app
        exits. kiosk.log gets it with its traceback and context under a reference; the
        terminal gets the reference instead of Textual's traceback, which shows the
        handler's local variables (a PIN being typed) to whoever stands there."""
        if isinstance(error, UnexpectedFailure):  # reported already
            super()._handle_exception(error)
            return
        try:
            context = self.error_context()
        except Exception:  # the app is in no state to say: the traceback still goes
            context = {}
        reference = report_unexpected(log, "the counter application", error, context)
        failure = UnexpectedFailure(self.tr(UNEXPECTED).format(
            reference=reference, log=self.settings.log_path))
        failure.__cause__ = error
        super()._handle_exception(failure)

    # -- who is working ---------------------------------------------------------------
    @property
    def session(self) -> Session:
        """The logged-in operator's session (the terminal's own before login)."""
        if self.login is None:
            return self.terminal_session
        return self.terminal_session.as_actor(self.login.actor)

    def _terminal_session(self) -> Session:
        session = Session(self.runtime, terminal_actor(self.settings.outlet_code or None,
                                                       self.settings.terminal_code))
        directory.actor_info(session.actor)  # read now, not on the UI thread
        return session

    def store_set_up(self, outlet_code: str, terminal_code: str) -> None:
        """The first run made the outlet and this terminal: on to the login."""
        self.settings = replace(self.settings, outlet_code=outlet_code,
                                terminal_code=terminal_code)
        self.terminal_session = self._terminal_session()
        self.switch_screen(registry.login())
        self.run_worker(self.start_pos_endpoint(), group="pos-endpoint")

    def status_text(self) -> str:
        if self.terminal_session is None:
            return self.tr("First run")
        info = directory.actor_info(self.terminal_session.actor)
        parts = [info.outlet_name, f"{self.tr('Terminal')} {info.terminal_code or '-'}"]
        if self.login is not None:
            parts.append(f"{self.login.operator_name}")
            shift_id = self.login.actor.shift_id
            if shift_id in self.shifts_closed:
                parts.append(self.tr("Shift #{number} closed").format(number=shift_id))
            elif shift_id:
                parts.append(f"{self.tr('Shift')} #{shift_id}")
        return "  |  ".join(parts)

    def shift_closed(self, shift_id: int) -> None:
        """A supervisor closed this shift at this terminal: if it is the logged-in
        operator's, every header says so at once (not only the next card read)."""
        self.shifts_closed.add(shift_id)
        from kiosk.screens.base import StatusBar
        for screen in self.screen_stack:
            for bar in screen.query(StatusBar):
                bar.update(self.status_text())

    def set_language(self, language: str) -> None:
        self.language = language
        self.tr = translator(language)

    # -- lifecycle --------------------------------------------------------------------
    def on_mount(self) -> None:
        self.push_screen(registry.first_run() if self.terminal_session is None else
                         registry.login())
        # Polled only while the detector holds keys: an idle terminal does not wake
        # 33 times a second (cheap terminals, and the CPU an idle app costs).
        self.swipe_poll = self.set_interval(SWIPE_POLL_SECONDS, self._poll_swipe, pause=True)
        self.set_interval(1.0, self.check_inactivity)
        self._start_device_threads()
        if self.terminal_session is not None:
            self.run_worker(self.start_pos_endpoint(), group="pos-endpoint")

    def _start_device_threads(self) -> None:
        """Serial swipe readers and PC/SC readers report from their own threads; their
        events come back to the UI thread through call_from_thread."""
        self.device_threads = []
        swipe = self.settings.swipe
        if swipe.driver == "serial":
            from kiosk.hw.serial_reader import SerialSwipeReader
            self.device_threads.append(SerialSwipeReader(
                swipe.options["device"], int(swipe.options.get("baud", 9600)),
                lambda text: self.call_from_thread(self._swiped, text),
                lambda error: self.call_from_thread(self._to_screen, DeviceProblem(error)),
            ).start())
        from kiosk.hw.pcsc import CardWatcher, PcscCardReader
        if isinstance(self.devices.card_reader, PcscCardReader):
            self.device_threads.append(CardWatcher(
                lambda event: self.call_from_thread(self._reader_event, event),
                try_uid=self.devices.card_reader.try_uid).start())

    async def on_unmount(self) -> None:
        for thread in getattr(self, "device_threads", []):
            thread.stop()
        if self.pos_endpoint is not None:
            await self.pos_endpoint.stop()

    # -- the store POS's endpoint -----------------------------------------------------------
    async def start_pos_endpoint(self) -> None:
        """Serve the POS endpoint on this loop when `pos_listen` says where; a port in use
        is said on screen (the counter works on without it)."""
        from kiosk.pos_api import PosEndpoint, parse_listen
        if not self.settings.pos_listen or self.pos_endpoint is not None:
            return
        endpoint = PosEndpoint(self.runtime, self.terminal_session.actor.terminal_id,
                               on_new=lambda state: self.offer_pos_work(),
                               on_cancelled=self._pos_cancelled)
        try:
            host, port = parse_listen(self.settings.pos_listen)
            await endpoint.start(host, port)
        except KioskError as error:
            self.notify(self.tr("The POS endpoint is not served: {reason}").format(
                reason=error.render(self.tr)), severity="error", timeout=30)
            return
        self.pos_endpoint = endpoint

    def offer_pos_work(self) -> None:
        """A POS request waits at this terminal: open it once the cashier is at the start
        screen (the store says which; a restart finds them again)."""
        if self.login is not None and isinstance(self.screen, StartScreen):
            self._load_pos_work()

    @work(thread=True, exclusive=True, group="pos", exit_on_error=False)
    def _load_pos_work(self) -> None:
        from kiosk.services import pos_sales
        try:
            waiting = pos_sales.pending(self.session)
        except KioskError:
            return  # a role without the charge right: the POS waits for a cashier
        if waiting:
            self.call_from_thread(self._open_pos_work, waiting[0])

    def _open_pos_work(self, state) -> None:
        if self.login is None or not isinstance(self.screen, StartScreen):
            return
        self.push_screen(registry.pos_sale(state) if state.kind == "sale" else
                         registry.pos_refund(state))

    def pos_settled(self) -> None:
        """The counter approved or declined a POS request: its POST answers now."""
        if self.pos_endpoint is not None:
            self.pos_endpoint.changed()

    def _pos_cancelled(self, state) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, PosScreen) and screen.state.request_id == state.request_id:
                screen.cancelled_by_pos()

    def _to_screen(self, message) -> None:
        self.screen.post_message(message)

    def _swiped(self, text: str) -> None:
        """A swipe, to the screen. A number that fails the Luhn check digit is a misread
        unless its card's product carries none: the store is asked in a thread first,
        and the screen gets the swipe with the check waived, or as it came (and says the
        check digit fails)."""
        try:
            number = parse_swipe(text, require_luhn=False).pan
        except SwipeError:
            number = None  # the screen says what is wrong with it
        if number is None or luhn_ok(number) or self.terminal_session is None:
            self._to_screen(CardSwiped(text))
        else:
            self._ask_check_digit(text, number)

    @work(thread=True, group="swipe-check-digit", exit_on_error=False)
    def _ask_check_digit(self, text: str, number: str) -> None:
        try:
            waived = card_numbers.carries_no_check_digit(self.session, number)
        except KioskError:
            waived = False  # the store cannot answer now: refused as a misread
        self.call_from_thread(self._to_screen, CardSwiped(text, check_digit_waived=waived))

    def _reader_event(self, event) -> None:
        if event.kind == "inserted" and event.identity is not None:
            self._to_screen(CardInserted(event.identity.identifier))
        elif event.kind == "service_down":
            self.notify(self.tr(event.message), severity="error", timeout=10)

    def logged_in(self, result: LoginResult) -> None:
        self.login = result
        self.switch_screen(registry.start())
        self.print_queued()

    def log_out(self) -> None:
        self.login = None
        self.clear_notifications()  # a member's SMS shown to one operator is not the next's
        self.return_to_base()
        self.switch_screen(registry.login())

    def return_to_base(self) -> bool:
        """Back to the bottom screen (start, or login), dropping everything above it and
        what was typed there; whether anything was dropped."""
        dropped = len(self.screen_stack) > 2
        while len(self.screen_stack) > 2:
            self.pop_screen()
        base = self.screen_stack[-1]
        if hasattr(base, "reset"):
            dropped = base.reset() or dropped
        return dropped

    # -- kiosk mode ---------------------------------------------------------------------
    def action_request_exit(self) -> None:
        if not self.settings.kiosk_mode:
            self.exit()
            return
        from kiosk.services import permissions
        self.push_screen(registry.review(permissions.KIOSK_EXIT,
                                         self.tr("Supervisor: leave the kiosk")),
                         lambda approved: self.exit() if approved else None)

    def action_supervisor(self) -> None:
        if self.terminal_session is None:  # the first run sets the terminal up first
            return
        if not isinstance(self.screen, (SupervisorScreen, KioskModal)):
            self.push_screen(registry.supervisor())

    # -- swipes -----------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self.last_input, self.idle_wiped = self.monotonic(), False
            event = _half_width_key(event)
            if await self._swallowed_by_detector(event):
                return
        await super().on_event(event)

    async def _swallowed_by_detector(self, event: events.Key) -> bool:
        character = "\r" if event.key == "enter" else (
            event.character if event.is_printable else None)
        decision = self.detector.feed(character, self.monotonic(), event)
        if decision.verdict is Verdict.PASS:
            return False
        if decision.verdict is Verdict.RELEASE:
            for held in decision.held:
                await super().on_event(held)
            return True
        if self.detector.holding:
            self.swipe_poll.resume()
        self._deliver_swipe(decision)
        return True

    def _poll_swipe(self) -> None:
        decision = self.detector.poll(self.monotonic())
        if decision.verdict is Verdict.RELEASE:
            for held in decision.held:
                self.call_later(super().on_event, held)
        elif decision.verdict is Verdict.BROKEN:
            self._deliver_swipe(decision)
        if not self.detector.holding:
            self.swipe_poll.pause()

    def _deliver_swipe(self, decision) -> None:
        if decision.verdict is Verdict.SWIPE:
            self._swiped(decision.text)
        elif decision.verdict is Verdict.BROKEN:
            self.screen.post_message(SwipeBroken())

    def simulate_swipe(self, text: str) -> None:
        """The demo's card reader: the keys of a swipe, as fast as a reader types them."""
        for character in text + "\r":
            key = "enter" if character == "\r" else _key_name(character)
            self.post_message(events.Key(key, character))

    def on_key(self, event: events.Key) -> None:
        if event.key in ("f11", "f12") and self.demo_cards and self.login is not None:
            number = self.demo_cards[0 if event.key == "f11" else 1 % len(self.demo_cards)]
            self.simulate_swipe(swipe_text(number, "DEMO/CARD", "3012"))

    def _show_simulated_sms(self, phone: str, text: str) -> None:
        """Called from a service worker thread by the simulated SMS sender."""
        self.call_from_thread(self.notify, self.tr("(sim SMS: {text})").format(text=text),
                              title=mask_phone(phone), timeout=12)  # over the message line

    # -- idle -------------------------------------------------------------------------
    def check_inactivity(self) -> None:
        """Left alone, the terminal goes back to the start and wipes what was typed (a
        half-typed PIN must not wait for the next person), saying so; longer, a logged-in
        terminal locks."""
        idle = self.monotonic() - self.last_input
        if idle >= self.settings.idle_timeout_seconds and not self.idle_wiped:
            self.idle_wiped = True
            # the lock screen and the first run say no: nothing there may be dropped
            if getattr(self.screen, "WIPE_ON_IDLE", True) and self.return_to_base():
                self.screen_stack[-1].say(self.tr(
                    "Back to the start after {seconds} s without a key: what was typed "
                    "was wiped.").format(seconds=self.settings.idle_timeout_seconds))
        lock_after = self.settings.idle_lock_seconds
        if self.login is not None and lock_after and idle >= lock_after and \
                not isinstance(self.screen, LockScreen):
            self.push_screen(registry.lock())

    # -- printing ---------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="printer", exit_on_error=False)
    def print_queued(self) -> None:
        """Send this terminal's queued receipts; tell the screen if the printer fails."""
        if self.terminal_session.actor.terminal_id is None:
            return
        outcome = receipts.print_pending(self.session, self.devices.printer)
        self.call_from_thread(self._to_screen, ReceiptsPrinted(outcome))


def build_app(runtime: Runtime, devices: Devices | None = None, *, demo: bool = False,
              monotonic: Callable[[], float] = time.monotonic) -> KioskApp:
    """`demo`: F11/F12 swipe the demo's stored-value and insurance cards (`kiosk run --sim`)."""
    from kiosk.services import demo as demo_data
    demo_cards = ()
    if demo:
        demo_cards = (demo_data.card_number("888800000000001"),
                      demo_data.card_number("888800000000002"))
    return KioskApp(runtime, devices or build_devices(runtime.settings), demo_cards=demo_cards,
                    monotonic=monotonic)
