"""An insurer's online balance interface (保险公司在线余额接口): the balance of a card
the insurer keeps, and a deduction at the counter, made once per idempotency key.

    balance(card)               -> the card's balance at the insurer, fen
    deduct(card, amount, key)   -> Reply: done (with the insurer's reference), refused
    query(key)                  -> Reply: done, cancelled, or none (never received)
    cancel(key)                 -> Reply: cancelled (also for a key never received: the
                                   insurer then refuses any late deduction under it)
    refund(card, amount, key, reference)
                                -> Reply: done, refused: `amount` of the deduction
                                   `reference` given back to the card, once per key (a
                                   refund is queried and cancelled as a deduction is)

A deduction repeated under its key returns the first answer and never deducts twice;
a deduction under a cancelled key is refused as cancelled. `InsurerUnreachable` means
no answer came (a timeout, a broken connection): whether the insurer acted is not
known, and the caller settles it by query or cancel under the same key.

Drivers: `sim` (the demo's and the tests' insurer, in this process) and `http://...`
(JSON over HTTP, docs/insurer-api.md)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from kiosk.errors import DeviceError, N_

DONE, REFUSED, CANCELLED, NONE = "done", "refused", "cancelled", "none"


class InsurerUnreachable(DeviceError):
    default_message = N_("The insurer's system did not answer.")


@dataclass(frozen=True)
class Reply:
    status: str  # done, refused, cancelled, none
    reference: str = ""  # the insurer's number for a deduction
    balance: int | None = None  # the card's balance at the insurer after it, fen
    message: str = ""  # the insurer's reason for a refusal (its own words)


class InsurerGateway(Protocol):
    def balance(self, card: str) -> int: ...

    def deduct(self, card: str, amount: int, key: str) -> Reply: ...

    def query(self, key: str) -> Reply: ...

    def cancel(self, key: str) -> Reply: ...

    def refund(self, card: str, amount: int, key: str, reference: str) -> Reply: ...


class InsurerBook:
    """An insurer's side of the interface: balances, and each key's deduction. The sim
    driver is one; the tests' HTTP insurer serves one. Thread-safe."""

    def __init__(self, opening: int = 0) -> None:
        self.opening = opening  # what a card it has not seen holds
        self.balances: dict[str, int] = {}
        self.deductions: dict[str, dict] = {}  # key -> card, amount, status, reference
        self.lock = threading.Lock()

    def balance(self, card: str) -> int:
        with self.lock:
            return self.balances.setdefault(card, self.opening)

    def deduct(self, card: str, amount: int, key: str) -> Reply:
        with self.lock:
            earlier = self.deductions.get(key)
            if earlier is not None:
                return self._reply(earlier)
            balance = self.balances.setdefault(card, self.opening)
            if amount <= 0 or amount > balance:
                return Reply(REFUSED, balance=balance, message="insufficient balance")
            self.balances[card] = balance - amount
            entry = {"card": card, "amount": amount, "status": DONE,
                     "reference": f"R{len(self.deductions) + 1:08d}"}
            self.deductions[key] = entry
            return self._reply(entry)

    def refund(self, card: str, amount: int, key: str, reference: str) -> Reply:
        """`amount` of the deduction `reference` back to the card: never more than what
        is left of it after earlier refunds. Kept as a deduction of minus `amount`, so
        a query and a cancel treat it alike (a cancel takes it back off the card)."""
        with self.lock:
            earlier = self.deductions.get(key)
            if earlier is not None:
                return self._reply(earlier)
            original = next((entry for entry in self.deductions.values()
                             if entry["reference"] == reference and entry["amount"] > 0
                             and entry["status"] == DONE and entry["card"] == card), None)
            balance = self.balances.setdefault(card, self.opening)
            if original is None or amount <= 0:
                return Reply(REFUSED, balance=balance, message="no such deduction")
            given_back = -sum(entry["amount"] for entry in self.deductions.values()
                              if entry.get("of") == reference and entry["status"] == DONE)
            if given_back + amount > original["amount"]:
                return Reply(REFUSED, balance=balance, message="more than was deducted")
            self.balances[card] = balance + amount
            entry = {"card": card, "amount": -amount, "status": DONE, "of": reference,
                     "reference": f"R{len(self.deductions) + 1:08d}"}
            self.deductions[key] = entry
            return self._reply(entry)

    def query(self, key: str) -> Reply:
        with self.lock:
            entry = self.deductions.get(key)
            return self._reply(entry) if entry is not None else Reply(NONE)

    def cancel(self, key: str) -> Reply:
        with self.lock:
            entry = self.deductions.get(key)
            if entry is None:  # never received: refused if it arrives later
                self.deductions[key] = {"card": "", "amount": 0, "status": CANCELLED,
                                        "reference": ""}
                return Reply(CANCELLED)
            if entry["status"] == DONE:  # a deduction given back, a refund taken back
                entry["status"] = CANCELLED
                self.balances[entry["card"]] += entry["amount"]
            return self._reply(entry)

    def deducted(self) -> dict[str, int]:
        """What stands deducted, by key (a refund's key: minus what it gave back)."""
        with self.lock:
            return {key: entry["amount"] for key, entry in self.deductions.items()
                    if entry["status"] == DONE}

    def _reply(self, entry: dict) -> Reply:
        return Reply(entry["status"], entry["reference"],
                     self.balances.get(entry["card"]) if entry["card"] else None)


