"""Kiosk escape: no key on any screen quits, suspends, opens the command palette or
leaves the app without a supervisor.

Every screen's bindings (and those of every widget the screens use) are checked where
they are declared, so each key of each screen is covered, not only the keys a test
pressed before one of them took it to another screen; a few presses on a running app
check that Textual does with the keys what the bindings say."""

from __future__ import annotations

import ast
import inspect
import string
from pathlib import Path

import textual.widgets
from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.widgets import OptionList

import kiosk
from kiosk.app import ESCAPE_KEYS, SUPERVISOR_KEY, KioskApp
from kiosk.screens.base import KeyBar, Message, StatusBar
from kiosk.screens.form import Choice
from kiosk.store import db
from tests.app_helpers import log_in, make_app, seeded_runtime, wait_for_screen
from tests.test_screen_registry import factories
from tests.source_code import parse

CONTROL_KEYS = [f"ctrl+{letter}" for letter in string.ascii_lowercase] + [
    "ctrl+backslash", "ctrl+underscore", "ctrl+right_square_bracket", "ctrl+at",
    "escape", "tab", "shift+tab", "ctrl+f1", "ctrl+c", "ctrl+q"]
FUNCTION_KEYS = [f"f{n}" for n in range(1, 13)]
# What a key must never do in kiosk mode, whatever namespace it is called in.
LEAVING_ACTIONS = {"quit", "suspend_process", "command_palette", "help_quit", "exit"}
SCREENS_DIR = Path(kiosk.__file__).parent / "screens"


def merged_bindings(cls: type) -> dict[str, list[Binding]]:
    """The bindings a class has, as Textual merges them: a subclass's replace its bases'
    for the same key (unless it stops inheriting)."""
    layers = []
    for base in reversed(cls.__mro__):
        if "BINDINGS" in base.__dict__ or base.__dict__.get("_inherit_bindings") is False:
            if base.__dict__.get("_inherit_bindings") is False:
                layers.clear()
            layers.append(BindingsMap(base.__dict__.get("BINDINGS", [])).key_to_bindings)
    merged: dict[str, list[Binding]] = {}
    for layer in layers:
        merged.update(layer)
    return merged


def action_name(binding: Binding) -> str:
    """`app.quit` and `quit(1)` are both quit."""
    return binding.action.split("(")[0].rsplit(".", 1)[-1]


def widgets_the_screens_use() -> set[type]:
    """Every Textual widget a screen module imports, the list a Select opens, and the
    kiosk's own widgets."""
    used = {Choice, KeyBar, Message, StatusBar, OptionList}
    for path in SCREENS_DIR.glob("*.py"):
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.ImportFrom) and node.module == "textual.widgets":
                used |= {getattr(textual.widgets, alias.name) for alias in node.names}
    return {cls for cls in used if inspect.isclass(cls)}


def test_the_app_hands_every_escape_key_to_a_supervisor():
    bindings = merged_bindings(KioskApp)
    assert not KioskApp.ENABLE_COMMAND_PALETTE
    for key in ESCAPE_KEYS:  # ctrl+q and ctrl+c too, which Textual's App binds to quit
        assert [(b.action, b.priority) for b in bindings[key]] == [("request_exit", True)]
    assert set(ESCAPE_KEYS) >= {b.key for layer in BindingsMap(App.BINDINGS).key_to_bindings
                                .values() for b in layer}
    assert [b.action for b in bindings[SUPERVISOR_KEY]] == ["supervisor"]


def test_no_screen_or_widget_binds_a_key_that_leaves():
    classes = set(factories().values()) | widgets_the_screens_use()
    leaving = [f"{cls.__name__}: {binding.key} -> {binding.action}"
               for cls in classes for layer in merged_bindings(cls).values()
               for binding in layer if action_name(binding) in LEAVING_ACTIONS]
    assert not leaving, leaving
    # The app's priority bindings come first, whatever the screen binds: a screen can
    # never take an escape key from the supervisor prompt.
    assert all(merged_bindings(KioskApp)[key][0].priority for key in ESCAPE_KEYS)


def test_no_screen_exits_or_suspends_the_app_itself():
    calls = []
    for path in SCREENS_DIR.glob("*.py"):
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in {"exit", "suspend", "action_quit",
                                       "action_command_palette", "action_request_exit"}:
                calls.append(f"{path.name}:{node.lineno} {node.func.attr}")
    assert not calls, calls


async def test_every_control_and_function_key_on_a_running_terminal(tmp_path):
    """Before and after login: each escape key brings up the supervisor prompt, which
    nobody answers; the other keys leave the app running with no command palette."""
    app = make_app(seeded_runtime(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ESCAPE_KEYS:
            await pilot.press(key)
            await wait_for_screen(pilot, "ReviewModal")
            await pilot.press("escape")
            await wait_for_screen(pilot, "LoginScreen")
        await log_in(pilot)
        for key in CONTROL_KEYS + FUNCTION_KEYS:
            await pilot.press(key)
            if type(app.screen).__name__ == "ReviewModal":
                await pilot.press("escape")  # the supervisor prompt: nobody authorises
            assert app.is_running and app.return_code is None
            assert "CommandPalette" not in type(app.screen).__name__
    db.close()
