"""Someone with the database file (and the export folder) but not the pepper key edits
what they like: `kiosk verify` and `kiosk verify-export` catch each edit."""

from __future__ import annotations

import hashlib
import json

import pytest

from kiosk.services import audit, charge, closes, export, receipts
from kiosk.services.verify import verify
from kiosk.store import models
from tests.conftest import SV_CARD, login_as
from tests.racing import SUPERVISOR

PIN = "123456"


@pytest.fixture
def day(seeded):
    """A charge, a partial refund and a second charge, as the counter makes them."""
    cashier = login_as(seeded, "cashier1")
    first = charge.charge(cashier, card_number=SV_CARD, amount=1000, pin=PIN, key="c1")
    charge.refund(cashier, original_operation_id=first.operation_id, amount=400, key="r1",
                  review=SUPERVISOR)
    charge.charge(cashier, card_number=SV_CARD, amount=700, pin=PIN, key="c2")
    assert verify(seeded.sealer).ok
    return seeded


def violations(runtime) -> str:
    return "\n".join(verify(runtime.sealer).violations)


def op(key: str) -> models.Operation:
    return models.Operation.get(models.Operation.idempotency_key == key)


def test_an_edited_amount_is_caught(day):
    models.Operation.update(amount=1).where(models.Operation.id == op("c1").id).execute()
    assert f"operation #{op('c1').id} (charge): its row" in violations(day)


def test_an_edited_result_is_caught(day):
    """A refund's split comes from its charge's result: editing it must show."""
    result = json.loads(op("c1").result)
    result["principal"], result["bonus"] = 0, 1000
    models.Operation.update(result=json.dumps(result)).where(
        models.Operation.id == op("c1").id).execute()
    assert f"operation #{op('c1').id} (charge): its row" in violations(day)


def test_a_refund_pointed_at_another_charge_is_caught(day):
    models.Operation.update(reverses=op("c2").id).where(
        models.Operation.id == op("r1").id).execute()
    text = violations(day)
    assert f"operation #{op('r1').id} (refund): its row" in text
    assert "reversals and transfers took" in text  # c1 and c2's taken-back amounts differ


def test_the_last_event_cut_off_with_the_head_moved_back_is_caught(day):
    cashier = login_as(day, "cashier1")
    last = receipts.pending(cashier.actor.terminal_id)[-1]
    receipts.cancel(cashier, last.id)  # an event of no operation, last in its chain
    chain = models.AuditChain.get(models.AuditChain.name == "31010001/T01")
    event = models.AuditEvent.get(models.AuditEvent.chain == chain,
                                  models.AuditEvent.seq == chain.seq)
    assert event.action == "receipt.cancel"
    before = models.AuditEvent.get(models.AuditEvent.chain == chain,
                                   models.AuditEvent.seq == chain.seq - 1)
    event.delete_instance()
    models.AuditChain.update(seq=before.seq, hash=before.hash).where(
        models.AuditChain.id == chain.id).execute()
    assert "the chain head's seal is wrong" in violations(day)


def test_a_chain_recomputed_with_plain_sha256_is_caught(day):
    """The attacker changes a charge and rebuilds the chain as the old format did."""
    models.Operation.update(amount=1).where(models.Operation.id == op("c2").id).execute()
    chain = models.AuditChain.get(models.AuditChain.name == "31010001/T01")
    prev = audit.GENESIS_HASH
    for event in models.AuditEvent.select().where(models.AuditEvent.chain == chain).order_by(
            models.AuditEvent.seq):
        fields = audit.hashed_fields(event, chain.name)
        digest = hashlib.sha256((prev + audit.canonical_json(fields)).encode()).hexdigest()
        models.AuditEvent.update(prev_hash=prev, hash=digest).where(
            models.AuditEvent.id == event.id).execute()
        prev = digest
    models.AuditChain.update(hash=prev).where(models.AuditChain.id == chain.id).execute()
    assert "does not match its hash (keyed)" in violations(day)


def test_an_operations_event_deleted_mid_chain_is_caught(day):
    models.AuditEvent.delete().where(models.AuditEvent.operation == op("c2").id).execute()
    text = violations(day)
    assert f"operation #{op('c2').id} has 0 audit events" in text


def test_a_chain_cut_back_behind_a_days_anchor_is_caught(day, tmp_path):
    from kiosk.hw.printer import SimPrinter
    cashier, supervisor = login_as(day, "cashier1"), login_as(day, "super1", "T02")
    receipts.print_pending(cashier, SimPrinter(tmp_path))
    closes.close_shift(cashier, key="s1")
    closes.close_shift(supervisor, key="s2")
    models.Shift.update(closed_at=models.Shift.opened_at).where(
        models.Shift.closed_at.is_null()).execute()
    closes.close_day(supervisor)
    # Drop the whole T01 chain and start it again empty: each chain alone still "holds".
    chain = models.AuditChain.get(models.AuditChain.name == "31010001/T01")
    models.AuditEvent.delete().where(models.AuditEvent.chain == chain).execute()
    models.AuditChain.update(seq=0, hash=audit.GENESIS_HASH,
                             seal=audit.head_seal(day.sealer, chain.name, 0,
                                                  audit.GENESIS_HASH)).execute()
    assert "differs from what the close of" in violations(day)


