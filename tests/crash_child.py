"""Runs charges until killed: prints each idempotency key once its charge committed.
Used by test_crash.py, which SIGKILLs it at random moments."""

import sys

from kiosk.config import load_settings
from kiosk.services import charge as charging
from kiosk.services.bootstrap import open_runtime
from tests.conftest import SV_CARD, login_as


def main(prefix: str, start: int) -> None:
    runtime = open_runtime(load_settings())
    cashier = login_as(runtime, "cashier1")
    print("ready", flush=True)
    index = start
    while True:
        key = f"{prefix}-{index}"
        charging.charge(cashier, card_number=SV_CARD, amount=1, pin="123456", key=key)
        print(key, flush=True)
        index += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
