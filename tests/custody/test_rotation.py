"""Rotating the custodian key: a new active version, earlier ones retired, never reused.

Workspaces are rebuilt under the new version at their next ingest and refused by every command
that reads their zones until then; the registers keep withholding people whose entries were made
under a retired version; the audit log keeps verifying across the rotation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.custody import (
    AuditEvent,
    AuditLog,
    PersonQuery,
    Registers,
    Workspace,
    add_optout,
    erase,
    init_key,
    keys,
    load_key,
    rotate_key,
    subject_access,
)
from bakehouse.custody.audit import AUDIT_PURPOSE, _entry_hash
from bakehouse.errors import AuditChainBroken, CustodyError
from bakehouse.linkage import LinkOptions, link

from ..ingest.conftest import Cast, Extracts, Setup


@pytest.fixture
def own_key(tmp_path: Path) -> Path:
    """A key file for this test alone: rotating the session's shared key would change it for
    every other test."""
    return init_key(tmp_path / "keys" / "custodian.key")


@pytest.fixture
def cast() -> Cast:
    return Cast()


@pytest.fixture
def rotating(tmp_path: Path, own_key: Path) -> Setup:
    setup = Setup(tmp_path, own_key, Extracts())
    setup.write()
    return setup


def _tokens(setup: Setup) -> set[str]:
    with setup.custodian() as con:
        return {str(row[0]) for row in con.execute("SELECT token FROM identifiers").fetchall()}


def _manifest(setup: Setup) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((setup.workspace / "manifest.json").read_text("utf-8"))
    return loaded


def _withheld(result: Any, kind: str) -> dict[str, int]:
    return {c.source: getattr(c, kind) for c in result.files if getattr(c, kind)}


# the key file ------------------------------------------------------------------------------------


def test_a_single_secret_key_file_is_version_1_and_rotation_keeps_it_retired(
    own_key: Path,
) -> None:
    before = load_key(own_key)
    assert (before.version, before.retired) == (1, ())
    rotation = rotate_key(own_key)
    after = load_key(own_key)
    assert (after.version, [v.version for v in after.retired]) == (2, [1])
    assert after.retired[0].key_id == before.key_id  # what version 1 made still matches
    assert after.key_id != before.key_id and after.secret != before.secret
    assert rotation.active.key_id == after.key_id and rotation.retired.key_id == before.key_id
    assert stat.S_IMODE(own_key.stat().st_mode) == 0o600
    document = json.loads(own_key.read_text(encoding="ascii"))
    assert document["active"] == 2
    assert [v["version"] for v in document["versions"]] == [1, 2]
    assert all(v["created"] for v in document["versions"])


def test_every_rotation_adds_a_fresh_secret_and_none_is_reused(own_key: Path) -> None:
    for _ in range(3):
        rotate_key(own_key)
    key = load_key(own_key)
    assert [v.version for v in key.versions] == [1, 2, 3, 4]
    assert len({v.secret for v in key.versions}) == 4
    assert len({v.token_key.key_id for v in key.for_purpose("school-readiness").versions}) == 4


def test_rotations_at_the_same_time_each_add_their_own_version(own_key: Path) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(rotate_key, [own_key] * 6))
    key = load_key(own_key)
    assert [v.version for v in key.versions] == [1, 2, 3, 4, 5, 6, 7]
    assert len({v.key_id for v in key.versions}) == 7


def test_a_retired_version_made_active_again_is_refused(own_key: Path) -> None:
    rotate_key(own_key)
    document = json.loads(own_key.read_text(encoding="ascii"))
    own_key.write_text(json.dumps({**document, "active": 1}), encoding="ascii")
    with pytest.raises(CustodyError, match="active version 1 is not its newest") as caught:
        load_key(own_key)
    assert all(v["secret"] not in caught.value.message for v in document["versions"])


def test_rotation_refuses_a_key_file_others_can_read_and_leaves_it_unchanged(
    own_key: Path,
) -> None:
    own_key.chmod(0o644)
    text = own_key.read_text(encoding="ascii")
    with pytest.raises(CustodyError, match="can be read by other users"):
        rotate_key(own_key)
    assert own_key.read_text(encoding="ascii") == text


def test_rotation_refuses_a_key_file_inside_a_git_work_tree(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    inside = tmp_path / "repo" / "custodian.key"
    inside.write_text(os.urandom(32).hex() + "\n", encoding="ascii")
    inside.chmod(0o600)
    with pytest.raises(CustodyError, match="inside a git work tree"):
        rotate_key(inside)


def test_rotation_refuses_a_key_given_only_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BAKEHOUSE_CUSTODIAN_KEY", os.urandom(32).hex())
    monkeypatch.delenv("BAKEHOUSE_CUSTODIAN_KEY_FILE", raising=False)
    with pytest.raises(CustodyError, match="cannot be rotated"):
        rotate_key()


def test_rotation_refuses_a_key_file_it_cannot_write(
    own_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own_key.chmod(0o400)
    before = own_key.read_bytes()
    if os.geteuid() == 0:  # the superuser may write any file: stand in for the file system's no
        monkeypatch.setattr(keys.os, "access", lambda path, mode: False)
    with pytest.raises(CustodyError, match="cannot be written"):
        rotate_key(own_key)
    assert own_key.read_bytes() == before


def test_the_rotate_command_prints_next_steps_and_audits_key_ids_never_secrets(
    rotating: Setup,
) -> None:
    rotating.ingest()
    result = CliRunner().invoke(
        app,
        [
            "custodian",
            "rotate",
            "--key-file",
            str(rotating.key_file),
            "--workspace",
            str(rotating.workspace),
        ],
    )
    assert result.exit_code == 0, result.output
    key = load_key(rotating.key_file)
    output = result.output
    assert "Re-run `bakehouse ingest` for every workspace" in output
    assert str(rotating.key_file.parent / "audit-anchors") in output
    assert key.key_id in output
    audit = (rotating.workspace / "audit.jsonl").read_text(encoding="utf-8")
    for secret in (v.secret.hex() for v in key.versions):
        assert secret not in output and secret not in audit
    last = AuditLog(rotating.workspace / "audit.jsonl", key).verify()
    entry = json.loads(audit.splitlines()[-1])
    assert entry["action"] == "custodian.rotate" and last.sealed == last.entries
    assert entry["details"]["active_key_id"] == key.key_id
    assert entry["details"]["retired_key_id"] == key.retired[0].key_id


# workspaces --------------------------------------------------------------------------------------


def test_a_workspace_built_under_a_retired_version_is_rebuilt_at_the_next_ingest(
    rotating: Setup,
) -> None:
    rotating.ingest()
    old_tokens, old_manifest = _tokens(rotating), _manifest(rotating)
    rotate_key(rotating.key_file)
    key = load_key(rotating.key_file).for_purpose("school-readiness")
    rebuilt = rotating.ingest()
    assert not rebuilt.unchanged
    manifest = _manifest(rotating)
    assert manifest["fingerprint"] != old_manifest["fingerprint"]
    assert (manifest["key_id"], manifest["token_key_id"]) == (key.key_id, key.token_key.key_id)
    assert manifest["token_key_id"] != old_manifest["token_key_id"]
    new_tokens = _tokens(rotating)
    assert len(new_tokens) == len(old_tokens) and not new_tokens & old_tokens
    assert rotating.ingest().unchanged


def test_commands_reading_zones_of_a_retired_version_refuse_until_ingested_again(
    rotating: Setup, cast: Cast
) -> None:
    rotating.ingest()
    rotate_key(rotating.key_file)
    workspace, key = Workspace(rotating.workspace), load_key(rotating.key_file)
    query = PersonQuery(nhs_number=cast.oliver.nhs)
    out = rotating.root / "sar.json"
    with pytest.raises(CustodyError, match=r"version 1, since retired: re-run `bakehouse ingest`"):
        subject_access(workspace, key, query, "SAR-1", out)
    with pytest.raises(CustodyError, match="re-run `bakehouse ingest`"):
        add_optout(workspace, key, query, "OBJ-1", "Art. 21 objection")
    with pytest.raises(CustodyError, match="re-run `bakehouse ingest`"):
        link(LinkOptions(workspace=rotating.workspace, key_file=rotating.key_file))
    assert not out.exists() and not (rotating.workspace / "registers.json").exists()
    rotating.ingest()
    assert subject_access(workspace, key, query, "SAR-2", out).records == 4


def test_link_refuses_on_the_command_line_with_one_line_saying_to_ingest_again(
    rotating: Setup,
) -> None:
    rotating.ingest()
    rotate_key(rotating.key_file)
    result = CliRunner().invoke(
        app,
        ["link", "--workspace", str(rotating.workspace), "--key-file", str(rotating.key_file)],
    )
    assert result.exit_code != 0
    assert "re-run `bakehouse ingest`" in " ".join(result.output.split())
    assert "Traceback" not in result.output


# registers ---------------------------------------------------------------------------------------


def test_an_opted_out_person_is_still_withheld_and_counted_after_a_rotation(
    rotating: Setup, cast: Cast
) -> None:
    rotating.ingest()
    workspace = Workspace(rotating.workspace)
    entry = add_optout(
        workspace,
        load_key(rotating.key_file),
        PersonQuery(nhs_number=cast.oliver.nhs),
        "OBJ-2026-001",
        "Art. 21 objection",
    ).entry
    before = _withheld(rotating.ingest(force=True), "withheld_optout")
    assert before == {"csc": 1, "health_visiting": 1, "education": 2}
    rotate_key(rotating.key_file)
    after = rotating.ingest()
    assert _withheld(after, "withheld_optout") == before
    assert all(c.reconciled for c in after.files)
    with rotating.custodian() as con:
        hits = con.execute(
            "SELECT count(*) FROM identifiers WHERE nhs_number = ? OR surname = 'BROWN' "
            "AND forename = 'OLIVER'",
            [cast.oliver.nhs],
        ).fetchone()
    assert hits == (0,)
    # A new objection is made under the active version; both keep matching.
    key = load_key(rotating.key_file)
    added = add_optout(
        workspace,
        key,
        PersonQuery(forename="Sarah", surname="O'Connor", dob=cast.sarah.dob),
        "OBJ-2026-002",
        "Art. 21 objection",
    ).entry
    entries = {e.id: e.key_id for e in Registers(workspace.registers).load()}
    assert entries == {entry.id: key.retired[0].key_id, added.id: key.key_id}
    both = _withheld(rotating.ingest(force=True), "withheld_optout")
    assert both == {**before, "police": 1, "housing": 1, "benefits": 1}


def test_an_erased_person_is_still_withheld_after_a_rotation(rotating: Setup, cast: Cast) -> None:
    rotating.ingest()
    erase(
        Workspace(rotating.workspace),
        load_key(rotating.key_file),
        PersonQuery(forename=cast.mark.forename, surname=cast.mark.surname, dob=cast.mark.dob),
        "ERA-2026-003",
        "Art. 17(1)(c) after objection",
    )
    rotate_key(rotating.key_file)
    rotate_key(rotating.key_file)  # two versions on: matched under the one that made it
    after = rotating.ingest()
    assert _withheld(after, "withheld_erasure") == {"benefits": 1}
    police = next(c for c in after.files if c.source == "police")
    assert police.accepted == police.rows_in  # Essex Police decides erasure itself


def test_register_entries_of_a_key_the_file_does_not_hold_are_refused(
    rotating: Setup, cast: Cast, tmp_path: Path
) -> None:
    rotating.ingest()
    workspace = Workspace(rotating.workspace)
    add_optout(
        workspace,
        load_key(rotating.key_file),
        PersonQuery(nhs_number=cast.oliver.nhs),
        "OBJ-2026-001",
        "Art. 21 objection",
    )
    registers = Registers(workspace.registers)
    rotate_key(rotating.key_file)
    registers.check_key(load_key(rotating.key_file))  # the retired version made it: kept
    stranger = load_key(init_key(tmp_path / "other" / "custodian.key"))
    with pytest.raises(CustodyError, match="made with another custodian key"):
        registers.check_key(stranger)


# the audit log -----------------------------------------------------------------------------------


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _rewrite(path: Path, entries: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in entries), "utf-8")


def test_a_log_sealed_before_and_after_a_rotation_verifies(own_key: Path, tmp_path: Path) -> None:
    path = tmp_path / "ws" / "audit.jsonl"
    AuditLog(path, load_key(own_key)).append(AuditEvent(action="before"))
    rotate_key(own_key)
    key = load_key(own_key)
    AuditLog(path, key).append(AuditEvent(action="after"))
    checked = AuditLog(path, key).verify()
    assert (checked.entries, checked.sealed, checked.anchored) == (2, 2, True)
    sealed_by = [entry["sealed_by"] for entry in _lines(path)]
    assert sealed_by[0] != sealed_by[1]
    # the file without its retired version can no longer vouch for the first seal
    bare = tmp_path / "bare" / "custodian.key"
    bare.parent.mkdir()
    bare.write_text(key.secret.hex() + "\n", encoding="ascii")
    bare.chmod(0o600)
    with pytest.raises(AuditChainBroken, match="line 1 is sealed with another key"):
        AuditLog(path, load_key(bare)).verify()


def test_an_edited_entry_from_before_the_rotation_is_caught(own_key: Path, tmp_path: Path) -> None:
    path = tmp_path / "ws" / "audit.jsonl"
    AuditLog(path, load_key(own_key)).append(AuditEvent(action="ingest.run", counts={"rows": 7}))
    rotate_key(own_key)
    key = load_key(own_key)
    AuditLog(path, key).append(AuditEvent(action="after"))
    entries = _lines(path)
    entries[0]["counts"]["rows"] = 3
    _rewrite(path, entries)
    with pytest.raises(AuditChainBroken, match="line 1 has been altered"):
        AuditLog(path, key).verify()
    # recomputing the chain does not help: the seals no longer match
    prev = "0" * 64
    for entry in entries:
        entry["prev"] = prev
        entry["hash"] = prev = _entry_hash(entry)
    _rewrite(path, entries)
    with pytest.raises(AuditChainBroken, match="line 1 has a seal that does not match"):
        AuditLog(path, key).verify()


def test_a_seal_made_with_a_retired_version_after_a_newer_one_is_refused(
    own_key: Path, tmp_path: Path
) -> None:
    path = tmp_path / "ws" / "audit.jsonl"
    AuditLog(path, load_key(own_key)).append(AuditEvent(action="before"))
    rotate_key(own_key)
    key = load_key(own_key)
    AuditLog(path, key).append(AuditEvent(action="after"))
    # whoever kept a copy of the retired key appends an entry sealed with it
    last = _lines(path)[-1]
    forged: dict[str, Any] = {
        **AuditEvent(action="forged").model_dump(),
        "seq": last["seq"] + 1,
        "at": last["at"],
        "prev": last["hash"],
    }
    forged["hash"] = _entry_hash(forged)
    retired = key.retired[0].derive(AUDIT_PURPOSE)
    forged["mac"] = hmac.new(retired.secret, forged["hash"].encode(), hashlib.sha256).hexdigest()
    forged["sealed_by"] = retired.key_id
    _rewrite(path, [*_lines(path), forged])
    with pytest.raises(AuditChainBroken, match="line 3 is sealed with key version 1, retired"):
        AuditLog(path, key).verify()
