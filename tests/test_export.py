"""The nightly export: byte-identical reruns, atomic under crashes and full disks,
tampering caught by verify-export, spreadsheet formulas neutralised."""

import errno
import os

import pytest

from kiosk.i18n import translator
from kiosk.services import audit, charge as charging, export
from kiosk.services.export import ExportFailed, export_day, verify_export
from kiosk.spreadsheet import safe_cell
from kiosk.store import models
from tests.conftest import SV_CARD


@pytest.fixture
def day(cashier, system):
    charging.charge(cashier, card_number=SV_CARD, amount=1230, pin="123456", key="k1")
    return models.Operation.get(models.Operation.kind == "charge").business_date


def files(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_rerun_is_byte_identical_and_verifies(system, day, tmp_path):
    first = export_day(system, "31010001", day, tmp_path / "a")
    export_day(system, "31010001", day, tmp_path / "b")
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert [p.name for p in first.paths] == [f"31010001_{day}.csv", f"31010001_{day}.jsonl",
                                             f"31010001_{day}.manifest.json"]
    assert first.manifest["totals_by_operation"]["charge"] == {"fen": 1230, "point": 12}
    assert all(check.ok for check in verify_export(tmp_path / "a", system.runtime.sealer))


@pytest.mark.parametrize("name", ["csv", "jsonl"])
def test_a_changed_byte_is_caught(system, day, tmp_path, name):
    export_day(system, "31010001", day, tmp_path)
    path = tmp_path / f"31010001_{day}.{name}"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    [check] = verify_export(tmp_path, system.runtime.sealer)
    assert not check.ok and "SHA-256 differs" in check.problems[0]


def test_a_crash_mid_export_leaves_the_previous_export_whole(system, day, tmp_path,
                                                              monkeypatch):
    tmp_path = tmp_path / "out"
    export_day(system, "31010001", day, tmp_path)
    before = files(tmp_path)
    charging.charge(system.as_actor(system.actor), card_number=SV_CARD, amount=100, pin="123456",
                    key="k2")
    real_write = export._DayWriter.write
    calls = []

    def crash_after_some_rows(self, record):
        calls.append(1)
        if len(calls) == 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(self, record)

    monkeypatch.setattr(export._DayWriter, "write", crash_after_some_rows)
    with pytest.raises(ExportFailed, match="The disk is full") as refused:
        export_day(system, "31010001", day, tmp_path)
    assert str(tmp_path) in str(refused.value)  # says where
    assert "磁盘" in refused.value.render(translator("zh_CN"))
    assert files(tmp_path) == before  # no temporary file, no half file, old files intact


def test_a_full_disk_at_the_rename_keeps_the_old_files(system, day, tmp_path, monkeypatch):
    tmp_path = tmp_path / "out"
    export_day(system, "31010001", day, tmp_path)
    before = files(tmp_path)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export.os, "fsync", full_disk)
    with pytest.raises(ExportFailed):
        export_day(system, "31010001", day, tmp_path)
    assert files(tmp_path) == before


def test_formulas_are_neutralised(system, day, tmp_path):
    audit.append(system, "member.edit", subject="=HYPERLINK(\"http://x\",\"y\")")
    export_day(system, "31010001", day, tmp_path)
    text = (tmp_path / f"31010001_{day}.csv").read_text()
    assert ",'=HYPERLINK" in text.replace('"', "")
    assert safe_cell("-12.30") == "-12.30" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("\tx") == "'\tx" and safe_cell("+86") == "'+86"


def test_export_needs_the_finance_right(cashier, day, tmp_path):
    from kiosk.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        export_day(cashier, "31010001", day, tmp_path)
