"""Every message the code can show has a Chinese translation with the same placeholders."""

import string

from kiosk.errors import KioskError
from kiosk.i18n import translator, catalog_ids
from scripts.extract_messages import message_ids


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
