"""Translations from gettext .po catalogs (kiosk/locale/<lang>/LC_MESSAGES/kiosk.po).

Message ids are English; English needs no catalog. babel reads the .po files
directly, so there is no compile step to forget on a new machine.
`scripts/check_catalog.py` lists ids used in code that the catalog lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

Translate = Callable[[str], str]


@lru_cache(maxsize=8)
def _catalog(language: str) -> dict[str, str]:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "kiosk.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {message.id: message.string for message in catalog
            if message.id and message.string and not message.fuzzy}


def translator(language: str) -> Translate:
    table = _catalog(language)
    return lambda message: table.get(message, message)


def catalog_ids(language: str) -> set[str]:
    return set(_catalog(language))
