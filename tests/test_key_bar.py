"""The key bar lists a screen's bindings by their descriptions: one list per screen, so
a key cannot be shown that does nothing, nor bound without being shown by mistake."""

from __future__ import annotations

from textual.binding import Binding

from kiosk.errors import N_
from kiosk.i18n import translator
from kiosk.screens.base import KioskScreen, key_bar_entries, key_hint, listed_bindings
from kiosk.screens.registry import lazy
from tests.test_screen_registry import factories

OPEN = Binding.Group("Open")


class Base(KioskScreen):
    BINDINGS = [key_hint("enter", "Next"), Binding("escape", "back", "Back"),
                ("up", "app.focus_previous", "")]


class Derived(Base):
    BINDINGS = [key_hint("enter", "Next/save"), Binding("f7", "save", "Save"),
                Binding("pagedown", "page(1)", "Page", key_display="PgDn/PgUp"),
                Binding("pageup", "page(-1)", "")] + [
        Binding(f"{key},{key.upper()}", f"open('{key}')", "Open", key_display=key.upper(),
                group=OPEN) for key in "ab"]


def test_own_keys_first_then_inherited_ones_not_rebound_undescribed_left_out():
    assert key_bar_entries(listed_bindings(Derived)) == [
        ("Enter", "Next/save"), ("F7", "Save"), ("PgDn/PgUp", "Page"), ("A B", "Open"),
        ("Esc", "Back")]


def test_every_screens_key_labels_are_translated():
    chinese = translator("zh_CN")
    labels = {label for cls in factories().values()
              for _, label in key_bar_entries(listed_bindings(cls))}
    assert labels and all(chinese(label) != label or label == N_("中文/English")
                          for label in labels), sorted(
        label for label in labels if chinese(label) == label)


def test_a_factory_is_lazy_until_called():
    loaded = []

    @lazy
    def screen():
        loaded.append(True)
        return Base
    assert not loaded
    assert isinstance(screen(), Base) and loaded
