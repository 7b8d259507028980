"""The layers of design.md, read from the source: the store owns every SQL statement,
and screens never import the store."""

import ast
import pathlib
import re

from tests.source_code import parse

KIOSK = pathlib.Path(__file__).resolve().parent.parent / "kiosk"
# The one error boundary of the screens' service calls sorts a database's errors into
# messages (design.md, "Failures and time"); it touches no table.
BOUNDARY = {"kiosk.store.failures"}
SQL_TEXT = re.compile(r"^\s*(SELECT|UPDATE|INSERT|DELETE)\s", re.IGNORECASE)


def _sources(*exclude: str):
    for path in sorted(KIOSK.rglob("*.py")):
        relative = path.relative_to(KIOSK).as_posix()
        if not relative.startswith(exclude):
            yield relative, parse(path)


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


# Queries on models are built in kiosk/store only: the layers above ask a store function
# that says what it asks (cards.sub_cards_in_use_count(main_id)) and read the rows it returns.
ABOVE_THE_STORE = ("services/", "screens/", "commands/", "cli.py", "command_line.py",
                   "pos_api.py")


def _model_names() -> set[str]:
    import peewee

    from kiosk.store import models
    return {name for name, value in vars(models).items()
            if isinstance(value, type) and issubclass(value, peewee.Model)}


def _query_building(tree: ast.AST, model_names: set[str]) -> list[tuple[int, str]]:
    """Where `tree` names a model's field or query (models.Card.status, C.select() after
    C = models.Card), builds a row (models.Cheque(...)) or imports peewee."""
    def is_model(node) -> bool:
        return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "models" and node.attr in model_names)

    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            targets = [element for target in node.targets for element in
                       (target.elts if isinstance(target, ast.Tuple) else [target])]
            aliases |= {target.id for target, value in zip(targets, values)
                        if isinstance(target, ast.Name) and is_model(value)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and (
                is_model(node.value) or (isinstance(node.value, ast.Name)
                                         and node.value.id in aliases)):
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Call) and is_model(node.func):
            found.append((node.lineno, ast.unparse(node.func) + "(...)"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""])
            found += [(node.lineno, f"import {name}") for name in names
                      if name.split(".")[0] in ("peewee", "playhouse")]
            if isinstance(node, ast.ImportFrom) and node.module == "kiosk.store.models":
                found += [(node.lineno, f"import models.{alias.name}") for alias in node.names
                          if alias.name in model_names]
    return found


def test_queries_are_built_only_in_the_store():
    model_names = _model_names()
    found = []
    for relative, tree in _sources("store/"):
        if relative.startswith(ABOVE_THE_STORE):
            found += [f"{relative}:{line} {what}"
                      for line, what in _query_building(tree, model_names)]
    assert found == []


def test_the_query_check_sees_queries():
    source = ("from kiosk.store import models\nimport peewee as pw\n"
              "C, P = models.Card, models.CardProduct\n"
              "def f(main_id):\n"
              "    models.Card.select().where(models.Card.main_card == main_id)\n"
              "    return C.get_or_none(C.id == 1), models.Cheque(number='1'), models.Card\n"
              "from kiosk.store.models import Member, SPEND_ORDERS\n")
    found = [what for _, what in _query_building(parse(source), _model_names())]
    assert sorted(found) == sorted([
        "import peewee", "models.Card.select", "models.Card.main_card", "C.get_or_none", "C.id",
        "models.Cheque(...)", "import models.Member"])


# peewee's error classes, by which a database error is sorted into what it means (retry,
# reconnect, a constraint, tell the person), are named in store/failures.py only.
DATABASE_ERROR_NAMES = {"OperationalError", "IntegrityError", "InterfaceError", "DatabaseError",
                        "InternalError", "ProgrammingError", "DataError", "NotSupportedError"}


def test_database_errors_are_sorted_in_one_place():
    found = []
    for relative, tree in _sources():
        if relative == "store/failures.py":
            continue
        found += [f"{relative}:{node.lineno} {node.attr}" for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and node.attr in DATABASE_ERROR_NAMES]
    assert found == []
