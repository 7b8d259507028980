"""Receipt printers behind one interface: send ready-made ESC/POS bytes, or fail clearly.

Drivers (config [devices.printer] driver = ...):
    usb      vendor, product (hex or int)   python-escpos Usb
    serial   device, baud                   python-escpos Serial
    network  host, port                     python-escpos Network
    file     path (/dev/usb/lp0 or a file)  python-escpos File
    sim      writes <receipt>.bin and a readable <receipt>.txt to the receipts folder
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kiosk.config import DeviceConfig
from kiosk.errors import DeviceError, N_, Phrase


@dataclass(frozen=True)
class PrintJob:
    name: str      # the receipt label, e.g. T01-000042
    data: bytes    # ESC/POS bytes
    text: str      # the same receipt as readable text


class PrinterOffline(DeviceError):
    """Nothing was printed. What becomes of the document is the caller's to say: a
    receipt waits in the print queue, a copy or a report is printed again by a key."""

    default_message = N_("The receipt printer is offline or out of paper.")


def failure_reason(error: Exception) -> Phrase:
    """What python-escpos or the socket said, as a person reads it (in the screen's
    language); the library's class name goes to no screen."""
    name = type(error).__name__
    if name in ("DeviceNotFoundError", "USBNotFoundError", "FileNotFoundError"):
        return Phrase(N_("not found: is it plugged in and switched on?"))
    if isinstance(error, (ConnectionError, TimeoutError)):  # socket.timeout is TimeoutError
        return Phrase(N_("no answer over the network: is it on and its cable in?"))
    if isinstance(error, PermissionError):
        return Phrase(N_("this terminal may not use it (device permissions)"))
    return Phrase(N_("it did not take the job: check paper, cover and power"))


class Printer(Protocol):
    def print_job(self, job: PrintJob) -> None: ...

    def probe(self) -> str: ...


class SimPrinter:
    """The demo's printer: receipts land as files a person can open."""

    def __init__(self, folder: Path, *, offline: bool = False) -> None:
        self.folder = folder
        self.offline = offline  # tests and the demo can pull the plug

    def print_job(self, job: PrintJob) -> None:
        if self.offline:
            raise PrinterOffline()
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.folder / f"{job.name}.bin", job.data)
        _write_atomically(self.folder / f"{job.name}.txt", job.text.encode("utf-8"))

    def probe(self) -> str:
        return "offline (simulated)" if self.offline else f"ok (sim: {self.folder})"


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class EscposPrinter:
    """A real printer through python-escpos; opened per job so an unplugged printer
    recovers by itself when it comes back."""

    def __init__(self, factory, description: str) -> None:
        self._factory = factory
        self.description = description

    def print_job(self, job: PrintJob) -> None:
        try:
            printer = self._factory()
            try:
                printer._raw(job.data)
            finally:
                printer.close()
        except Exception as error:  # the library raises many kinds; all mean "not printed"
            raise PrinterOffline(N_("The receipt printer ({device}) failed: {reason}."),
                                 device=self.description,
                                 reason=failure_reason(error)) from None

    def probe(self) -> str:
        try:
            printer = self._factory()
            printer.open(raise_not_found=True)  # python-escpos opens lazily otherwise
            printer.close()
            return f"ok ({self.description})"
        except Exception as error:
            return f"error ({self.description}): {type(error).__name__}: {error}"


def _int(value) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def make_printer(config: DeviceConfig, receipts_dir: Path) -> Printer | None:
    options = config.options
    if config.driver == "none":
        return None
    if config.driver == "sim":
        return SimPrinter(Path(options.get("folder", receipts_dir)),
                          offline=bool(options.get("offline", False)))
    from escpos import printer as escpos

    if config.driver == "usb":
        vendor, product = _int(options["vendor"]), _int(options["product"])
        return EscposPrinter(lambda: escpos.Usb(vendor, product), f"usb {vendor:04x}:{product:04x}")
    if config.driver == "serial":
        device, baud = options["device"], int(options.get("baud", 9600))
        return EscposPrinter(lambda: escpos.Serial(devfile=device, baudrate=baud),
                             f"serial {device}")
    if config.driver == "network":
        host, port = options["host"], int(options.get("port", 9100))
        return EscposPrinter(lambda: escpos.Network(host, port=port, timeout=5),
                             f"network {host}:{port}")
    if config.driver == "file":
        path = options["path"]
        return EscposPrinter(lambda: escpos.File(path), f"file {path}")
    raise DeviceError(N_("Unknown printer driver '{driver}'."), driver=config.driver)
