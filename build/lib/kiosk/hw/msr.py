"""MSR605/MSR206-family magstripe writers over serial (9600 8N1).

    reset            ESC a
    test             ESC e          -> ESC y
    write ISO        ESC w ESC s ESC 1 t1 ESC 2 t2 ESC 3 t3 ? FS   -> ESC status (after the swipe)
    read ISO         ESC r          -> ESC s ESC 1 t1 ESC 2 t2 ESC 3 t3 ? FS ESC status
    erase            ESC c mask     -> ESC status
    hi-co / lo-co    ESC x / ESC y  -> ESC 0
    LEDs             ESC 0x81 off, 0x82 on, 0x83 green, 0x84 yellow, 0x85 red

A card counts as written only when reading it back gives what was written.
"""

from __future__ import annotations

import termios
import time
from dataclasses import dataclass
from typing import Protocol

from kiosk.config import DeviceConfig
from kiosk.errors import DeviceError, N_

ESC, FS = b"\x1b", b"\x1c"
PORT_ERRORS = (OSError, termios.error)  # pyserial's SerialException is an OSError
STATUS_OK = 0x30
STATUS_MESSAGES = {
    0x31: N_("The writer reports a read/write error; swipe the card again."),
    0x32: N_("The writer rejected the command format."),
    0x34: N_("The writer does not know this command."),
    0x39: N_("The card was not swiped correctly for writing; swipe again."),
}
LED = {"off": 0x81, "on": 0x82, "green": 0x83, "yellow": 0x84, "red": 0x85}
ERASE_MASK = {(1,): 0x00, (2,): 0x02, (3,): 0x04, (1, 2): 0x03, (1, 3): 0x05, (2, 3): 0x06,
              (1, 2, 3): 0x07}


class WriterError(DeviceError):
    default_message = N_("The magstripe writer does not answer; check its cable and power.")


class ReadBackMismatch(WriterError):
    default_message = N_("The card did not read back as written; it is not issued. Try "
                         "another blank card.")


@dataclass(frozen=True)
class Tracks:
    track1: str = ""
    track2: str = ""
    track3: str = ""

    def normalised(self) -> "Tracks":
        return Tracks(*(_strip_sentinels(t) for t in (self.track1, self.track2, self.track3)))


def _strip_sentinels(track: str) -> str:
    if track[:1] in ("%", ";", "+"):
        track = track[1:]
    if track.endswith("?"):
        track = track[:-1]
    return track


class CardWriter(Protocol):
    def write_and_verify(self, tracks: Tracks, swipe_timeout: float = 30.0) -> Tracks: ...

    def probe(self) -> str: ...


