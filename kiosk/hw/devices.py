"""The devices of one terminal, built from the settings; probed by `kiosk devices`."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import Settings
from kiosk.hw.printer import Printer, make_printer


@dataclass
class Devices:
    printer: Printer | None = None
    writer: object | None = None
    card_reader: object | None = None
    code_sender: object | None = None
    swipe_reader: object | None = None

    def describe(self) -> dict[str, str]:
        """Device name -> state (ok / missing / error with reason), every configured one."""
        states = {}
        for name, device in (("swipe", self.swipe_reader), ("printer", self.printer),
                             ("writer", self.writer), ("pcsc", self.card_reader),
                             ("sms", self.code_sender)):
            states[name] = device.probe() if device is not None else "not configured"
        return states


def build_devices(settings: Settings) -> Devices:
    from kiosk.hw.msr import make_writer
    from kiosk.hw.pcsc import make_card_reader
    from kiosk.hw.serial_reader import make_swipe_reader
    from kiosk.hw.sms import make_code_sender
    return Devices(printer=make_printer(settings.printer, settings.receipts_dir),
                   writer=make_writer(settings.writer),
                   card_reader=make_card_reader(settings.pcsc),
                   code_sender=make_code_sender(settings.sms),
                   swipe_reader=make_swipe_reader(settings.swipe))