# -- the export -------------------------------------------------------------------------------
@pytest.fixture
def exported(day, tmp_path):
    finance = login_as(day, "finance1")
    business_date = op("c1").business_date
    result = export.export_day(finance, "31010001", business_date, tmp_path)
    assert all(check.ok for check in export.verify_export(tmp_path, day.sealer))
    return tmp_path, result


def problems(folder, runtime) -> str:
    return "\n".join(problem for check in export.verify_export(folder, runtime.sealer)
                     for problem in check.problems)


def rewrite_manifest(folder, change) -> None:
    [path] = folder.glob("*.manifest.json")
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize("edit", [
    lambda m: m["totals_by_operation"]["charge"].update(fen=1),
    lambda m: m["records"].update(entry=m["records"]["entry"] - 1),
    lambda m: next(iter(m["audit_chains"].values())).update(last_hash="0" * 64),
    lambda m: m.update(rows=m["rows"] + 1),
])
def test_an_edited_manifest_is_caught(exported, day, edit):
    folder, _ = exported
    rewrite_manifest(folder, edit)
    text = problems(folder, day)
    assert "signature does not match" in text
    assert "the records give" in text


def test_data_changed_with_its_hash_recomputed_is_caught(exported, day):
    """A line dropped from the JSONL and the manifest's checksum made to match."""
    folder, _ = exported
    [jsonl] = folder.glob("*.jsonl")
    lines = jsonl.read_text(encoding="utf-8").splitlines(keepends=True)
    entry = next(i for i, line in enumerate(lines) if '"record":"entry"' in line)
    jsonl.write_text("".join(lines[:entry] + lines[entry + 1:]), encoding="utf-8")
    digest = hashlib.sha256(jsonl.read_bytes()).hexdigest()
    rewrite_manifest(folder, lambda m: m["files"].update({jsonl.name: digest}))
    text = problems(folder, day)
    assert "signature does not match" in text and "the records give rows" in text


def test_an_event_dropped_from_the_export_is_caught(exported, day):
    folder, _ = exported
    [jsonl] = folder.glob("*.jsonl")
    lines = jsonl.read_text(encoding="utf-8").splitlines(keepends=True)
    chains = [json.loads(line).get("chain") for line in lines]
    inside = next(i for i in range(1, len(lines) - 1)
                  if chains[i] and chains[i - 1] == chains[i] == chains[i + 1])
    del lines[inside]  # an event with events of its chain before and after it
    jsonl.write_text("".join(lines), encoding="utf-8")
    assert "does not follow event" in problems(folder, day)


@pytest.mark.parametrize("name", ["../../etc/hostname", "/dev/zero", "sub/dir.csv"])
def test_a_manifest_naming_a_file_outside_its_folder_is_refused(exported, day, name):
    folder, _ = exported
    rewrite_manifest(folder, lambda m: m["files"].update({name: "0" * 64}))
    assert "only files of its own folder are read" in problems(folder, day)


def test_a_manifest_or_data_file_that_is_a_special_file_never_hangs(exported, day):
    import os
    folder, _ = exported
    [jsonl] = folder.glob("*.jsonl")
    jsonl.unlink()
    os.mkfifo(jsonl)  # opened non-blocking, refused as not a regular file
    assert "not a regular file" in problems(folder, day)


def test_a_malformed_record_is_reported_not_a_traceback(exported, day):
    folder, _ = exported
    [jsonl] = folder.glob("*.jsonl")
    with open(jsonl, "a", encoding="utf-8") as handle:
        handle.write('{"record":"event"}\n[1, 2]\n')
    text = problems(folder, day)
    assert "event without a valid 'chain'" in text and "not an entry or an event" in text


def test_an_export_checked_with_another_stores_key_fails(exported, tmp_path):
    from kiosk.services.secrets import Sealer
    folder, _ = exported
    assert "signature does not match" in "\n".join(
        problem for check in export.verify_export(folder, Sealer(b"x" * 32))
        for problem in check.problems)


# -- stores from before keyed chains ------------------------------------------------------
def _as_an_older_store_left_it() -> None:
    """Every event back in one chain of plain SHA-256 hashes, as schema version 6 kept
    them, and the format marker gone."""
    prev = audit.GENESIS_HASH
    for seq, event in enumerate(models.AuditEvent.select().order_by(models.AuditEvent.id), 1):
        event.seq, event.prev_hash = seq, prev
        event.hash = prev = audit._legacy_hash(event)
        models.AuditEvent.update(chain=None, business_date=None, seq=seq, prev_hash=event.prev_hash,
                                 hash=event.hash).where(models.AuditEvent.id == event.id).execute()
    models.AuditHead.update(seq=seq, hash=prev).execute()
    models.AuditChain.delete().execute()
    models.Meta.delete().where(models.Meta.key == audit.FORMAT_KEY).execute()
    audit.forget_chains()


def test_an_older_stores_events_are_keyed_at_init(day):
    _as_an_older_store_left_it()
    assert "in no chain" in violations(day)
    assert audit.adopt_unkeyed_events(day.sealer) == models.AuditEvent.select().count()
    assert verify(day.sealer).ok, violations(day)
    assert audit.adopt_unkeyed_events(day.sealer) == 0  # once


def test_an_older_store_with_a_broken_chain_is_not_keyed(day):
    _as_an_older_store_left_it()
    models.AuditEvent.update(details='{"amount": 1}').where(models.AuditEvent.seq == 5).execute()
    with pytest.raises(audit.ChainUnusable, match="event 5"):
        audit.adopt_unkeyed_events(day.sealer)
