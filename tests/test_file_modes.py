"""Least privilege on files: the log is owner-only, and so is every file it rotates to."""

import logging
import os
import stat

from kiosk.logs import OwnerOnlyRotatingFile


def loose(paths) -> list[str]:
    return [f"{oct(stat.S_IMODE(path.lstat().st_mode))} {path}" for path in paths
            if stat.S_IMODE(path.lstat().st_mode) & 0o077]


def test_the_rotated_log_is_owner_only_whatever_the_umask(tmp_path):
    os.umask(0o022)
    handler = OwnerOnlyRotatingFile(tmp_path / "kiosk.log", maxBytes=100, backupCount=2)
    record = logging.LogRecord("kiosk", logging.INFO, __file__, 1, "x" * 80, None, None)
    for _ in range(4):
        handler.emit(record)
    handler.close()
    files = sorted(tmp_path.iterdir())
    assert [path.name for path in files] == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]
    assert loose(files) == []
