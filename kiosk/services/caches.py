"""What this process remembers of the open store, in one place.

Each cache holds facts read often and changed rarely: who and where an actor is
(directory), an operator's rights (permissions), the audit chains' ids (audit), the POS
tokens already checked (pos_sales), the tills' and issuers' system accounts (accounts),
the chain's rules read for hints (policies). They belong to the open store: connecting
makes a new set (they hang from the connection's database object, as its store key
does), and the runtime that opened the store holds the same set (Runtime.caches).

Whoever changes what a cache holds forgets it in the same call (admin.save_outlet the
outlet's entries, admin.change_login_id the operator's); a transaction that fails
forgets the rows it may have made (services/operations.py). Another process learns of
a change as each cache's owner says: the business date trusts no cache (it reads the
outlet's clock with its closes, store/outlets.calendar); rights and the rules read
for hints are read again after a few seconds (Cache.within); an operator's login id
at their next login.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from kiosk.store.db import current_database

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Cache(Generic[K, V]):
    """Values by key, loaded on first use."""

    def __init__(self) -> None:
        self._values: dict[K, V] = {}

    def get(self, key: K, load: Callable[[], V]) -> V:
        value = self._values.get(key)
        if value is None:
            value = self._values[key] = load()
        return value

    def within(self, key: K, seconds: float, load: Callable[[], V]) -> V:
        """The value if it was loaded at most `seconds` ago, else loaded again now (what
        another process may change, read again now and then)."""
        cached = self._values.get(key)
        now = time.monotonic()
        if cached is None or now - cached[0] >= seconds:
            cached = self._values[key] = (now, load())
        return cached[1]

    def peek(self, key: K) -> V | None:
        return self._values.get(key)

    def put(self, key: K, value: V) -> None:
        self._values[key] = value

    def refresh(self, which: Callable[[K], bool], load: Callable[[K], V]) -> None:
        """Load again, now, the values whose key `which` picks (a change made here)."""
        for key in [key for key in self._values if which(key)]:
            self._values[key] = load(key)

    def forget(self, which: Callable[[K], bool] | None = None) -> None:
        """Forget every value, or those whose key `which` picks."""
        if which is None:
            self._values.clear()
            return
        for key in [key for key in self._values if which(key)]:
            self._values.pop(key, None)


class StoreCaches:
    """Every cache of one open store."""

    def __init__(self) -> None:
        self.directory: Cache = Cache()
        self.permissions: Cache = Cache()
        self.audit_chains: Cache = Cache()
        self.pos_tokens: Cache = Cache()
        self.system_accounts: Cache = Cache()
        self.policies: Cache = Cache()

    def forget_all(self) -> None:
        for cache in vars(self).values():
            cache.forget()


def of_open_store() -> StoreCaches:
    """The caches of the store open now (made on first use after connecting)."""
    db = current_database()
    caches = getattr(db, "kiosk_caches", None)
    if caches is None:
        caches = db.kiosk_caches = StoreCaches()
    return caches