class Msr605:
    """Talks the protocol over a pyserial port (a real device or a pty in tests)."""

    def __init__(self, port, *, answer_timeout: float = 2.0) -> None:
        self.port = port
        self.answer_timeout = answer_timeout
        self._buffer = b""

    @classmethod
    def open(cls, device: str, baud: int = 9600) -> "Msr605":
        import serial
        try:
            port = serial.Serial(device, baudrate=baud, bytesize=8, parity="N", stopbits=1,
                                 timeout=0.1)
        except (serial.SerialException, OSError) as error:
            raise WriterError(N_("The magstripe writer at {device} cannot be opened: {reason}"),
                              device=device, reason=str(error)) from None
        return cls(port)

    def _send(self, data: bytes) -> None:
        self._buffer = b""
        try:
            self.port.reset_input_buffer()
            self.port.write(data)
            self.port.flush()
        except PORT_ERRORS as error:
            raise WriterError(N_("The magstripe writer was unplugged: {reason}"),
                              reason=str(error)) from None

    def _fill(self, deadline: float) -> None:
        if time.monotonic() >= deadline:
            raise WriterError()
        try:
            self._buffer += self.port.read(64)
        except PORT_ERRORS as error:
            raise WriterError(N_("The magstripe writer was unplugged: {reason}"),
                              reason=str(error)) from None

    def _take_until(self, terminator: bytes, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while terminator not in self._buffer:
            self._fill(deadline)
        cut = self._buffer.index(terminator) + len(terminator)
        data, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return data

    def _take(self, count: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self._buffer) < count:
            self._fill(deadline)
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def _status(self, timeout: float) -> None:
        self._take_until(ESC, timeout)
        status = self._take(1, timeout)[0]
        if status != STATUS_OK:
            raise WriterError(STATUS_MESSAGES.get(status, WriterError.default_message))

    def reset(self) -> None:
        self._send(ESC + b"a")

    def test_communication(self) -> None:
        self._send(ESC + b"e")
        self._take_until(ESC + b"y", self.answer_timeout)

    def set_coercivity(self, high: bool) -> None:
        self._send(ESC + (b"x" if high else b"y"))
        self._status(self.answer_timeout)

    def led(self, which: str) -> None:
        self._send(ESC + bytes([LED[which]]))

    def erase(self, tracks: tuple[int, ...] = (1, 2, 3), swipe_timeout: float = 30.0) -> None:
        self._send(ESC + b"c" + bytes([ERASE_MASK[tuple(sorted(tracks))]]))
        self._status(swipe_timeout)

    def write(self, tracks: Tracks, swipe_timeout: float = 30.0) -> None:
        block = ESC + b"s"
        for number, data in enumerate((tracks.track1, tracks.track2, tracks.track3), 1):
            if data:
                block += ESC + str(number).encode() + data.encode("ascii")
        self._send(ESC + b"w" + block + b"?" + FS)
        self._status(swipe_timeout)

    def read(self, swipe_timeout: float = 30.0) -> Tracks:
        self._send(ESC + b"r")
        data = self._take_until(b"?" + FS, swipe_timeout)
        self._status(swipe_timeout)
        return parse_read_block(data)

    def write_and_verify(self, tracks: Tracks, swipe_timeout: float = 30.0) -> Tracks:
        self.write(tracks, swipe_timeout)
        read_back = self.read(swipe_timeout)
        if read_back.normalised() != tracks.normalised():
            raise ReadBackMismatch()
        return read_back

    def probe(self) -> str:
        try:
            self.reset()
            self.test_communication()
            return f"ok (msr605 {getattr(self.port, 'port', '')})"
        except WriterError as error:
            return f"error: {error}"


def parse_read_block(data: bytes) -> Tracks:
    """ESC s ESC 1 t1 ESC 2 t2 ESC 3 t3 ? FS -> Tracks."""
    start = data.find(ESC + b"s")
    end = data.rfind(b"?" + FS)
    if start < 0 or end < 0:
        raise WriterError(STATUS_MESSAGES[0x31])
    found = {}
    for part in data[start + 2:end].split(ESC)[1:]:
        if part[:1] in (b"1", b"2", b"3"):
            found[int(part[:1])] = part[1:].decode("ascii", errors="replace")
    return Tracks(found.get(1, ""), found.get(2, ""), found.get(3, ""))


class SimWriter:
    """The demo's writer: 'writes' instantly and reads back what it wrote."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.last: Tracks | None = None

    def write_and_verify(self, tracks: Tracks, swipe_timeout: float = 30.0) -> Tracks:
        if self.fail:
            raise WriterError(STATUS_MESSAGES[0x39])
        self.last = tracks
        return tracks

    def probe(self) -> str:
        return "ok (sim)"


def make_writer(config: DeviceConfig) -> CardWriter | None:
    if config.driver == "none":
        return None
    if config.driver == "sim":
        return SimWriter(fail=bool(config.options.get("fail", False)))
    if config.driver == "msr605":
        return LazyMsr605(config.options["device"], int(config.options.get("baud", 9600)))
    raise DeviceError(N_("Unknown writer driver '{driver}'."), driver=config.driver)


class LazyMsr605:
    """Opens the port when first used, so a writer plugged in later still works."""

    def __init__(self, device: str, baud: int) -> None:
        self.device, self.baud = device, baud

    def write_and_verify(self, tracks: Tracks, swipe_timeout: float = 30.0) -> Tracks:
        writer = Msr605.open(self.device, self.baud)
        try:
            writer.reset()
            return writer.write_and_verify(tracks, swipe_timeout)
        finally:
            writer.port.close()

    def probe(self) -> str:
        try:
            writer = Msr605.open(self.device, self.baud)
        except WriterError as error:
            return f"error: {error}"
        try:
            return writer.probe()
        finally:
            writer.port.close()
