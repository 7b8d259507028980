"""Sending a member a verification code. `sim` keeps the messages (the demo shows the
code on screen); `command` runs a program of the chain's SMS gateway, the phone number
in its environment (KIOSK_SMS_PHONE) and the text on its stdin (UTF-8); `none` says no
sender is configured.

Never on the program's command line: every local user can read it in /proc/<pid>/cmdline,
while a process's environment is readable by its owner only and stdin by nobody else."""

from __future__ import annotations

import os
import subprocess
from typing import Protocol

from kiosk.config import DeviceConfig
from kiosk.errors import DeviceError, N_


class CodeSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class SimCodeSender:
    """Keeps what it 'sent'; `on_send` (set by the app) shows it on screen, as the
    member's phone would."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.on_send = None

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        if self.on_send is not None:
            self.on_send(phone, text)

    def probe(self) -> str:
        return "ok (sim)"


class CommandCodeSender:
    def __init__(self, command: list[str], timeout: float = 15.0) -> None:
        self.command, self.timeout = command, timeout

    def send(self, phone: str, text: str) -> None:
        try:
            subprocess.run(self.command, input=text.encode("utf-8"), check=True,
                           env={**os.environ, "KIOSK_SMS_PHONE": phone}, timeout=self.timeout,
                           capture_output=True)
        except (OSError, subprocess.SubprocessError):
            raise DeviceError(N_("The code could not be sent; check the SMS gateway.")) from None

    def probe(self) -> str:
        return f"command {self.command[0]}"


def make_code_sender(config: DeviceConfig) -> CodeSender | None:
    if config.driver == "none":
        return None
    if config.driver == "sim":
        return SimCodeSender()
    if config.driver == "command":
        command = config.options.get("command")
        if isinstance(command, str):
            command = [command]
        if not command or not all(isinstance(part, str) for part in command):
            raise DeviceError(N_("[devices.sms] needs command = [\"program\", ...]."))
        return CommandCodeSender(command)
    raise DeviceError(N_("Unknown SMS driver '{driver}'."), driver=config.driver)