class SimInsurerGateway:
    """The demo's insurer in this process: every card it has not seen holds `opening`.
    `unreachable` (a test's switch) makes the next calls fail as a timeout would:
    "before" the insurer acted, or "after" it (it deducted, the answer was lost)."""

    def __init__(self, opening: int = 100000) -> None:
        self.book = InsurerBook(opening)
        self.unreachable = ""  # "", "before", "after", "always"

    def _maybe_fail(self, stage: str) -> None:
        if self.unreachable in (stage, "always"):
            if self.unreachable != "always":
                self.unreachable = ""
            raise InsurerUnreachable()

    def balance(self, card: str) -> int:
        self._maybe_fail("before")
        return self.book.balance(card)

    def deduct(self, card: str, amount: int, key: str) -> Reply:
        self._maybe_fail("before")
        reply = self.book.deduct(card, amount, key)
        self._maybe_fail("after")
        return reply

    def query(self, key: str) -> Reply:
        self._maybe_fail("before")
        return self.book.query(key)

    def cancel(self, key: str) -> Reply:
        self._maybe_fail("before")
        return self.book.cancel(key)

    def refund(self, card: str, amount: int, key: str, reference: str) -> Reply:
        self._maybe_fail("before")
        reply = self.book.refund(card, amount, key, reference)
        self._maybe_fail("after")
        return reply


class HttpInsurerGateway:
    """JSON over HTTP: POST {url}/balance {card}, /deduct {card, amount, key},
    /query {key}, /cancel {key}, /refund {card, amount, key, reference}; each answers {status, reference, balance, message}
    (balance: {balance})."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url, self.timeout = url.rstrip("/"), timeout

    def _post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.url}/{path}", data=json.dumps(body).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                raise InsurerUnreachable() from None
            try:
                answer = json.loads(error.read().decode("utf-8"))
            except ValueError:
                raise InsurerUnreachable() from None
        except (OSError, ValueError):  # refused, reset, timed out, not JSON
            raise InsurerUnreachable() from None
        if not isinstance(answer, dict):
            raise InsurerUnreachable()
        return answer

    def _reply(self, answer: dict) -> Reply:
        status = answer.get("status")
        if status not in (DONE, REFUSED, CANCELLED, NONE):
            raise InsurerUnreachable()
        balance = answer.get("balance")
        return Reply(status, str(answer.get("reference") or "")[:40],
                     balance if isinstance(balance, int) else None,
                     str(answer.get("message") or "")[:100])

    def balance(self, card: str) -> int:
        balance = self._post("balance", {"card": card}).get("balance")
        if not isinstance(balance, int) or isinstance(balance, bool):
            raise InsurerUnreachable()
        return balance

    def deduct(self, card: str, amount: int, key: str) -> Reply:
        return self._reply(self._post("deduct", {"card": card, "amount": amount, "key": key}))

    def query(self, key: str) -> Reply:
        return self._reply(self._post("query", {"key": key}))

    def cancel(self, key: str) -> Reply:
        return self._reply(self._post("cancel", {"key": key}))

    def refund(self, card: str, amount: int, key: str, reference: str) -> Reply:
        return self._reply(self._post("refund", {"card": card, "amount": amount, "key": key,
                                                 "reference": reference}))


_SIMS: dict[str, SimInsurerGateway] = {}
_SIMS_LOCK = threading.Lock()


def make_gateway(url: str, timeout: float = 10.0) -> InsurerGateway:
    """`sim` or `sim:NAME` (one simulated insurer per name in this process), or an
    http(s) URL."""
    if url == "sim" or url.startswith("sim:"):
        with _SIMS_LOCK:
            return _SIMS.setdefault(url, SimInsurerGateway())
    if url.startswith(("http://", "https://")):
        return HttpInsurerGateway(url, timeout)
    raise DeviceError(N_("An insurer's interface is 'sim' or an http(s) URL, not '{url}'."),
                      url=url[:60])
