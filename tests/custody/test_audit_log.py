"""The audit log sealed with the custodian key and anchored beside it: who can write the workspace
but does not hold the key can neither rewrite the log nor cut it short unnoticed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.custody import AuditEvent, AuditLog, CustodianKey, init_key, load_key
from bakehouse.custody.audit import _entry_hash
from bakehouse.errors import AuditChainBroken


@pytest.fixture
def key(tmp_path: Path) -> CustodianKey:
    return load_key(init_key(tmp_path / "custodian" / "custodian.key"))


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "ws" / "audit.jsonl"


def _events(log: AuditLog, count: int) -> None:
    for number in range(count):
        log.append(AuditEvent(action="ingest.source", source="csc", counts={"rows_in": number}))


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, entries: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")


def _rechain(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What someone without the key can do: recompute every hash and link from the start."""
    prev = "0" * 64
    for entry in entries:
        entry["prev"] = prev
        entry["hash"] = prev = _entry_hash(entry)
    return entries


def test_a_sealed_log_verifies_against_its_anchor(key: CustodianKey, log_path: Path) -> None:
    log = AuditLog(log_path, key)
    _events(log, 5)
    result = log.verify()
    assert (result.entries, result.sealed, result.unsealed, result.anchored) == (5, 5, 0, True)
    assert all(len(entry["mac"]) == 64 for entry in _lines(log_path))


def test_an_entry_edited_and_rechained_without_the_key_is_detected(
    key: CustodianKey, log_path: Path
) -> None:
    _events(AuditLog(log_path, key), 5)
    entries = _lines(log_path)
    entries[2]["counts"]["rows_in"] = 999
    _write(log_path, _rechain(entries))
    assert AuditLog(log_path).verify().entries == 5  # the bare chain is fooled
    with pytest.raises(AuditChainBroken) as caught:
        AuditLog(log_path, key).verify()
    assert caught.value.row == 3 and "seal that does not match" in caught.value.message


def test_seals_stripped_and_the_log_rechained_are_detected_by_the_anchor(
    key: CustodianKey, log_path: Path
) -> None:
    _events(AuditLog(log_path, key), 5)
    entries = _lines(log_path)
    entries[3]["actor"] = "someone else"
    for entry in entries:
        del entry["mac"], entry["sealed_by"]
    _write(log_path, _rechain(entries))
    with pytest.raises(AuditChainBroken) as caught:
        AuditLog(log_path, key).verify()
    assert caught.value.row == 5 and "anchor" in caught.value.message


def test_a_log_cut_short_is_detected_and_the_missing_entries_named(
    key: CustodianKey, log_path: Path
) -> None:
    _events(AuditLog(log_path, key), 6)
    _write(log_path, _lines(log_path)[:4])
    assert AuditLog(log_path).verify().entries == 4  # the bare chain is fooled
    with pytest.raises(AuditChainBroken, match="ends at entry 4.*entries 5 to 6 are missing"):
        AuditLog(log_path, key).verify()


def test_a_sealed_log_refuses_more_entries_once_it_has_been_cut_short(
    key: CustodianKey, log_path: Path
) -> None:
    log = AuditLog(log_path, key)
    _events(log, 3)
    _write(log_path, _lines(log_path)[:2])
    with pytest.raises(AuditChainBroken, match="cut short"):
        log.append(AuditEvent(action="ingest.run"))
    assert len(_lines(log_path)) == 2


def test_entries_written_without_the_key_are_sealed_by_the_next_keyed_entry(
    key: CustodianKey, log_path: Path
) -> None:
    _events(AuditLog(log_path, key), 2)
    _events(AuditLog(log_path), 3)  # e.g. an analyst training a model
    before = AuditLog(log_path, key).verify()
    assert (before.sealed, before.unsealed) == (2, 3)
    AuditLog(log_path, key).append(AuditEvent(action="ingest.run"))
    after = AuditLog(log_path, key).verify()
    assert (after.entries, after.sealed, after.unsealed) == (6, 6, 0)
    entries = _lines(log_path)
    entries[3]["counts"]["rows_in"] = 999
    _write(log_path, _rechain(entries))
    with pytest.raises(AuditChainBroken, match="seal that does not match"):
        AuditLog(log_path, key).verify()


def test_a_log_from_before_seals_is_sealed_with_an_entry_saying_so(
    key: CustodianKey, log_path: Path
) -> None:
    _events(AuditLog(log_path), 4)
    AuditLog(log_path, key).append(AuditEvent(action="ingest.run"))
    entries = _lines(log_path)
    assert [e["action"] for e in entries[4:]] == ["audit.sealed", "ingest.run"]
    assert entries[4]["details"]["unsealed_before"] == 4
    assert AuditLog(log_path, key).verify().anchored


def test_a_log_deleted_is_reported_then_recorded_when_the_workspace_starts_again(
    key: CustodianKey, log_path: Path
) -> None:
    _events(AuditLog(log_path, key), 3)
    log_path.unlink()
    _events(AuditLog(log_path), 1)  # someone without the key starts a fresh log
    with pytest.raises(AuditChainBroken, match="not the audit log anchored.*3 entries"):
        AuditLog(log_path, key).verify()
    AuditLog(log_path, key).append(AuditEvent(action="ingest.run"))
    replaced = next(e for e in _lines(log_path) if e["action"] == "audit.log_replaced")
    assert replaced["details"]["previous_entries"] == 3
    assert AuditLog(log_path, key).verify().anchored


def test_another_key_cannot_vouch_for_the_log(
    key: CustodianKey, log_path: Path, tmp_path: Path
) -> None:
    _events(AuditLog(log_path, key), 2)
    other = load_key(init_key(tmp_path / "other" / "custodian.key"))
    with pytest.raises(AuditChainBroken, match="sealed with another key"):
        AuditLog(log_path, other).verify()


def test_the_audit_key_is_not_the_custodian_key(key: CustodianKey, log_path: Path) -> None:
    _events(AuditLog(log_path, key), 1)
    entry = _lines(log_path)[0]
    assert entry["mac"] != key.digest(entry["hash"])
    assert entry["sealed_by"] != key.key_id


def test_audit_verify_names_what_is_missing_from_the_command_line(
    key: CustodianKey, log_path: Path
) -> None:
    _events(AuditLog(log_path, key), 4)
    runner = CliRunner()
    common = ["audit", "verify", "--workspace", str(log_path.parent), "--key-file", key.origin]
    intact = runner.invoke(app, common)
    assert intact.exit_code == 0, intact.output
    assert "Sealed with the custodian key up to entry 4" in intact.output
    _write(log_path, _lines(log_path)[:3])
    cut = runner.invoke(app, common)
    assert cut.exit_code == 2
    assert "entry 4 is missing" in " ".join(cut.output.split())
    assert "Traceback" not in cut.output
