#!/usr/bin/env python3
"""List every translatable message id in kiosk/ (N_("..."), tr("..."), .tr("...")).

    python scripts/extract_messages.py            # ids missing from the zh_CN catalog
    python scripts/extract_messages.py --all      # every id
    python scripts/extract_messages.py --pot      # a .pot template on stdout
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKERS = {"N_", "tr"}


def message_ids(package: Path = ROOT / "kiosk") -> dict[str, str]:
    """id -> first place it is used."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else "")
            first = node.args[0]
            if name in MARKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main() -> int:
    ids = message_ids()
    if "--pot" in sys.argv:
        print('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n')
        for message, place in ids.items():
            print(f"#: {place}\nmsgid {po_quote(message)}\nmsgstr \"\"\n")
        return 0
    if "--all" in sys.argv:
        for message in ids:
            print(message)
        return 0
    sys.path.insert(0, str(ROOT))
    from kiosk.i18n import catalog_ids
    missing = [m for m in ids if m not in catalog_ids("zh_CN")]
    for message in missing:
        print(f"{ids[message]}: {message}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
