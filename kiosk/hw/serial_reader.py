"""Serial magstripe readers: the reader sends the same track text a keyboard-wedge
reader types, ending in CR or LF. A thread turns each line into a swipe callback,
so the app sees one swipe event whichever reader the counter has."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kiosk.errors import DeviceError, N_


class SerialSwipeReader:
    def __init__(self, device: str, baud: int, on_swipe: Callable[[str], None],
                 on_error: Callable[[DeviceError], None] | None = None) -> None:
        self.device, self.baud = device, baud
        self.on_swipe, self.on_error = on_swipe, on_error
        self._stop = threading.Event()
        self.ready = threading.Event()  # set once the port is open
        self._thread = threading.Thread(target=self._run, name="serial-swipe", daemon=True)

    def start(self) -> "SerialSwipeReader":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        import serial
        try:
            port = serial.Serial(self.device, baudrate=self.baud, timeout=0.2)
        except (serial.SerialException, OSError) as error:
            self._fail(str(error))
            return
        line = b""
        self.ready.set()
        with port:
            while not self._stop.is_set():
                try:
                    chunk = port.read(64)
                except (serial.SerialException, OSError) as error:
                    self._fail(str(error))
                    return
                line = self._split(line + chunk)

    def _split(self, data: bytes) -> bytes:
        """Deliver every complete line in `data`; return the incomplete rest."""
        while True:
            ends = [i for i in (data.find(b"\r"), data.find(b"\n")) if i >= 0]
            if not ends:
                return data
            cut = min(ends)
            text = data[:cut].decode("ascii", errors="replace")
            data = data[cut + 1:]
            if text:
                self.on_swipe(text)

    def _fail(self, reason: str) -> None:
        if self.on_error is not None:
            self.on_error(DeviceError(N_("The serial card reader at {device} failed: {reason}"),
                                      device=self.device, reason=reason))

    def probe(self) -> str:
        """Open the port once: is the reader there?"""
        import serial
        try:
            serial.Serial(self.device, baudrate=self.baud, timeout=0.1).close()
        except (serial.SerialException, OSError) as error:
            return f"error: {error}"
        return f"ok (serial {self.device} @ {self.baud})"


class KeyboardWedge:
    """A reader that types into the terminal like a keyboard: nothing to probe; the
    swipe detector recognises its bursts on any screen."""

    def probe(self) -> str:
        return "ok (keyboard wedge: swipe a card on the login screen to try it)"


def make_swipe_reader(config):
    if config.driver == "serial":
        return SerialSwipeReader(config.options.get("device", ""),
                                 int(config.options.get("baud", 9600)), lambda text: None)
    if config.driver == "keyboard":
        return KeyboardWedge()
    return None
