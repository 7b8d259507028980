"""kiosk/store/sql.py: the money path's prepared statements give what peewee would."""

from kiosk.services import cards, receipts
from kiosk.services.demo import DEMO_PIN
from kiosk.services.accounts import card_accounts
from kiosk.services.charge import charge
from kiosk.store import models, sql
from tests.conftest import INS_CARD, SV_CARD


def test_rows_come_back_as_peewee_would_return_them(seeded):
    for number in (SV_CARD, INS_CARD):
        ours = cards.get_card(number)
        peewees = models.Card.get(models.Card.number == number)
        assert ours.__data__ == peewees.__data__
        assert ours.product.__data__ == peewees.product.__data__
        assert not ours._dirty  # nothing marked changed: a save() writes nothing unasked
        by_peewee = {account.kind: account.__data__ for account in
                     models.Account.select().where(models.Account.card == peewees)}
        assert {kind: account.__data__ for kind, account
                in card_accounts(ours, lock=True).items()} == by_peewee


def test_an_inserted_row_reads_back_whole(system):
    result = charge(system, card_number=SV_CARD, amount=1234, pin=DEMO_PIN, key="sql-1")
    receipt = models.Receipt.get_by_id(result.receipt_id)
    assert receipt.operation_id == result.operation_id and receipt.status == "queued"
    assert receipt.created_at is not None and "12.34" in receipt.document
    assert receipts.pending(system.actor.terminal_id)[-1].id == receipt.id
    operation = models.Operation.get_by_id(result.operation_id)
    assert operation.business_date.isoformat() == result.business_date
    assert operation.card.number == SV_CARD and operation.amount == 1234


def test_a_statement_is_written_for_the_database_it_runs_on(seeded, backend):
    """The text sent is the database's own: its placeholders, the row lock where there
    are row locks, the statement's layout flattened; it finds the row."""
    statement = sql.Statement('''
        SELECT "id" FROM "card"
        WHERE "number" = ? AND "status" <> ?''', lock=True)
    if backend == "sqlite":  # the whole file is locked at BEGIN IMMEDIATE instead
        expected = 'SELECT "id" FROM "card" WHERE "number" = ? AND "status" <> ?'
    else:
        expected = ('SELECT "id" FROM "card" WHERE "number" = %s AND "status" <> %s '
                    'FOR NO KEY UPDATE')
    assert statement.sql() == expected
    assert statement.sql() == expected  # asked again, the same
    assert statement.first(SV_CARD, "void")[0] == cards.get_card(SV_CARD).id
    assert statement.first(SV_CARD, "active") is None
