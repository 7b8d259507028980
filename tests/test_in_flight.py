"""A charge whose commit the terminal never heard about (issue 18): settled by its key.
Inside the operation, a lost connection re-runs it under the same key and the result
says it was settled after reconnecting; after a longer outage the counter asks
charge.posted(key) and shows whether the sale went through."""

import psycopg2
import pytest

from kiosk.services import charge as charging, operations
from kiosk.store import models
from tests.conftest import PG_URL, SV_CARD


def test_posted_tells_whether_a_sale_committed(cashier):
    assert charging.posted(cashier, "sale-never-made") is None
    done = charging.charge(cashier, card_number=SV_CARD, amount=250, pin="123456",
                           key="sale-1")
    assert not done.reconnected and not done.replayed
    found = charging.posted(cashier, "sale-1")
    assert found is not None and found.operation_id == done.operation_id
    assert found.amount == 250 and found.replayed and found.reconnected
    assert models.Operation.select().where(models.Operation.idempotency_key == "sale-1"
                                           ).count() == 1


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_connection_lost_mid_charge_is_settled_and_says_so(cashier, backend, monkeypatch):
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    killed = []
    real_apply = operations.Posting.apply

    def kill_then_apply(self):
        if not killed:
            pid = models.Account._meta.database.obj.execute_sql(
                "SELECT pg_backend_pid()").fetchone()[0]
            admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
            killed.append(pid)
        real_apply(self)

    monkeypatch.setattr(operations.Posting, "apply", kill_then_apply)
    result = charging.charge(cashier, card_number=SV_CARD, amount=100, pin="123456", key="k")
    admin.close()
    # The first attempt died uncommitted: posted now, once, and the screen says so.
    assert killed and result.reconnected and not result.replayed
    assert models.Operation.select().where(models.Operation.idempotency_key == "k").count() == 1
