"""Several processes charge one card at the same moment: no overdraft, no lost update,
and the sum of entries equals every cached balance. On PostgreSQL and on SQLite."""

import multiprocessing


from kiosk.services import cards
from kiosk.services.verify import verify
from tests.conftest import SV_CARD

PROCESSES = 6
CHARGES_EACH = 12
AMOUNT = 700  # 6 * 12 * ¥7 = ¥504 wanted, the card holds ¥220


def charge_many(settings, worker: int, results) -> None:
    from kiosk.errors import KioskError
    from kiosk.services import charge as charging
    from kiosk.services.bootstrap import open_runtime
    from tests.conftest import login_as

    runtime = open_runtime(settings)
    cashier = login_as(runtime, "cashier1")
    done = 0
    for index in range(CHARGES_EACH):
        try:
            charging.charge(cashier, card_number=SV_CARD, amount=AMOUNT, pin="123456",
                            key=f"w{worker}-{index}")
            done += 1
        except KioskError as error:
            assert "balance" in str(error), error
    results.put(done)


def test_parallel_charges_never_overdraw(seeded):
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=charge_many, args=(seeded.settings, n, results))
               for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    succeeded = sum(results.get(timeout=5) for _ in workers)
    after = cards.view(cards.get_card(SV_CARD))
    assert succeeded == 22000 // AMOUNT  # every fen that could be spent was, no more
    assert after.principal + after.bonus == 22000 - succeeded * AMOUNT
    assert verify(seeded.sealer).ok, verify(seeded.sealer).violations
