"""The nightly export: one outlet, one business date, three files.

    <outlet>_<date>.csv             finance (UTF-8 with BOM-less header row)
    <outlet>_<date>.jsonl           machines (one JSON object a line)
    <outlet>_<date>.manifest.json   row counts, totals per operation, the audit chain
                                    head of the day, SHA-256 of both data files

Rows stream from the database straight to disk (memory stays flat however large the
day); each file is written to a temporary name, fsynced, then renamed, the manifest
last, so a crash or a full disk leaves the previous export whole and never a half file.
Nothing in the files depends on when the export ran: a rerun is byte-identical.
The format is documented in docs/export-format.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import peewee as pw

from kiosk.errors import KioskError, N_
from kiosk.money import plain_yuan
from kiosk.services import audit, permissions
from kiosk.services.business_date import utc_bounds
from kiosk.services.session import Session
from kiosk.spreadsheet import DANGEROUS_START, safe_cell
from kiosk.store import models
from kiosk.store.db import database

FORMAT_VERSION = 1
CSV_COLUMNS = ("record", "id", "business_date", "time", "kind", "terminal", "operator",
               "card", "account", "unit", "amount_fen", "amount_yuan", "reverses", "reviewer",
               "subject", "detail")


class ExportFailed(KioskError):
    default_message = N_("The export could not be written: {reason}. The previous export "
                         "is unchanged.")


@dataclass
class ExportResult:
    paths: list[Path]
    rows: int
    manifest: dict = field(default_factory=dict)


def export_day(session: Session, outlet_code: str, day: dt.date, folder: Path) -> ExportResult:
    permissions.require(session, permissions.FINANCE)
    outlet = models.Outlet.get_or_none(models.Outlet.code == outlet_code)
    if outlet is None:
        raise KioskError(N_("Outlet {code} is not registered."), code=outlet_code)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{outlet.code}_{day.isoformat()}"
    writer = _DayWriter(folder, stem)
    try:
        for record in _records(outlet, day):
            writer.write(record)
        manifest = writer.finish(outlet, day)
    except OSError as error:
        writer.abandon()
        raise ExportFailed(reason=os.strerror(error.errno) if error.errno else str(error)
                           ) from None
    return ExportResult(paths=writer.final_paths, rows=writer.rows, manifest=manifest)


def _records(outlet: models.Outlet, day: dt.date) -> Iterator[dict]:
    """Journal entries, then audit events (card, member, operator changes and closes)."""
    E, O, A = models.JournalEntry, models.Operation, models.Account
    Terminal, Operator, Card = models.Terminal, models.Operator, models.Card
    Reviewer = Operator.alias()
    entries = (E.select(E.id, E.amount, O.id.alias("op"), O.kind, O.created_at,
                        O.reverses.alias("reverses_id"), Terminal.code.alias("terminal"),
                        Operator.login_id.alias("operator"), Card.number.alias("card"),
                        A.code.alias("account"), A.unit, Reviewer.login_id.alias("reviewer"))
               .join(O).switch(E).join(A)
               .switch(O).join(Terminal, pw.JOIN.LEFT_OUTER)
               .switch(O).join(Operator, pw.JOIN.LEFT_OUTER, on=(O.operator == Operator.id))
               .switch(O).join(Reviewer, pw.JOIN.LEFT_OUTER, on=(O.reviewer == Reviewer.id))
               .switch(O).join(Card, pw.JOIN.LEFT_OUTER)
               .where(O.outlet == outlet, E.business_date == day)
               .order_by(E.id))
    date = day.isoformat()
    # Raw values in the selected order: no per-row model conversion.
    for (entry_id, amount, operation, kind, created_at, reverses, terminal, operator, card,
         account, unit, reviewer) in database.execute(entries):
        yield {"record": "entry", "id": entry_id, "business_date": date,
               "time": _iso_seconds(created_at), "kind": kind, "terminal": terminal or "",
               "operator": operator or "", "card": card or "", "account": account,
               "unit": unit, "amount_fen": amount, "reverses": reverses or "",
               "reviewer": reviewer or "", "operation": operation}
    start, end = utc_bounds(day, outlet.time_zone, outlet.day_boundary)
    AE = models.AuditEvent
    events = (AE.select(AE.seq, AE.at, AE.action, AE.outlet_code, AE.terminal_code,
                        AE.operator_login, AE.subject, AE.operation, AE.details, AE.prev_hash,
                        AE.hash)
              .where(AE.outlet_code == outlet.code, AE.at >= start, AE.at < end)
              .order_by(AE.seq))
    for (seq, at, action, outlet_code, terminal, operator, subject, operation, details,
         prev_hash, hash_) in database.execute(events):
        yield {"record": "event", "id": seq, "business_date": day.isoformat(),
               "time": _iso_micro(at), "kind": action, "outlet": outlet_code,
               "terminal": terminal, "operator": operator, "subject": subject,
               "operation": operation, "details": details, "prev_hash": prev_hash,
               "hash": hash_}


def _iso_micro(value) -> str:
    """As the audit chain hashed it: isoformat with microseconds."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return value.isoformat(timespec="microseconds")


