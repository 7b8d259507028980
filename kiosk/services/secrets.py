"""PIN and password hashing: argon2id over an HMAC with a pepper kept outside the database.

A stolen database alone cannot be brute-forced (6-digit PINs would fall in seconds
otherwise): the attacker also needs the pepper key file. The database stores only
a fingerprint of the pepper, so a missing or swapped key file is caught at start.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kiosk.errors import KioskError, N_
from kiosk.store import settings

PEPPER_FINGERPRINT_KEY = "pepper_fingerprint"
PEPPER_BYTES = 32


class PepperError(KioskError):
    default_message = N_("The pepper key file is missing or does not belong to this database.")


def create_pepper(path: Path) -> bytes:
    """Create the key file, readable by the owner only; never overwrite one."""
    pepper = secrets.token_bytes(PEPPER_BYTES)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                             stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(pepper.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise PepperError(N_("The pepper key file {path} cannot be created: {reason}."),
                          path=str(path), reason=error.strerror or str(error)) from None
    return pepper


def read_pepper(path: Path) -> bytes:
    try:
        pepper = bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        raise PepperError(N_("The pepper key file {path} is missing. Restore it from the "
                             "backup; a new key would make every PIN and password invalid."),
                          path=str(path)) from None
    except ValueError:  # not hex, or not text
        raise PepperError(N_("The pepper key file {path} is damaged."), path=str(path)) from None
    except OSError as error:
        raise PepperError(N_("The pepper key file {path} cannot be read: {reason}. "
                             "KIOSK_PEPPER_FILE must name the key file itself, readable by the "
                             "kiosk's user."),
                          path=str(path), reason=error.strerror or str(error)) from None
    if len(pepper) != PEPPER_BYTES:
        raise PepperError(N_("The pepper key file {path} is damaged."), path=str(path))
    return pepper


def fingerprint(pepper: bytes) -> str:
    return hmac.new(pepper, b"kiosk pepper fingerprint v1", hashlib.sha256).hexdigest()


def bind_pepper(path: Path, *, create: bool) -> bytes:
    """Load the pepper and check it belongs to the open database.

    With `create`, a store that has no fingerprint yet gets one (and a key file
    if none exists). A store that has one never silently gets a new key.
    """
    stored = settings.fact(PEPPER_FINGERPRINT_KEY)
    if stored is None:
        if not create:
            raise PepperError(N_("This database has not been initialised: run 'kiosk init'."))
        pepper = read_pepper(path) if path.exists() else create_pepper(path)
        settings.add_fact(PEPPER_FINGERPRINT_KEY, fingerprint(pepper))
        return pepper
    pepper = read_pepper(path)
    if not hmac.compare_digest(stored, fingerprint(pepper)):
        raise PepperError(N_("The pepper key file {path} does not belong to this database."),
                          path=str(path))
    return pepper


class Sealer:
    """Keyed seals (HMAC-SHA256) for what must not be rewritten by someone holding only
    the database file: the audit chains and the export manifests. The keys are derived
    from the pepper, so they live outside the database with it."""

    def __init__(self, pepper: bytes) -> None:
        self._keys = {purpose: hmac.new(pepper, f"kiosk {purpose} v2".encode(),
                                        hashlib.sha256).digest()
                      for purpose in ("audit", "export")}

    def __repr__(self) -> str:
        return "Sealer(<keys hidden>)"

    def seal(self, purpose: str, text: str) -> str:
        return hmac.new(self._keys[purpose], text.encode("utf-8"), hashlib.sha256).hexdigest()

    def matches(self, purpose: str, text: str, seal: str) -> bool:
        return hmac.compare_digest(self.seal(purpose, text), seal or "")


class Hasher:
    """Hashes and checks PINs and passwords; the only holder of the pepper."""

    def __init__(self, pepper: bytes, *, time_cost: int = 2, memory_kib: int = 19456) -> None:
        self._pepper = pepper
        self._argon = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)

    def __repr__(self) -> str:  # never show the pepper in a traceback
        return "Hasher(<pepper hidden>)"

    def _peppered(self, secret: str) -> bytes:
        return hmac.new(self._pepper, secret.encode("utf-8"), hashlib.sha256).digest()

    def hash(self, secret: str) -> str:
        return self._argon.hash(self._peppered(secret))

    def verify(self, stored_hash: str, secret: str) -> bool:
        """Constant-time check (argon2 compares digests in constant time)."""
        if not stored_hash:
            # Spend the same time as a real check, so a missing hash is not a timing oracle.
            self._argon.hash(self._peppered(secret))
            return False
        try:
            return self._argon.verify(stored_hash, self._peppered(secret))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
