"""PC/SC smart card readers through pyscard (the optional extra `pcsc`, imported lazily).

The card's identifier is its UID (GET DATA, FF CA 00 00 00, on contactless readers
that support it) or, failing that, its ATR. The ATR is taken first, because some
cards stop answering after an APDU they do not know.

A watcher thread polls the readers and reports insertions and removals through a
callback; it survives pcscd stopping and starting again (reporting the outage),
which pyscard's own CardMonitor thread does not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.config import DeviceConfig
from kiosk.errors import DeviceError, KioskError, N_

GET_UID = [0xFF, 0xCA, 0x00, 0x00, 0x00]
SW_OK = (0x90, 0x00)


class PcscError(DeviceError):
    default_message = N_("The smart card reader does not answer.")


class PinRejected(KioskError):
    default_message = N_("The card rejected the PIN. {tries_left} tries left.")


def _smartcard():
    try:
        import smartcard.System  # noqa: F401
        import smartcard.Exceptions  # noqa: F401
        import smartcard.pcsc.PCSCExceptions  # noqa: F401
        import smartcard.scard  # noqa: F401
    except ImportError:
        raise PcscError(N_("PC/SC support is not installed: pip install 'kiosk[pcsc]' "
                           "(needs swig and libpcsclite-dev).")) from None
    import smartcard
    return smartcard


@dataclass(frozen=True)
class CardIdentity:
    reader: str
    atr: str
    uid: str | None

    @property
    def identifier(self) -> str:
        return self.uid or f"ATR:{self.atr}"


def list_readers() -> list[str]:
    smartcard = _smartcard()
    try:
        found = smartcard.System.readers()
    except smartcard.pcsc.PCSCExceptions.EstablishContextException:
        raise PcscError(N_("pcscd is not running: start it (systemctl start pcscd).")) from None
    except Exception as error:
        if "service" in str(error).lower() or "context" in str(error).lower():
            raise PcscError(N_("pcscd is not running: start it (systemctl start pcscd).")
                            ) from None
        raise PcscError(N_("The smart card service failed: {reason}"), reason=str(error)) from None
    return [str(reader) for reader in found]


def _reader(name: str | None):
    smartcard = _smartcard()
    readers = smartcard.System.readers()
    if not readers:
        raise PcscError(N_("No smart card reader is connected."))
    for reader in readers:
        if name is None or str(reader) == name:
            return reader
    raise PcscError(N_("The smart card reader '{name}' is not connected."), name=name)


class Connection:
    """A connection to the card in one reader; use as a context manager."""

    def __init__(self, reader_name: str | None = None) -> None:
        list_readers()  # turns "no pcscd" into its clear message first
        smartcard = _smartcard()
        self._errors, self._scard = smartcard.Exceptions, smartcard.scard
        self.reader = _reader(reader_name)
        self.connection = self.reader.createConnection()
        try:
            # Left powered when we let go: pyscard's default unpowers the card, which
            # resets it under any other program's connection (the watcher's poll
            # under a sale's PIN check).
            self.connection.connect(disposition=self._scard.SCARD_LEAVE_CARD)
        except smartcard.Exceptions.NoCardException:
            raise PcscError(N_("No card in the reader: insert the card.")) from None
        except smartcard.Exceptions.CardConnectionException as error:
            raise PcscError(N_("The card cannot be read: {reason}"), reason=str(error)) from None

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.connection.disconnect()
        except Exception:  # the card or pcscd may already be gone; nothing to keep
            pass

    def atr(self) -> str:
        return bytes(self.connection.getATR()).hex().upper()

    def transmit(self, apdu: list[int]) -> tuple[bytes, int, int]:
        """A card another program reset since we connected refuses the command unsent
        (SCARD_W_RESET_CARD): connected again, the command is sent once more."""
        try:
            try:
                data, sw1, sw2 = self.connection.transmit(apdu)
            except self._errors.CardConnectionException as error:
                if not _is_reset(error, self._scard.SCARD_W_RESET_CARD):
                    raise
                self.connection.reconnect(disposition=self._scard.SCARD_LEAVE_CARD)
                data, sw1, sw2 = self.connection.transmit(apdu)
        except (self._errors.CardConnectionException, self._errors.NoCardException):
            raise PcscError(N_("The card was removed during the operation; nothing was "
                               "changed. Insert it again.")) from None
        return bytes(data), sw1, sw2

    def identify(self, try_uid: bool = True) -> CardIdentity:
        atr = self.atr()
        uid = None
        if try_uid:
            try:
                data, sw1, sw2 = self.transmit(GET_UID)
                if (sw1, sw2) == SW_OK and data:
                    uid = data.hex().upper()
            except PcscError:
                uid = None  # the card does not support GET DATA: the ATR identifies it
        return CardIdentity(reader=str(self.reader), atr=atr, uid=uid)

    def verify_pin(self, pin: str, reference: int = 0x80) -> None:
        """ISO 7816-4 VERIFY with the PIN as ASCII digits; 63Cx says x tries left."""
        digits = list(pin.encode("ascii"))
        _, sw1, sw2 = self.transmit([0x00, 0x20, 0x00, reference, len(digits)] + digits)
        if (sw1, sw2) == SW_OK:
            return
        if sw1 == 0x63:
            raise PinRejected(tries_left=sw2 & 0x0F if sw2 & 0xF0 == 0xC0 else "?")
        if (sw1, sw2) == (0x69, 0x83):
            raise PinRejected(N_("The card's PIN is blocked."))
        raise PcscError(N_("The card refused PIN verification ({status})."),
                        status=f"{sw1:02X}{sw2:02X}")


def _is_reset(error: Exception, reset_code: int) -> bool:
    code = getattr(error, "hresult", None)
    return isinstance(code, int) and code & 0xFFFFFFFF == reset_code & 0xFFFFFFFF


def read_identity(reader_name: str | None = None, try_uid: bool = True) -> CardIdentity:
    with Connection(reader_name) as connection:
        return connection.identify(try_uid)


@dataclass(frozen=True)
class ReaderEvent:
    kind: str              # inserted, removed, service_down, service_up
    reader: str = ""
    identity: CardIdentity | None = None
    message: str = ""


class CardWatcher:
    """Polls readers on its own thread; `on_event` is called from that thread, so a
    Textual app hands it to `call_from_thread` or `post_message`."""

    def __init__(self, on_event: Callable[[ReaderEvent], None], *, interval: float = 0.5,
                 try_uid: bool = True) -> None:
        self.on_event = on_event
        self.interval = interval
        self.try_uid = try_uid
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pcsc-watcher", daemon=True)
        self._present: dict[str, str] = {}
        self._service_up: bool | None = None

    def start(self) -> "CardWatcher":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._poll_once()
            self._stop.wait(self.interval)

    def _poll_once(self) -> None:
        try:
            readers = list_readers()
        except PcscError as error:
            if self._service_up is not False:
                self._service_up = False
                for reader in list(self._present):
                    self.on_event(ReaderEvent("removed", reader))
                self._present.clear()
                self.on_event(ReaderEvent("service_down", message=error.message_id))
            return
        if self._service_up is not True:
            self._service_up = True
            self.on_event(ReaderEvent("service_up"))
        for reader in readers:
            self._check_reader(reader)
        for reader in set(self._present) - set(readers):
            del self._present[reader]
            self.on_event(ReaderEvent("removed", reader))

    def _check_reader(self, reader: str) -> None:
        try:
            with Connection(reader) as connection:
                atr = connection.atr()
                if self._present.get(reader) == atr:
                    return
                identity = connection.identify(self.try_uid)
        except (PcscError, Exception):
            if reader in self._present:
                del self._present[reader]
                self.on_event(ReaderEvent("removed", reader))
            return
        self._present[reader] = atr
        self.on_event(ReaderEvent("inserted", reader, identity))


class SimCardReader:
    """The demo's reader: a card is 'inserted' by calling insert(uid). With
    `fresh_cards`, an empty reader hands out a new card each time (the demo's stock of
    smart cards to bind)."""

    def __init__(self, *, fresh_cards: bool = False) -> None:
        self.identity: CardIdentity | None = None
        self.fresh_cards = fresh_cards

    def insert(self, uid: str) -> None:
        self.identity = CardIdentity(reader="Simulated reader", atr="3B00", uid=uid)

    def remove(self) -> None:
        self.identity = None

    def read_identity(self) -> CardIdentity:
        if self.identity is None and self.fresh_cards:
            import secrets
            return CardIdentity(reader="Simulated reader", atr="3B00",
                                uid=secrets.token_hex(4).upper())
        if self.identity is None:
            raise PcscError(N_("No card in the reader: insert the card."))
        return self.identity

    def probe(self) -> str:
        return "ok (sim)"


class PcscCardReader:
    """A real reader; the app watches it with a CardWatcher."""

    def __init__(self, reader_name: str | None, try_uid: bool) -> None:
        self.reader_name, self.try_uid = reader_name, try_uid

    def read_identity(self) -> CardIdentity:
        return read_identity(self.reader_name, self.try_uid)

    def probe(self) -> str:
        try:
            readers = list_readers()
        except PcscError as error:
            return f"error: {error}"
        if not readers:
            return "missing: no reader connected"
        return f"ok ({', '.join(readers)})"


def make_card_reader(config: DeviceConfig):
    if config.driver == "none":
        return None
    if config.driver == "sim":
        return SimCardReader(fresh_cards=bool(config.options.get("fresh_cards", False)))
    if config.driver == "pcsc":
        return PcscCardReader(config.options.get("reader"), bool(config.options.get("uid", True)))
    raise DeviceError(N_("Unknown card reader driver '{driver}'."), driver=config.driver)
