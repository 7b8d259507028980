"""The charge path's round trips (docs/performance.md): prepared statements, statements
sent together, writes sent with the COMMIT, and the audit head read when an operation
opens. Each keeps what the operation promised, on both backends."""

from __future__ import annotations

import pytest

from kiosk.errors import KioskError
from kiosk.services import audit, operations
from kiosk.services.charge import charge
from kiosk.services.demo import DEMO_PIN
from kiosk.services.verify import verify
from kiosk.store import models, sql
from kiosk.store.db import database
from tests.conftest import PG_URL, SV_CARD


def test_a_locked_statement_is_not_the_same_text_unlocked(seeded, backend):
    unlocked = sql.Statement('SELECT "id" FROM "card" WHERE "number" = ?')
    locked = sql.Statement('SELECT "id" FROM "card" WHERE "number" = ?', lock=True)
    with database.atomic():
        assert unlocked.first(SV_CARD) == locked.first(SV_CARD)
        if backend == "postgresql":
            prepared = dict(database.execute_sql(
                "SELECT name, statement FROM pg_prepared_statements").fetchall())
            assert sum("FOR NO KEY UPDATE" in text for text in prepared.values()
                       if '"card" WHERE "number"' in text) == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # a server to drop
def test_a_charge_after_the_server_dropped_the_connection(system, backend):
    import psycopg2
    charge(system, card_number=SV_CARD, amount=100, pin=DEMO_PIN, key="before")
    backend_pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    other = psycopg2.connect(PG_URL)
    other.autocommit = True
    other.cursor().execute("SELECT pg_terminate_backend(%s)", (backend_pid,))
    other.close()
    # Nothing is prepared on the new connection: the statements are prepared again.
    result = charge(system, card_number=SV_CARD, amount=100, pin=DEMO_PIN, key="after")
    assert not result.replayed
    assert models.Operation.get_by_id(result.operation_id).amount == 100
    assert verify(system.runtime.sealer).ok


def test_an_event_appended_inside_an_operation_keeps_its_chain_whole(system):
    def run(posting):
        audit.append(system, "test.inside", subject="inside the operation")
        return {}

    operations.perform(system, kind="charge", key="inside-1", request={}, run=run)
    operations.perform(system, kind="charge", key="inside-2", request={}, run=run)
    assert list(audit.check_chains(system.runtime.sealer)) == []


def test_an_operation_inside_a_callers_transaction_is_written_before_the_caller_goes_on(
        system):
    from kiosk.services.accounts import till_account
    actor = system.actor

    def run(posting):
        posting.move(till_account(actor.outlet_id, actor.terminal_id, "outlet_cash"),
                     till_account(actor.outlet_id, actor.terminal_id, "outlet_sales"), 250)
        return {"amount": 250}

    with database.atomic():
        outcome = operations.perform(system, kind="charge", key="inner", request={},
                                     run=run, amount=250)
        operation = models.Operation.get_by_id(outcome.operation_id)
        assert operation.result == '{"amount":250}'
        assert models.AuditEvent.select().where(
            models.AuditEvent.operation == outcome.operation_id).count() == 1
        audit.append(system, "test.after", subject="after the operation")
    assert verify(system.runtime.sealer).ok


def test_writes_kept_for_the_commit_go_nowhere_when_it_rolls_back(seeded):
    note = sql.Statement('INSERT INTO "meta" ("key", "value") VALUES (?, ?)')
    with pytest.raises(KioskError):
        with database.atomic():
            sql.with_commit((note, ("left-behind", "1")))
            raise KioskError("refused")
    with database.atomic():
        sql.with_commit((note, ("committed", "1")))
    with database.atomic():
        pass  # a later transaction sends nothing left over
    assert {row.key for row in models.Meta.select()} >= {"committed"}
    assert not models.Meta.select().where(models.Meta.key == "left-behind").exists()


def test_a_refused_charge_changes_no_balance(system):
    from kiosk.services import cards
    before = cards.view(cards.get_card(SV_CARD))
    with pytest.raises(operations.InsufficientFunds):
        charge(system, card_number=SV_CARD, amount=before.principal + before.bonus + 1,
               pin=DEMO_PIN, key="too-much")
    after = cards.view(cards.get_card(SV_CARD))
    assert (after.principal, after.bonus, after.points) == (
        before.principal, before.bonus, before.points)
    assert not models.Operation.select().where(
        models.Operation.idempotency_key == "too-much").exists()
