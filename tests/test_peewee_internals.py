"""kiosk/store/peewee_internals.py against the peewee pinned in constraints.txt: each use
of peewee's internals does what the money path's statements rely on. A new peewee that
changes one fails here, naming it, instead of at the first charge."""

import pathlib
import re

import peewee
import pytest

from kiosk.store import db, models
from kiosk.store import peewee_internals as internals
from kiosk.store.db import database
from tests.source_code import parse

ROOT = pathlib.Path(__file__).resolve().parent.parent


def broke(function: str, what: str) -> str:
    return (f"peewee {peewee.__version__}: {what}; kiosk/store/peewee_internals.py "
            f"{function}() must follow it")


def test_the_installed_peewee_is_the_pinned_one():
    pinned = re.search(r"^peewee==(\S+)$", (ROOT / "constraints.txt").read_text(), re.M)
    assert pinned and pinned.group(1) == peewee.__version__, (
        f"peewee {peewee.__version__} is installed but constraints.txt pins "
        f"{pinned.group(1) if pinned else 'none'}: run these tests with the pinned one")


def test_a_models_table_and_columns():
    assert internals.table_name(models.Card) == "card", broke("table_name", "_meta.table_name")
    assert internals.field_of_column(models.Card, "product_id") is models.Card.product, \
        broke("field_of_column", "_meta.columns is no longer by column name")
    names = [field.name for field in internals.fields_but_id(models.Outlet)]
    assert names == ["code", "name", "area", "manager", "address", "phone", "active",
                     "time_zone", "day_boundary", "head_office", "business_format",
                     "bank_account"], \
        broke("fields_but_id", "_meta.sorted_fields / primary_key changed")


def test_a_loaded_row_is_filled_as_a_select_fills_it():
    row = internals.loaded_row(models.Outlet, {"id": 7, "code": "31010001"})
    assert (row.id, row.code) == (7, "31010001")
    assert row.name is None, broke("loaded_row", "__no_default__ no longer skips defaults")
    assert internals.changed_fields(row) == set(), \
        broke("loaded_row", "a row made with __no_default__ is marked changed")
    assert internals.stored_value(row, "code") == "31010001", broke("stored_value", "__data__")
    row.name = "新名字"
    assert internals.changed_fields(row) == {"name"}, \
        broke("changed_fields", "setting a field no longer marks it in _dirty")
    internals.mark_loaded(row, "name")
    assert internals.changed_fields(row) == set(), broke("mark_loaded", "_dirty")


def test_a_foreign_key_is_held_as_its_id(seeded):
    card = models.Card.select().first()
    assert card.product.code  # the related row loaded
    assert internals.stored_value(card, "product") == card.product_id, \
        broke("stored_value", "__data__ holds a foreign key's row, not its id")


def test_the_open_database_says_how_it_writes(runtime, backend):
    opened = internals.proxied(database)
    assert isinstance(opened, peewee.Database) and opened is db.current_database(), \
        broke("proxied", "DatabaseProxy.obj")
    sqlite = backend == "sqlite"
    assert internals.placeholder(opened) == ("?" if sqlite else "%s"), \
        broke("placeholder", "Database.param")
    assert internals.locks_rows(opened) is not sqlite, broke("locks_rows", "Database.for_update")
    assert internals.returns_ids(opened) is not sqlite, \
        broke("returns_ids", "Database.returning_clause")


def test_all_fields_and_a_proxy_switched_for_one_thread():
    assert internals.all_fields(models.Outlet)[0] is models.Outlet.id, \
        broke("all_fields", "_meta.sorted_fields no longer starts with the primary key")
    import threading
    proxy, one, other = internals.SwitchableProxy(), peewee.SqliteDatabase(":memory:"), \
        peewee.SqliteDatabase(":memory:")
    proxy.initialize(one)
    assert internals.proxied(proxy) is one and proxy.param == one.param, \
        broke("SwitchableProxy", "Proxy no longer keeps its database in obj")
    assert internals.switch_for_thread(proxy, other) is None
    seen = {}
    thread = threading.Thread(target=lambda: seen.update(db=internals.proxied(proxy)))
    thread.start()
    thread.join()
    assert internals.proxied(proxy) is other and seen["db"] is one
    assert internals.switch_for_thread(proxy, None) is other
    assert internals.proxied(proxy) is one


def test_a_forgotten_connection_is_replaced_by_the_next_statement(runtime):
    opened = internals.proxied(database)
    before = opened.connection()
    internals.forget_connection(opened)
    opened.execute_sql("SELECT 1")
    assert opened.connection() is not before, broke("forget_connection", "Database.dispose")
    before.close()


@pytest.mark.parametrize("name", ["_meta", "__data__", "_dirty", "__rel__",
                                  "returning_clause", "dispose"])
def test_nothing_else_in_the_kiosk_touches_them(name):
    import ast
    found = []
    for path in sorted((ROOT / "kiosk").rglob("*.py")):
        if path.name == "peewee_internals.py":
            continue
        for node in ast.walk(parse(path)):
            touched = (isinstance(node, ast.Attribute) and node.attr == name) or (
                isinstance(node, ast.keyword) and node.arg == "__no_default__")
            if touched:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
