"""The layers of design.md, read from the source: the store owns every SQL statement,
and screens never import the store."""

import ast
import pathlib
import re

KIOSK = pathlib.Path(__file__).resolve().parent.parent / "kiosk"
# The one error boundary of the screens' service calls sorts a database's errors into
# messages (design.md, "Failures and time"); it touches no table.
BOUNDARY = {"kiosk.store.failures"}
SQL_TEXT = re.compile(r"^\s*(SELECT|UPDATE|INSERT|DELETE)\s", re.IGNORECASE)


def _sources(*exclude: str):
    for path in sorted(KIOSK.rglob("*.py")):
        relative = path.relative_to(KIOSK).as_posix()
        if not relative.startswith(exclude):
            yield relative, ast.parse(path.read_text(encoding="utf-8"))


def test_sql_text_lives_only_in_the_store():
    found = []
    for relative, tree in _sources("store/"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and SQL_TEXT.match(node.value):
                found.append(f"{relative}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr in ("Statement", "execute_sql"):
                found.append(f"{relative}:{node.lineno}")
    assert found == []


def test_screens_never_import_the_store():
    found = []
    for relative, tree in _sources():
        if not relative.startswith("screens/"):
            continue
        for node in ast.walk(tree):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{relative}:{node.lineno} {name}" for name in names
                      if name.startswith("kiosk.store") and name not in BOUNDARY]
    assert found == []
