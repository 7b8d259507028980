"""What every kiosk screen shares: translation, the status bar, the key bar, and
running a service call in a thread worker with its result coming back as a message."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from kiosk.errors import KioskError, N_, Referenced
from kiosk.hw.tracks import SwipeError, parse_swipe
from kiosk.logs import report_unexpected
from kiosk.messages import CardSwiped, ReceiptsPrinted, ServiceDone, SwipeBroken
from kiosk.screens import registry

log = logging.getLogger("kiosk.screens")


# How the key bar names a key ("f2" is F2); keys not listed are capitalised.
KEY_NAMES = {"escape": "Esc", "delete": "Del", "pagedown": "PgDn", "pageup": "PgUp",
             "up": "↑", "down": "↓"}


def key_name(key: str) -> str:
    return "+".join(KEY_NAMES.get(part, part.capitalize()) for part in key.split("+"))


def key_hint(key: str, label: str, *, key_display: str | None = None) -> Binding:
    """A key the focused field or table handles itself (Enter in a field, ↑↓ in a table),
    bound on the screen only so that the key bar lists it: the binding steps aside."""
    return Binding(key, "widget_key", label, key_display=key_display)


def listed_bindings(screen_class: type) -> list[Binding]:
    """The bindings a screen class declares with a description, for its key bar: its own
    first and in their order, then those it inherits for keys it does not bind itself."""
    seen_keys: set[str] = set()
    listed: list[Binding] = []
    for cls in screen_class.__mro__:
        own = BindingsMap(cls.__dict__.get("BINDINGS", [])).key_to_bindings
        for key, bindings in own.items():
            if key not in seen_keys:
                listed.extend(binding for binding in bindings if binding.show)
        seen_keys |= set(own)
    return listed


def key_bar_entries(bindings: list[Binding]) -> list[tuple[str, str]]:
    """(keys, label id) for the key bar; the keys of one group share an entry ("1 2 3
    Open"), and a key bound under two names ("c,C") is shown once."""
    entries: list[tuple[str, str]] = []
    groups: dict[Binding.Group, int] = {}
    shown_once: set[tuple[str, str]] = set()
    for binding in bindings:
        shown = binding.key_display or key_name(binding.key)
        if (shown, binding.action) in shown_once:
            continue
        shown_once.add((shown, binding.action))
        if binding.group is None:
            entries.append((shown, binding.description))
        elif binding.group in groups:
            keys, label = entries[groups[binding.group]]
            entries[groups[binding.group]] = (f"{keys} {shown}", label)
        else:
            groups[binding.group] = len(entries)
            entries.append((shown, binding.group.description))
    return entries


class KeyBar(Static):
    """The keys of the current screen, translated (Textual's Footer cannot translate).
    A list too long for one line wraps between entries, never inside one."""

    def __init__(self, keys: list[tuple[str, str]], translate, *, id: str = "keybar") -> None:
        self.translate = translate
        self.entries = self._entries(keys)
        super().__init__(id=id)

    def _entries(self, keys: list[tuple[str, str]]) -> list[Text]:
        return [Text.assemble((key, "bold"), " ", self.translate(label)) for key, label in keys]

    def show_keys(self, keys: list[tuple[str, str]]) -> None:
        self.entries = self._entries(keys)
        self.refresh(layout=True)

    def _lines(self, width: int) -> list[Text]:
        lines: list[Text] = [Text()]
        for entry in self.entries:
            line = lines[-1]
            if line.cell_len and line.cell_len + 2 + entry.cell_len > width:
                lines.append(line := Text())
            if line.cell_len:
                line.append("  ")
            line.append_text(entry)
        return lines

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        return Text("\n").join(self._lines(self.content_size.width))


class StatusBar(Static):
    """Outlet, terminal, operator and shift: on every screen after login."""


class Message(Static):
    """The one line where a screen tells the person what happened."""

    def show(self, text: str, *, error: bool = False) -> None:
        self.update(text)
        self.set_class(error, "error")
        self.set_class(not error and bool(text), "info")


class ServiceCalls:
    """Mixin: `self.call(handler, fn, *args)` runs fn in a thread and hands its result to
    `handler` (a method of the screen) on the screen's own thread; a refusal goes to
    `self.failed(error)`, or to `on_refusal` when the call names one (a call whose
    refusal means something else than the screen's others do). Calls with different
    handlers run side by side; a new call for a handler replaces its unfinished
    predecessor."""

    def call(self, handler: Callable, fn: Callable, *args,
             on_refusal: Callable[[KioskError], None] | None = None,
             latest_only: bool = False, **kwargs) -> None:
        """`fn(*args, **kwargs)` in a thread; `handler` gets its result on the screen.
        `latest_only` (a read shown on screen, asked again after each change): an answer
        superseded by a later call of the same handler is dropped, so an older answer
        finishing last never overwrites the newer one. Never for an operation: its
        outcome (a receipt, a report to print) must always land."""
        self.run_worker(partial(self._run_in_thread, handler, on_refusal, fn, args, kwargs,
                                latest_only),
                        thread=True, group=f"service:{handler.__name__}", exclusive=True,
                        exit_on_error=False)

    def call_if_confirmed(self, question: str, handler: Callable, fn: Callable, *args,
                          **kwargs) -> None:
        """One line asks `question` (in the screen's language: the card, the amount);
        only a yes makes the call, as call() does."""
        def answered(yes: bool) -> None:
            if yes:
                self.call(handler, fn, *args, **kwargs)
        self.app.push_screen(registry.confirm(question), answered)

    def call_if_reviewed(self, title: str, handler: Callable, fn: Callable, *args,
                         signed_as: str = "review", **kwargs) -> None:
        """A second operator signs at this terminal (`title` says what they sign for);
        only then the call, as call() does, with their credentials as `signed_as`."""
        def reviewed(review) -> None:
            if review:
                self.call(handler, fn, *args, **{signed_as: review}, **kwargs)
        self.app.push_screen(registry.review(None, title), reviewed)

    def _run_in_thread(self, handler: Callable, on_refusal, fn: Callable, args, kwargs,
                       latest_only: bool = False) -> None:
        try:
            result = fn(*args, **kwargs)
        except KioskError as error:
            outcome = ServiceDone(handler, error=error, on_refusal=on_refusal)
        except Exception as error:  # never lose the screen to an unexpected failure
            outcome = ServiceDone(handler, error=self._unexpected(handler.__name__, fn, error),
                                  on_refusal=on_refusal)
        else:
            outcome = ServiceDone(handler, result=result)
        if latest_only and get_current_worker().is_cancelled:
            return  # a later call of the same read is running: its answer is the one shown
        self.post_message(outcome)

    def on_service_done(self, message: ServiceDone) -> None:
        message.stop()
        if message.error is not None:
            (message.on_refusal or self.failed)(message.error)
        else:
            message.handler(message.result)

    def passed(self, _result) -> None:
        """The handler of a check asked ahead (before a PIN): when it passes, the screen
        has moved on already; only its refusal (on_refusal) says something."""

    def failed(self, error: KioskError) -> None:
        """A service refused: say why (forms also bring up a review it asks for)."""
        self.say_error(error)

    def _unexpected(self, task: str, fn: Callable, error: Exception) -> KioskError:
        """The one boundary of the app's service calls: a store that failed says what
        it means; anything else is logged to kiosk.log with its traceback and context
        under a reference number, which the screen shows for support."""
        from kiosk.store.failures import STORE_ERRORS, unavailable
        reference = report_unexpected(log, task, error, {
            **self.app.error_context(), "screen": type(self).__name__, "task": task,
            "call": f"{fn.__module__}.{getattr(fn, '__qualname__', fn)}"})
        if isinstance(error, STORE_ERRORS):  # what the store's failure means, and the reference
            return Referenced(unavailable(error), reference)
        return KioskError(N_("Unexpected error (reference {reference}): nothing was changed "
                             "unless the screen says so. Give support the reference."),
                          reference=reference)

    def describe(self, error: Exception) -> str:
        if isinstance(error, KioskError):
            return error.render(self.app.tr)
        return str(error)


class KioskScreen(ServiceCalls, Screen):
    """A full screen with the status bar on top and the key bar at the bottom, which
    lists the screen's bindings that have a description (listed_bindings)."""

    # The idle timeout sends the app back to start from any screen that says so.
    WIPE_ON_IDLE = True

    def tr(self, message: str) -> str:
        return self.app.tr(message)

    def compose_status(self) -> ComposeResult:
        yield StatusBar(self.app.status_text(), id="status")

    def compose_keys(self) -> ComposeResult:
        # One docked container: two widgets docked at the bottom would overlap.
        yield Vertical(Message("", id="message"), KeyBar(self._listed_keys(), self.tr),
                       id="bottom")

    def _listed_keys(self) -> list[tuple[str, str]]:
        return key_bar_entries([binding for binding in listed_bindings(type(self))
                                if self.lists_key(binding)])

    def refresh_keys(self) -> None:
        """The key bar again, after what lists_key says has changed (a mode, a state)."""
        self.query_one(KeyBar).show_keys(self._listed_keys())

    def lists_key(self, binding: Binding) -> bool:
        """Whether the key bar lists this binding (a screen whose keys depend on who is
        logged in says no to the others)."""
        return True

    def action_widget_key(self) -> None:
        """A key_hint()'s binding: the key goes on to whatever handles it."""
        raise SkipAction()

    def say(self, text: str, *, error: bool = False) -> None:
        self.query_one("#message", Message).show(text, error=error)

    def say_error(self, error: Exception) -> None:
        self.say(self.describe(error), error=True)

    def refuse_field(self, selector: str, error: Exception) -> None:
        """What is wrong with a field's content, said; the cursor back in the field with
        its content selected, so what is typed next replaces it (a field that extends its
        prefilled text, a folder, keeps it and the cursor goes to its end)."""
        self.say_error(error)
        field = self.query_one(selector)
        field.focus()
        if isinstance(field, Input):
            if field.select_on_focus:
                field.select_all()
            else:
                field.cursor_position = len(field.value)

    def swiped_number(self, message: CardSwiped) -> str | None:
        """The card number of a swipe, or None after saying what was wrong with it."""
        try:
            return parse_swipe(message.text, require_luhn=not message.check_digit_waived).pan
        except SwipeError as error:
            self.say_error(error)
            return None

    def on_swipe_broken(self, message: SwipeBroken) -> None:
        """A half-read card, on any screen: say so (the keys never reach a field)."""
        self.say(self.tr("The swipe was cut off; swipe again in one smooth movement."),
                 error=True)

    def say_saved(self, path) -> None:
        """A file saved under the kiosk's home, named from there so the line fits."""
        try:
            shown = path.relative_to(self.app.settings.home)
        except ValueError:
            shown = path
        self.say(self.tr("Report saved: {path}").format(path=shown))

    def on_receipts_printed(self, message: ReceiptsPrinted) -> None:
        """A printer that refused says so on whatever screen is up (the sale stands and
        its receipt waits in the print queue, F4 on the start screen)."""
        if message.outcome.problem is not None:
            self.say(self.tr("The receipt did not print (print queue: F4): {reason}").format(
                reason=self.describe(message.outcome.problem)), error=True)


class KioskModal(ServiceCalls, ModalScreen):
    # A half-typed supervisor password must not wait for the next person either.
    WIPE_ON_IDLE = True

    def tr(self, message: str) -> str:
        return self.app.tr(message)
