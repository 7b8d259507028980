"""Logging: a rotating file in the data directory (owner-only), stderr for the CLI.
Services log operation, masked card, operator, outcome and duration; never a secret.

kiosk.log holds one JSON object a line (at, level, logger, message, and where given a
reference number, the context of what failed and its traceback), so a support person
greps it, or reads it with jq, by the reference a screen or a command gave."""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
import sys
import uuid
from pathlib import Path

# extra= for a record meant for kiosk.log only (a traceback, a reference number): the
# CLI has already told the person at the terminal in their own words.
FILE_ONLY = {"file_only": True}
_configured: set[str] = set()
# The one log file of this process: the current home's. A process that opens another
# home (the CLI's tests, an embedding program) logs there from then on, and the old
# file is closed rather than left open and written to as well.
_file_handler: list[logging.Handler] = []
log = logging.getLogger("kiosk.logs")


class OwnerOnlyRotatingFile(logging.handlers.RotatingFileHandler):
    """The log, and each new file it rotates to, is created owner-only whatever the
    umask: it holds card numbers (masked), operators and tracebacks."""

    def _open(self):
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return open(descriptor, self.mode, encoding=self.encoding, errors=self.errors)


class JsonLines(logging.Formatter):
    """A record as one line of JSON: what happened, its reference and context, and the
    traceback of an unexpected failure."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"at": dt.datetime.fromtimestamp(record.created).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        for name in ("reference", "context"):
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _Terminal(logging.StreamHandler):
    """stderr is a person's terminal: the message, never a traceback; and whatever
    sys.stderr is at the time of writing, not when the handler was made."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(lambda record: not getattr(record, "file_only", False))

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _) -> None:
        pass

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname} {record.getMessage()}"


def report_unexpected(logger: logging.Logger, what: str, error: BaseException, context: dict,
                      *, file_only: bool = False) -> str:
    """An unexpected failure into kiosk.log: one JSON line with a new reference number,
    `context` (what was being done, by whom, where: never a secret or a typed value) and
    the traceback. Returns the reference, for the person to give support."""
    reference = uuid.uuid4().hex[:8].upper()
    logger.error("%s failed (reference %s)", what, reference, exc_info=error,
                 extra={"reference": reference, "context": context,
                        **(FILE_ONLY if file_only else {})})
    return reference


def setup_logging(path: Path, *, to_stderr: bool = False, level: int = logging.INFO,
                  warn: bool = True) -> bool:
    """Log to `path` (and, for the CLI, warnings to stderr). Returns whether the file is
    written: a log that cannot be opened (a read-only or missing data directory) leaves
    the kiosk working without it, with a warning unless `warn` is off; no folder is
    created here."""
    root = logging.getLogger("kiosk")
    root.setLevel(level)
    root.propagate = False  # our handlers only: a library's basicConfig must not echo us
    if "<null>" not in _configured:
        root.addHandler(logging.NullHandler())  # never Python's last-resort stderr handler
        _configured.add("<null>")
    if to_stderr and "<stderr>" not in _configured:
        handler = _Terminal()
        handler.setLevel(logging.WARNING)
        root.addHandler(handler)
        _configured.add("<stderr>")
    if _file_handler and _file_handler[0].baseFilename == os.path.abspath(path):
        return True
    try:
        handler = OwnerOnlyRotatingFile(path, maxBytes=5_000_000, backupCount=5,
                                        encoding="utf-8")
    except OSError as error:
        if warn:
            log.warning("the log %s cannot be written (%s): running without it", path,
                        error.strerror or error)
        return False
    handler.setFormatter(JsonLines())
    for previous in _file_handler:
        root.removeHandler(previous)
        previous.close()
    _file_handler[:] = [handler]
    root.addHandler(handler)
    return True
