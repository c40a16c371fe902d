"""Runs are all-or-nothing: an interrupted run leaves the last good state intact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bakehouse.custody import AuditLog, load_key
from bakehouse.custody import workspace as workspace_module
from bakehouse.errors import ExtractError


def _many_referrals(setup: Any, copies: int) -> None:
    template = setup.extracts.rows["csc"][0]
    setup.extracts.rows["csc"] = [
        {**template, "CHILD_ID": f"C{n:07d}", "REFERRAL_DATE": f"{1 + n % 28:02d}/03/2021"}
        for n in range(copies)
    ]


def _manifest_run(setup: Any) -> str:
    manifest = setup.workspace / "manifest.json"
    return str(json.loads(manifest.read_text(encoding="utf-8"))["run_id"])


def test_a_run_killed_midway_leaves_the_last_good_state_intact(setup: Any) -> None:
    setup.write()
    setup.ingest()
    good = setup.snapshot()
    _many_referrals(setup, 150_000)
    setup.write(only=["csc"])
    command = [
        sys.executable,
        "-m",
        "bakehouse.cli",
        "ingest",
        "--sources",
        str(setup.sources),
        "--workspace",
        str(setup.workspace),
        "--key-file",
        str(setup.key_file),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    staging = setup.workspace / ".staging"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(staging.glob("*/custodian.duckdb")):
            break
        time.sleep(0.05)
    time.sleep(0.5)
    assert process.poll() is None, "the run finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert (setup.workspace / ".staging").exists()
    assert setup.snapshot() == good
    # The next run clears the remains of the killed one and completes.
    result = setup.ingest()
    assert not staging.exists()
    assert next(c for c in result.files if c.source == "csc").rows_in == 150_000


def test_an_error_while_building_changes_nothing(setup: Any) -> None:
    setup.write()
    setup.ingest()
    good = setup.snapshot()
    path = setup.sources / "housing_cases.tsv"
    path.write_bytes(path.read_bytes() + b"\x00\xd8\x41")
    with pytest.raises(ExtractError):
        setup.ingest()
    assert setup.snapshot() == good
    assert not (setup.workspace / ".staging").exists() or not any(
        (setup.workspace / ".staging").iterdir()
    )


def test_a_crash_during_the_swap_is_rolled_forward_by_the_next_command(
    setup: Any, monkeypatch: Any
) -> None:
    setup.write()
    first = setup.ingest()
    setup.extracts.rows["police"].pop()
    setup.write()
    moved: list[Path] = []
    original = Path.replace

    def crash_after_one_move(self: Path, target: Any) -> Path:
        if ".staging" in str(self) and moved:
            raise KeyboardInterrupt("power cut")
        moved.append(self)
        return original(self, target)

    monkeypatch.setattr(Path, "replace", crash_after_one_move)
    with pytest.raises(KeyboardInterrupt):
        setup.ingest()
    monkeypatch.undo()
    assert (setup.workspace / ".commit.json").exists()
    second = setup.ingest()  # recovers first: the interrupted run is completed, not undone
    assert second.unchanged and second.run_id != first.run_id
    with setup.custodian() as con, setup.analysis() as analysis:
        runs = {
            con.execute("SELECT run_id FROM runs").fetchone(),
            analysis.execute("SELECT run_id FROM runs").fetchone(),
        }
    assert runs == {(_manifest_run(setup),)}
    assert workspace_module.Workspace(setup.workspace).audit.verify().entries > 0


def test_two_runs_cannot_change_a_workspace_at_once(setup: Any) -> None:
    from bakehouse.errors import WorkspaceError

    ws = workspace_module.Workspace(setup.workspace)
    with ws.locked(), pytest.raises(WorkspaceError, match="Another command"):
        setup.write()
        setup.ingest()


def _logged(setup: Any) -> list[dict[str, Any]]:
    return list(AuditLog(setup.workspace / "audit.jsonl").entries())


def _sealed_log(setup: Any) -> AuditLog:
    return AuditLog(setup.workspace / "audit.jsonl", load_key(setup.key_file))


def test_a_run_killed_at_the_commit_point_is_logged_in_full_by_the_next_command(
    setup: Any, cast: Any, monkeypatch: Any
) -> None:
    setup.write()
    setup.ingest()
    setup.extracts.rows["police"].pop()
    setup.write()
    original = Path.replace

    def power_cut_after_the_commit_record(self: Path, target: Any) -> Path:
        if ".staging" in str(self):
            raise KeyboardInterrupt("power cut")
        return original(self, target)

    monkeypatch.setattr(Path, "replace", power_cut_after_the_commit_record)
    with pytest.raises(KeyboardInterrupt):
        setup.ingest()
    monkeypatch.undo()
    assert (setup.workspace / ".commit.json").exists()
    interrupted = _manifest_run_from_commit(setup)
    assert not [e for e in _logged(setup) if e["details"].get("run_id") == interrupted]

    setup.ingest()

    mine = [e for e in _logged(setup) if e["details"].get("run_id") == interrupted]
    assert sorted(e["source"] for e in mine if e["action"] == "ingest.source") == sorted(
        cast.sources
    )
    # committed by the roll-forward, then the next run finds nothing new to do
    assert [e["outcome"] for e in mine if e["action"] == "ingest.run"] == [
        "committed",
        "unchanged",
    ]
    recovered = [e for e in _logged(setup) if e["action"] == "workspace.recovered"]
    assert [e["details"]["run_id"] for e in recovered] == [interrupted]
    assert _sealed_log(setup).verify().unsealed == 0


def test_a_run_killed_after_logging_but_before_clearing_its_commit_record_is_not_logged_twice(
    setup: Any, monkeypatch: Any
) -> None:
    setup.write()
    original = Path.unlink

    def power_cut_before_clearing(self: Path, missing_ok: bool = False) -> None:
        if self.name == ".commit.json":
            raise KeyboardInterrupt("power cut")
        original(self, missing_ok)

    monkeypatch.setattr(Path, "unlink", power_cut_before_clearing)
    with pytest.raises(KeyboardInterrupt):
        setup.ingest()
    monkeypatch.undo()
    run_id = _manifest_run(setup)
    setup.ingest()
    runs = [
        e
        for e in _logged(setup)
        if e["action"] == "ingest.run" and e["details"]["run_id"] == run_id
    ]
    assert [e["outcome"] for e in runs] == ["committed", "unchanged"]
    ids = [e["id"] for e in _logged(setup)]
    assert len(ids) == len(set(ids))
    _sealed_log(setup).verify()


def test_a_failed_run_logs_nothing_of_its_change(setup: Any) -> None:
    setup.write()
    setup.ingest()
    before = _logged(setup)
    path = setup.sources / "housing_cases.tsv"
    path.write_bytes(path.read_bytes() + b"\x00\xd8\x41")
    with pytest.raises(ExtractError):
        setup.ingest()
    after = _logged(setup)
    assert after[: len(before)] == before
    assert [e["action"] for e in after[len(before) :]] == []


def _manifest_run_from_commit(setup: Any) -> str:
    record = json.loads((setup.workspace / ".commit.json").read_text(encoding="utf-8"))
    return str(record["run_id"])
