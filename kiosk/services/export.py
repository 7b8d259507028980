"""The nightly export: one outlet, one business date, three files.

    <outlet>_<date>.csv             finance (UTF-8 with a BOM for Excel, card numbers
                                    masked)
    <outlet>_<date>.jsonl           machines (one JSON object a line)
    <outlet>_<date>.manifest.json   row counts, totals per operation, each audit chain's
                                    first and last event of the day, SHA-256 of both
                                    data files, and a keyed signature over all of it

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
import stat
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.errors import KioskError, N_, from_os_error
from kiosk.money import plain_yuan
from kiosk.services import audit, permissions
from kiosk.services.operations import mask_card_number
from kiosk.services.secrets import Sealer
from kiosk.services.session import Session
from kiosk.spreadsheet import DANGEROUS_START, safe_cell
from kiosk.store import exports, models, outlets

FORMAT_VERSION = 2
MAX_MANIFEST_BYTES = 1 << 20
CSV_COLUMNS = ("record", "id", "business_date", "time", "kind", "terminal", "operator",
               "card", "account", "unit", "amount_fen", "amount_yuan", "reverses", "reviewer",
               "subject", "detail")


class ExportFailed(KioskError):
    default_message = N_("The export could not be written (the previous export is "
                         "unchanged): {reason}")


@dataclass
class ExportResult:
    paths: list[Path]
    rows: int
    manifest: dict = field(default_factory=dict)


def export_day(session: Session, outlet_code: str, day: dt.date, folder: Path) -> ExportResult:
    permissions.require(session, permissions.FINANCE)
    outlet = outlets.by_code(outlet_code)
    if outlet is None:
        raise KioskError(N_("Outlet {code} is not registered."), code=outlet_code)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{outlet.code}_{day.isoformat()}"
    writer = _DayWriter(folder, stem)
    try:
        for record in _records(outlet, day):
            writer.write(record)
        manifest = writer.finish(outlet, day, session.runtime.sealer)
    except OSError as error:
        writer.abandon()
        raise ExportFailed(reason=from_os_error(error, folder)) from None
    return ExportResult(paths=writer.final_paths, rows=writer.rows, manifest=manifest)


def _records(outlet: models.Outlet, day: dt.date) -> Iterator[dict]:
    """Journal entries, then audit events (card, member, operator changes and closes)."""
    date = day.isoformat()
    # Raw values in the selected order: no per-row model conversion.
    for (entry_id, amount, operation, kind, created_at, reverses, terminal, operator, card,
         account, unit, reviewer) in exports.entries_of_day(outlet.id, day):
        yield {"record": "entry", "id": entry_id, "business_date": date,
               "time": _iso_seconds(created_at), "kind": kind, "terminal": terminal or "",
               "operator": operator or "", "card": card or "", "account": account,
               "unit": unit, "amount_fen": amount, "reverses": reverses or "",
               "reviewer": reviewer or "", "operation": operation}
    # Events by the business date they were written on, as the entries: an operation and
    # its event are always in the same day's export, and a closed day's never changes.
    for (chain, seq, at, action, outlet_code, terminal, operator, subject, operation,
         details, prev_hash, hash_) in exports.events_of_day(outlet.code, day):
        yield {"record": "event", "chain": chain, "id": seq, "business_date": date,
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


_CARD = CSV_COLUMNS.index("card")


def _csv_row(record: dict) -> list:
    """Numbers as they are; text that a spreadsheet could run as a formula, neutralised;
    card numbers masked (finance reads totals; the full number is in the JSONL)."""
    get = record.get
    row = [get(key, "") for key, _ in _CSV_SOURCES]
    if row[_CARD]:
        row[_CARD] = mask_card_number(row[_CARD])
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
        self.summary = _Summary()
        self._files = {suffix: _HashingFile(self._temporary(suffix))
                       for suffix in ("csv", "jsonl")}
        self._files["csv"].write("\ufeff")  # Excel on Chinese Windows reads UTF-8 by it
        self._csv = csv.writer(self._files["csv"], lineterminator="\n")
        self._csv.writerow(CSV_COLUMNS)
        self.final_paths: list[Path] = []

    def _temporary(self, suffix: str) -> Path:
        return self.folder / f".{self.stem}.{suffix}.tmp"

    def write(self, record: dict) -> None:
        self.rows += 1
        self._csv.writerow(_csv_row(record))
        self._files["jsonl"].write(_JSON_LINE.encode(record) + "\n")
        self.summary.add(record)

    def finish(self, outlet: models.Outlet, day: dt.date, sealer: Sealer) -> dict:
        for handle in self._files.values():
            handle.seal()
        manifest = {
            "format": FORMAT_VERSION, "outlet": outlet.code, "business_date": day.isoformat(),
            **self.summary.figures(),
            "files": {f"{self.stem}.{suffix}": handle.digest.hexdigest()
                      for suffix, handle in self._files.items()},
        }
        manifest["signature"] = _signature(sealer, manifest)
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


class _Summary:
    """What the manifest says of the records: written while exporting, derived again
    from the JSONL by verify-export."""

    def __init__(self) -> None:
        self.rows = 0
        self.counts: dict[str, int] = defaultdict(int)
        self.totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.chains: dict[str, dict] = {}

    def add(self, record: dict) -> None:
        self.rows += 1
        self.counts[record["record"]] += 1
        if record["record"] == "entry":
            # Every movement appears twice (from, to): count operations by their debit side.
            if record["amount_fen"] < 0:
                self.totals[record["kind"]][record["unit"]] += -record["amount_fen"]
            return
        chain = self.chains.setdefault(record["chain"], {"first": record["id"],
                                                         "prev_hash": record["prev_hash"]})
        chain.update(last=record["id"], last_hash=record["hash"])

    def figures(self) -> dict:
        return {"rows": self.rows, "records": dict(sorted(self.counts.items())),
                "totals_by_operation": {kind: dict(sorted(units.items()))
                                        for kind, units in sorted(self.totals.items())},
                "audit_chains": dict(sorted(self.chains.items()))}


def _signature(sealer: Sealer, manifest: dict) -> str:
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    return sealer.seal("export", audit.canonical_json(unsigned))


@dataclass
class ExportCheck:
    manifest: Path
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


class _Unreadable(Exception):
    """A file verify-export must not (or cannot) read: the reason says which."""


def verify_export(path: Path, sealer: Sealer) -> list[ExportCheck]:
    """Check one manifest, or every manifest in a folder: its signature (the store's
    export key), the files it names (only plain names in its own folder, only regular
    files), their checksums, and the records again: counts, totals, and every audit
    event's keyed hash and link to the one before it."""
    manifests = sorted(path.glob("*.manifest.json")) if path.is_dir() else [path]
    if not manifests:
        raise KioskError(N_("No export manifest found at {path}."), path=str(path))
    return [ExportCheck(manifest, list(_problems(manifest, sealer))) for manifest in manifests]


