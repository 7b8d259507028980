#!/usr/bin/env python3
"""Merge a {id: translation} dict into the zh_CN catalog, keeping what it already has.

    python scripts/write_catalog.py translations.py   (a file defining ZH = {...})
"""

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kiosk.i18n import LOCALE_DIR, _catalog  # noqa: E402
from scripts.extract_messages import message_ids, po_quote  # noqa: E402

path = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "kiosk.po"
merged = dict(_catalog("zh_CN"))
if len(sys.argv) > 1:
    merged.update(runpy.run_path(sys.argv[1])["ZH"])
ids = message_ids()
lines = ['# Chinese (Simplified) messages of the card kiosk.', 'msgid ""', 'msgstr ""',
         '"Content-Type: text/plain; charset=UTF-8\\n"', '"Language: zh_CN\\n"', '']
for message, place in sorted(ids.items(), key=lambda item: item[1]):
    lines += [f"#: {place}", f"msgid {po_quote(message)}",
              f"msgstr {po_quote(merged.get(message, ''))}", ""]
dropped = sorted(set(merged) - set(ids))
if dropped:
    # Usually dead messages; but an id passed to tr() as an expression is invisible to
    # the extractor: mark such ids with N_("...") where they are defined.
    print("dropped (no longer found in the code):", *dropped, sep="\n  ")
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text("\n".join(lines), encoding="utf-8")
print(f"{path}: {sum(1 for m in ids if merged.get(m))}/{len(ids)} translated")