def _iso_seconds(value) -> str:
    """A stored timestamp (datetime from PostgreSQL, text from SQLite) as ISO seconds."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return str(value)[:19].replace(" ", "T")


TEXT_COLUMNS = {"kind", "terminal", "operator", "card", "account", "subject", "detail"}
# The record's key for each CSV column, and whether the cell is text to neutralise.
_CSV_SOURCES = tuple(("details" if column == "detail" else column, column in TEXT_COLUMNS)
                     for column in CSV_COLUMNS)
_AMOUNT_YUAN = CSV_COLUMNS.index("amount_yuan")
_TEXT_INDEXES = tuple(index for index, (_, text) in enumerate(_CSV_SOURCES) if text)
_FORMULA_STARTS = "".join(DANGEROUS_START)  # only these cells need safe_cell's look


def _csv_row(record: dict) -> list:
    """Numbers as they are; text that a spreadsheet could run as a formula, neutralised."""
    get = record.get
    row = [get(key, "") for key, _ in _CSV_SOURCES]
    for index in _TEXT_INDEXES:
        cell = row[index]
        if cell is None:
            row[index] = ""
        elif not isinstance(cell, str) or (cell and cell[0] in _FORMULA_STARTS):
            row[index] = safe_cell(cell)
    amount = get("amount_fen")
    row[_AMOUNT_YUAN] = plain_yuan(amount) if amount is not None else ""
    return row


# One encoder for every row: json.dumps with options builds a new one per call.
_JSON_LINE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class _HashingFile:
    """A text file that hashes what it writes (for the manifest)."""

    def __init__(self, path: Path) -> None:
        self.handle = open(path, "w", encoding="utf-8", newline="")
        self.digest = hashlib.sha256()

    def write(self, text: str) -> None:
        self.handle.write(text)
        self.digest.update(text.encode("utf-8"))

    def seal(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()


class _DayWriter:
    """Writes both data files side by side into temporary files, hashing as it goes."""

    def __init__(self, folder: Path, stem: str) -> None:
        self.folder, self.stem = folder, stem
        self.rows = 0
        self.counts: dict[str, int] = defaultdict(int)
        self.totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.last_event: tuple[int, str] | None = None
        self._files = {suffix: _HashingFile(self._temporary(suffix))
                       for suffix in ("csv", "jsonl")}
        self._csv = csv.writer(self._files["csv"], lineterminator="\n")
        self._csv.writerow(CSV_COLUMNS)
        self.final_paths: list[Path] = []

    def _temporary(self, suffix: str) -> Path:
        return self.folder / f".{self.stem}.{suffix}.tmp"

    def write(self, record: dict) -> None:
        self.rows += 1
        self._csv.writerow(_csv_row(record))
        self._files["jsonl"].write(_JSON_LINE.encode(record) + "\n")
        self.counts[record["record"]] += 1
        if record["record"] == "entry":
            # Every movement appears twice (from, to): count operations by their debit side.
            if record["amount_fen"] < 0:
                self.totals[record["kind"]][record["unit"]] += -record["amount_fen"]
        else:
            self.last_event = (record["id"], record["hash"])

    def finish(self, outlet: models.Outlet, day: dt.date) -> dict:
        for handle in self._files.values():
            handle.seal()
        manifest = {
            "format": FORMAT_VERSION, "outlet": outlet.code, "business_date": day.isoformat(),
            "rows": self.rows, "records": dict(sorted(self.counts.items())),
            "totals_by_operation": {kind: dict(sorted(units.items()))
                                    for kind, units in sorted(self.totals.items())},
            "audit_chain_head": ({"seq": self.last_event[0], "hash": self.last_event[1]}
                                 if self.last_event else None),
            "files": {f"{self.stem}.{suffix}": handle.digest.hexdigest()
                      for suffix, handle in self._files.items()},
        }
        manifest_tmp = self._temporary("manifest.json")
        with open(manifest_tmp, "w", encoding="utf-8") as handle:
            handle.write(audit.canonical_json(manifest) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        for suffix in ("csv", "jsonl", "manifest.json"):  # the manifest last: it seals
            final = self.folder / f"{self.stem}.{suffix}"
            os.replace(self._temporary(suffix), final)
            self.final_paths.append(final)
        _fsync_folder(self.folder)
        return manifest

    def abandon(self) -> None:
        for file in self._files.values():
            try:
                file.handle.close()
            except OSError:
                pass
        for suffix in ("csv", "jsonl", "manifest.json"):
            self._temporary(suffix).unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass
class ExportCheck:
    manifest: Path
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_export(path: Path) -> list[ExportCheck]:
    """Check one manifest, or every manifest in a folder: checksums, row counts, and
    every exported audit event's own hash."""
    manifests = sorted(path.glob("*.manifest.json")) if path.is_dir() else [path]
    if not manifests:
        raise KioskError(N_("No export manifest found at {path}."), path=str(path))
    return [ExportCheck(manifest, list(_problems(manifest))) for manifest in manifests]


