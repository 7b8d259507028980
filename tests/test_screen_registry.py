"""Screens are opened from one place, kiosk/screens/registry.py: every screen class has a
factory there, and no other module builds a screen by its class name, imports a screen
module inside a function to open it, or finds a screen by a string."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from textual.screen import Screen

import kiosk
from kiosk.screens import registry
from tests.source_code import parse

SCREENS_DIR = Path(kiosk.__file__).parent / "screens"
# Where screens are opened: every screen module and the app.
OPENERS = sorted(set(SCREENS_DIR.glob("*.py")) - {SCREENS_DIR / "registry.py"}) + [
    Path(kiosk.__file__).parent / "app.py"]
# Shared bases, never opened themselves.
BASES = {"KioskScreen", "KioskModal", "FormScreen", "CardActionScreen", "PosScreen",
         "CustomerPinScreen"}


def factories() -> dict[str, type]:
    return {name: function.__wrapped__() for name, function in
            inspect.getmembers(registry, inspect.isfunction) if hasattr(function, "__wrapped__")}


def screen_classes() -> set[str]:
    """Every class a screen module defines that is a screen, by its name."""
    names = set()
    for path in SCREENS_DIR.glob("*.py"):
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Screen", "Modal")):
                names.add(node.name)
    return names - BASES


def test_every_factory_builds_a_screen_and_every_screen_has_a_factory():
    built = factories()
    assert all(issubclass(cls, Screen) for cls in built.values()), built
    assert {cls.__name__ for cls in built.values()} == screen_classes()


def test_a_factory_takes_its_screens_parameters():
    card = registry.outcome("Title", ["a line"], replayed=True)
    assert (type(card).__name__, card.replayed) == ("OutcomeScreen", True)


def test_no_screen_is_built_or_found_outside_the_registry():
    screens = screen_classes()
    found = []
    for path in OPENERS:
        tree = parse(path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id in screens:
                found.append(f"{path.name}:{node.lineno} builds {node.func.id}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [alias.name for alias in node.names]
                if "importlib" in names or getattr(node, "module", "") == "importlib":
                    found.append(f"{path.name}:{node.lineno} imports importlib")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and \
                            (inner.module or "").startswith("kiosk.screens") and \
                            {alias.name for alias in inner.names} & screens:
                        found.append(f"{path.name}:{inner.lineno} imports a screen in "
                                     f"{node.name}()")
    assert not found, "\n".join(found)