def _problems(manifest_path: Path, sealer: Sealer) -> Iterator[str]:
    try:
        manifest = json.loads(_read_regular(manifest_path, MAX_MANIFEST_BYTES))
    except (_Unreadable, ValueError) as error:
        yield f"manifest unreadable: {error}"
        return
    if not isinstance(manifest, dict):
        yield "manifest unreadable: not a JSON object"
        return
    if not sealer.matches("export", audit.canonical_json(
            {key: value for key, value in manifest.items() if key != "signature"}),
            str(manifest.get("signature", ""))):
        yield "the manifest's signature does not match (edited, or not this store's export)"
    files = manifest.get("files")
    for name, expected in (files.items() if isinstance(files, dict) else ()):
        yield from _file_problems(manifest_path.parent, name, expected)
    jsonl = manifest_path.parent / f"{manifest_path.name.removesuffix('.manifest.json')}.jsonl"
    try:
        yield from _check_records(jsonl, manifest, sealer)
    except _Unreadable as error:
        yield f"{jsonl.name}: {error}"


def _file_problems(folder: Path, name, expected) -> Iterator[str]:
    if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
        yield f"the manifest names {str(name)[:80]!r}: only files of its own folder are read"
        return
    digest = hashlib.sha256()
    try:
        for block in _blocks(folder / name):
            digest.update(block)
    except _Unreadable as error:
        yield f"{name}: {error}"
        return
    if digest.hexdigest() != expected:
        yield f"{name}: SHA-256 differs from the manifest (the file was changed)"


