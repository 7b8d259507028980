"""Opening the files people bring (lists, statements, voucher images): regular files
only, and never more read than the limit.

The name and the size are not trusted: a FIFO named list.csv would block the open, and
/dev/zero says its size is 0 and never ends. The file is opened without blocking and
judged by what the opened descriptor is, so nothing can swap it in between.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from kiosk.errors import InvalidInput, N_


def open_regular(path: str | Path) -> BinaryIO:
    """The file, opened for reading, if it is a regular file."""
    path = Path(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):  # ValueError: a NUL in the path
        raise InvalidInput(N_("Cannot read the file {name}."), name=path.name[:80]) from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise InvalidInput(N_("{name} is not a regular file: choose a file, not a folder "
                                  "or a device."), name=path.name[:80])
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular(path: str | Path, most: int) -> bytes:
    """At most `most` + 1 bytes of a regular file: more than `most` means too large."""
    with open_regular(path) as handle:
        try:
            return handle.read(most + 1)
        except OSError:
            raise InvalidInput(N_("Cannot read the file {name}."),
                               name=Path(path).name[:80]) from None


def decoded_text(data: bytes) -> str:
    """A text file's bytes as UTF-8 (with or without a BOM) or, failing that, GB18030,
    which Excel and Notepad on Chinese Windows write."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(N_("The file is neither UTF-8 nor GB18030 text."))
