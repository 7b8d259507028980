"""Messages that carry results from workers and devices to screens."""

from __future__ import annotations

from textual.message import Message


class CardSwiped(Message):
    """A complete swipe burst, raw text; the screen decides what it means.
    `check_digit_waived`: its number fails the Luhn check digit, but is a card of a
    product that carries none (the app asked the store before passing it on)."""

    def __init__(self, text: str, *, check_digit_waived: bool = False) -> None:
        super().__init__()
        self.text = text
        self.check_digit_waived = check_digit_waived


class SwipeBroken(Message):
    """A burst of reader keys that stopped without Enter: a half-read card."""


class ServiceDone(Message):
    """A service call finished in a worker: its result for `handler` (the screen method
    the call named), or the KioskError it raised, for `on_refusal` if the call named one."""

    def __init__(self, handler, result=None, error: Exception | None = None, *,
                 on_refusal=None) -> None:
        super().__init__()
        self.handler = handler
        self.on_refusal = on_refusal
        self.result = result
        self.error = error


class ReceiptsPrinted(Message):
    """The terminal's queued receipts went to the printer: `outcome` says how many, and
    why the printer refused the next if it did."""

    def __init__(self, outcome) -> None:
        super().__init__()
        self.outcome = outcome


class CardInserted(Message):
    """A smart card was put in the PC/SC reader; `identifier` is its UID (or ATR)."""

    def __init__(self, identifier: str) -> None:
        super().__init__()
        self.identifier = identifier


class DeviceProblem(Message):
    """A device failed or went away; `error` says what to do."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