def _problems(manifest_path: Path) -> Iterator[str]:
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        yield f"manifest unreadable: {error}"
        return
    for name, expected in manifest.get("files", {}).items():
        data_path = manifest_path.parent / name
        if not data_path.exists():
            yield f"{name} is missing"
            continue
        digest = hashlib.sha256()
        with open(data_path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != expected:
            yield f"{name}: SHA-256 differs from the manifest (the file was changed)"
    jsonl = manifest_path.parent / f"{manifest_path.name.removesuffix('.manifest.json')}.jsonl"
    if jsonl.exists():
        yield from _check_rows(jsonl, manifest)


def _check_rows(jsonl: Path, manifest: dict) -> Iterator[str]:
    rows = 0
    with open(jsonl, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            rows += 1
            try:
                record = json.loads(line)
            except ValueError:
                yield f"{jsonl.name} line {number}: not JSON"
                continue
            if record.get("record") == "event" and not _event_intact(record):
                yield f"{jsonl.name} line {number}: audit event {record.get('id')} does not " \
                      f"match its hash"
    if rows != manifest.get("rows"):
        yield f"{jsonl.name}: {rows} rows, the manifest says {manifest.get('rows')}"


def _event_intact(record: dict) -> bool:
    fields = audit.chain_fields(
        seq=record["id"], at=record["time"], action=record["kind"], outlet=record["outlet"],
        terminal=record["terminal"], operator=record["operator"], subject=record["subject"],
        operation=record["operation"], details=record["details"])
    return audit.event_hash(record["prev_hash"], fields) == record["hash"]
