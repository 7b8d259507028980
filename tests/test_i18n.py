"""Every message the code can show has a Chinese translation with the same placeholders."""

import string

from kiosk.errors import KioskError
from kiosk.i18n import translator, catalog_ids
from scripts.extract_messages import message_ids
from tests.source_code import parse


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalog_covers_every_message():
    missing = [m for m in message_ids() if m not in catalog_ids("zh_CN")]
    assert not missing, f"untranslated (run scripts/write_catalog.py): {missing[:10]}"


def test_translations_keep_their_placeholders():
    tr = translator("zh_CN")
    for message in message_ids():
        assert placeholders(tr(message)) == placeholders(message), message


def test_errors_render_in_the_screen_language():
    error = KioskError("Wrong PIN. {tries_left} tries left.", tries_left=2)
    assert error.render(translator("zh_CN")) == "密码错误，还可尝试 2 次。"
    assert error.render(translator("en")) == "Wrong PIN. 2 tries left."


def test_every_form_label_leaves_a_gap_before_its_field_in_both_languages():
    """Labels are 20 cells wide (themes/kiosk.tcss .field-name): a longer one is cut off
    or runs into the value (`Daily limit (0 none)0.00`)."""
    import ast
    import pathlib
    from kiosk.cells import cell_width
    zh = translator("zh_CN")
    too_long = []
    for path in pathlib.Path("kiosk/screens").glob("*.py"):
        for node in ast.walk(parse(path)):
            if (isinstance(node, ast.Call) and len(node.args) >= 2
                    and getattr(node.func, "id", "") in ("Field", "money_field", "pin_field")
                    and isinstance(node.args[1], ast.Call)
                    and getattr(node.args[1].func, "id", "") == "N_"):
                label = node.args[1].args[0].value
                too_long += [(path.name, text) for text in (label, zh(label))
                             if cell_width(text) > 19]
    assert too_long == []


def test_the_admin_screen_names_every_role():
    from kiosk.screens.admin import ROLES
    from kiosk.services.permissions import DEFAULT_ROLES
    assert {name for name, _ in ROLES} == set(DEFAULT_ROLES)