def _open_regular(path: Path) -> int:
    """A descriptor of `path` if it is a regular file (a FIFO or a device never hangs
    or floods the check: O_NONBLOCK, then fstat before any read)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise _Unreadable("missing") from None
    except OSError as error:
        raise _Unreadable(os.strerror(error.errno) if error.errno else str(error)) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise _Unreadable("not a regular file")
    return descriptor


def _blocks(path: Path) -> Iterator[bytes]:
    descriptor = _open_regular(path)
    with os.fdopen(descriptor, "rb") as handle:
        yield from iter(lambda: handle.read(1 << 20), b"")


def _read_regular(path: Path, most: int) -> str:
    descriptor = _open_regular(path)
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(most + 1)
    if len(data) > most:
        raise _Unreadable(f"larger than {most} bytes")
    return data.decode("utf-8", errors="replace")


ENTRY_FIELDS = {"kind": str, "unit": str, "amount_fen": int}
EVENT_FIELDS = {"chain": str, "id": int, "time": str, "kind": str, "outlet": str,
                "terminal": str, "operator": str, "subject": str, "details": str,
                "prev_hash": str, "hash": str}


def _check_records(jsonl: Path, manifest: dict, sealer: Sealer) -> Iterator[str]:
    summary, last_of_chain = _Summary(), {}
    with os.fdopen(_open_regular(jsonl), "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                record = json.loads(raw)
            except ValueError:
                yield f"{jsonl.name} line {number}: not JSON"
                continue
            problem = _malformed(record)
            if problem:
                yield f"{jsonl.name} line {number}: {problem}"
                continue
            summary.add(record)
            if record["record"] == "event":
                yield from _event_problems(jsonl.name, number, record, last_of_chain, sealer)
    derived = summary.figures()
    for key in ("rows", "records", "totals_by_operation", "audit_chains"):
        if manifest.get(key) != derived[key]:
            yield f"{jsonl.name}: the records give {key} {derived[key]}, the manifest says " \
                  f"{manifest.get(key)}"


def _malformed(record) -> str:
    if not isinstance(record, dict) or record.get("record") not in ("entry", "event"):
        return "not an entry or an event"
    fields = ENTRY_FIELDS if record["record"] == "entry" else EVENT_FIELDS
    for name, kind in fields.items():
        if not isinstance(record.get(name), kind) or isinstance(record.get(name), bool):
            return f"{record['record']} without a valid {name!r}"
    return ""


def _event_problems(name: str, number: int, record: dict, last_of_chain: dict,
                    sealer: Sealer) -> Iterator[str]:
    fields = audit.chain_fields(
        chain=record["chain"], seq=record["id"], at=record["time"], action=record["kind"],
        outlet=record["outlet"], terminal=record["terminal"], operator=record["operator"],
        subject=record["subject"], operation=record.get("operation"),
        details=record["details"], business_date=record.get("business_date"))
    if audit.event_hash(sealer, record["prev_hash"], fields) != record["hash"]:
        yield f"{name} line {number}: audit event {record['id']} does not match its keyed hash"
    previous = last_of_chain.get(record["chain"])
    if previous is not None and record["chain"] != audit.LEGACY_CHAIN and (
            record["id"] != previous[0] + 1 or record["prev_hash"] != previous[1]):
        yield (f"{name} line {number}: audit event {record['id']} of chain {record['chain']} "
               f"does not follow event {previous[0]} (one is missing or moved)")
    last_of_chain[record["chain"]] = (record["id"], record["hash"])
