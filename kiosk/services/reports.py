"""Tables saved for finance from the app: `<home>/reports/<name>.xlsx`, owner-only,
written atomically with every text cell formula-safe (kiosk/spreadsheet.py)."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.services import permissions
from kiosk.services.session import Session
from kiosk.spreadsheet import write_table


def save_table(session: Session, name: str, rows: list[list]) -> Path:
    permissions.require(session, permissions.QUERY)
    folder = session.runtime.settings.home / "reports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^0-9A-Za-z_.-]', '_', name)}.xlsx"
    write_table(path, rows)
    return path
