"""Logging: a rotating file in the data directory (owner-only), stderr for the CLI.
Services log operation, masked card, operator, outcome and duration; never a secret."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_configured: set[str] = set()


def setup_logging(path: Path, *, to_stderr: bool = False, level: int = logging.INFO) -> None:
    root = logging.getLogger("kiosk")
    root.setLevel(level)
    root.propagate = False  # our handlers only: a library's basicConfig must not echo us
    if str(path) not in _configured:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5,
                                                       encoding="utf-8")
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
        _configured.add(str(path))
    if to_stderr and "<stderr>" not in _configured:
        handler = logging.StreamHandler()
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        root.addHandler(handler)
        _configured.add("<stderr>")
