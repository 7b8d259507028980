"""Tables saved for finance from the app: `<home>/reports/<name>.xlsx`, owner-only,
written atomically with every text cell formula-safe (kiosk/spreadsheet.py)."""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.services import permissions
from kiosk.services.session import Session
from kiosk.i18n import translator
from kiosk.report_table import Table
from kiosk.spreadsheet import write_report


# Anything but letters (药房 too), digits, _ . and -: no folder, no space, no quote.
UNSAFE_IN_FILE_NAME = re.compile(r"[^\w.-]")


def save_table(session: Session, name: str, table: Table) -> Path:
    """The table as finance's workbook under the kiosk's reports folder, in the kiosk's
    language."""
    permissions.require(session, permissions.QUERY)
    folder = session.runtime.settings.home / "reports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"{UNSAFE_IN_FILE_NAME.sub('_', name)}.xlsx"
    write_report(path, table, translator(session.runtime.settings.language))
    return path
