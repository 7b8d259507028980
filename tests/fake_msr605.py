"""A fake MSR605 on the far end of a real pty: speaks the protocol byte for byte."""

from __future__ import annotations

import os
import threading
import tty

ESC, FS = b"\x1b", b"\x1c"


class FakeMsr605:
    def __init__(self, *, write_status: int = 0x30, corrupt_readback: bool = False,
                 unplug_on_write: bool = False) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.device = os.ttyname(slave)
        self._slave = slave
        self.write_status = write_status
        self.corrupt_readback = corrupt_readback
        self.unplug_on_write = unplug_on_write  # the cable comes out mid-write
        self.tracks = {1: b"", 2: b"", 3: b""}
        self.commands: list[bytes] = []
        self._buffer = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        os.close(self.master)
        os.close(self._slave)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                self._buffer += os.read(self.master, 256)
                while self._handle():
                    pass
            except OSError:  # closed: the device was "unplugged"
                return

    def _answer(self, data: bytes) -> None:
        os.write(self.master, data)

    def _handle(self) -> bool:
        buffer = self._buffer
        if len(buffer) < 2 or buffer[:1] != ESC:
            self._buffer = buffer[1:] if buffer and buffer[:1] != ESC else buffer
            return False
        command = buffer[1:2]
        if command == b"w" and self.unplug_on_write:
            self.close()
            return False
        if command == b"w":
            end = buffer.find(b"?" + FS)
            if end < 0:
                return False
            self.commands.append(buffer[:end + 2])
            self._store(buffer[2:end])
            self._buffer = buffer[end + 2:]
            self._answer(ESC + bytes([self.write_status]))
            return True
        if command == b"c":
            if len(buffer) < 3:
                return False
            self.commands.append(buffer[:3])
            self._buffer = buffer[3:]
            self._answer(ESC + b"0")
            return True
        self.commands.append(buffer[:2])
        self._buffer = buffer[2:]
        if command == b"e":
            self._answer(ESC + b"y")
        elif command in (b"x", b"y"):
            self._answer(ESC + b"0")
        elif command == b"r":
            self._answer(self._read_block() + ESC + b"0")
        return True

    def _store(self, block: bytes) -> None:
        if self.write_status != 0x30:
            return
        for part in block[2:].split(ESC)[1:]:  # skip ESC s
            self.tracks[int(part[:1])] = part[1:]

    def _read_block(self) -> bytes:
        t1, t2, t3 = self.tracks[1], self.tracks[2], self.tracks[3]
        if self.corrupt_readback and t2:
            t2 = t2[:-1] + b"0" if t2[-1:] != b"0" else t2[:-1] + b"1"
        framed = [b"%" + t1 + b"?" if t1 else b"", b";" + t2 + b"?" if t2 else b"",
                  b";" + t3 + b"?" if t3 else b""]
        return (ESC + b"s" + ESC + b"1" + framed[0] + ESC + b"2" + framed[1] + ESC + b"3"
                + framed[2] + b"?" + FS)
