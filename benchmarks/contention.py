"""pg_contention: 8 processes charging 8 different cards, then 8 charging one card, on
PostgreSQL; charges per second for each, and anomalies (must be 0): verify violations,
overdrafts, or balances that do not match the charges the processes saw succeed."""

from __future__ import annotations

import multiprocessing
import time
import uuid

from kiosk.config import Settings

PROCESSES = 8


def _worker(settings: Settings, numbers: list[str], charges: int, tag: str, results,
            seconds: float | None = None) -> None:
    """`charges` charges of ¥1 over `numbers` in turn; with `seconds`, as many as fit
    (cards chosen at random) until the time is up."""
    import random

    from kiosk.errors import KioskError
    from kiosk.services import charge as charging
    from kiosk.services.bootstrap import open_runtime, system_session
    session = system_session(open_runtime(settings))
    rng = random.Random(tag)
    deadline = time.monotonic() + seconds if seconds else None
    done = index = 0
    while (index < charges) if deadline is None else (time.monotonic() < deadline):
        number = numbers[index % len(numbers)] if deadline is None else rng.choice(numbers)
        try:
            charging.charge(session, card_number=number, amount=100, pin=None,
                            key=f"{tag}-{index}")
            done += 1
        except KioskError:
            pass
        index += 1
    results.put(done)


def _round(settings: Settings, cards_per_worker: list[list[str]], charges: int,
           seconds: float | None = None) -> tuple[float, int]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    run = uuid.uuid4().hex[:8]
    workers = [context.Process(target=_worker, args=(settings, numbers, charges,
                                                     f"pg-{run}-{n}", results, seconds))
               for n, numbers in enumerate(cards_per_worker)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    done = sum(results.get(timeout=600) for _ in workers)
    for worker in workers:
        worker.join()
    return done / (time.perf_counter() - started), done


def _sealer(settings: Settings):
    from kiosk.services.secrets import Sealer, read_pepper
    return Sealer(read_pepper(settings.pepper_path))


def measure(settings: Settings, numbers: list[str], charges: int) -> dict[str, float]:
    """`numbers`: at least 8 funded cards in the PostgreSQL store of `settings`."""
    from kiosk.services import cards
    from kiosk.services.verify import verify

    def total(card_numbers):
        return sum(cards.view(cards.get_card(n)).principal for n in card_numbers)

    used = numbers[:PROCESSES]
    before = total(used)
    spread_rate, spread_done = _round(settings, [[n] for n in used], charges)
    one_card_before = total(used[:1])
    one_rate, one_done = _round(settings, [used[:1]] * PROCESSES, charges)
    anomalies = len(verify(_sealer(settings)).violations)
    anomalies += int(total(used) != before - 100 * (spread_done + one_done))
    anomalies += int(total(used[:1]) != one_card_before - 100 * one_done)
    anomalies += int(any(cards.view(cards.get_card(n)).principal < 0 for n in used))
    return {"pg_spread_charges_per_s": spread_rate, "pg_one_card_charges_per_s": one_rate,
            "pg_anomalies": anomalies}


def sustained(settings: Settings, numbers: list[str], seconds: float) -> dict[str, float]:
    """8 terminals charging random cards of `numbers` for `seconds`; anomalies must be 0."""
    from kiosk.services import cards
    from kiosk.services.verify import verify

    def total():
        return sum(cards.view(cards.get_card(n)).principal for n in numbers)

    before = total()
    rate, done = _round(settings, [numbers] * PROCESSES, 0, seconds)
    anomalies = len(verify(_sealer(settings)).violations) + int(total() != before - 100 * done)
    anomalies += int(any(cards.view(cards.get_card(n)).principal < 0 for n in numbers))
    return {"pg_sustained_seconds": seconds, "pg_sustained_charges": done,
            "pg_sustained_charges_per_s": rate, "pg_sustained_anomalies": anomalies}
