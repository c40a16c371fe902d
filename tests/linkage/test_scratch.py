"""Linkage's working files carry identifiers: they go to the workspace's private scratch folder,
never the current directory, and are gone after the run, even after a run that was killed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bakehouse.linkage import LinkOptions, link
from bakehouse.linkage.config import Engine
from bakehouse.linkage.engine import DuckDBBackend

from .conftest import Zone
from .test_households import background


def test_splink_spills_to_the_scratch_folder_not_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    backend = DuckDBBackend(Engine(memory_limit="20MB", threads=1), scratch)
    try:
        # larger than the memory limit, so DuckDB must spill it to disk
        backend.con.execute(
            "CREATE TEMP TABLE pairs AS SELECT range AS i, md5(range::VARCHAR) AS h "
            "FROM range(1000000)"
        )
        spilled = [path for path in scratch.rglob("*") if path.is_file()]
        assert spilled
        assert list(elsewhere.iterdir()) == []
    finally:
        backend.close()


def test_a_run_from_another_directory_leaves_nothing_there_or_in_scratch(
    zone: Zone, tmp_path: Path, linkage_key: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    background(zone, families=30)
    workspace = zone.build(tmp_path / "ws")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    seen: list[int] = []
    original = DuckDBBackend.__init__

    def watching(self: DuckDBBackend, engine: Engine, scratch: Path) -> None:
        original(self, engine, scratch)
        seen.append(stat.S_IMODE(scratch.stat().st_mode))
        seen.append(stat.S_IMODE(scratch.parent.stat().st_mode))

    monkeypatch.setattr(DuckDBBackend, "__init__", watching)
    link(LinkOptions(workspace=workspace, key_file=linkage_key))
    assert seen == [0o700, 0o700]
    assert list(elsewhere.iterdir()) == []
    assert not (workspace / ".scratch").exists()


def test_scratch_left_by_a_killed_run_is_removed_by_the_next_run(
    zone: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    background(zone, families=30)
    workspace = zone.build(tmp_path / "ws")
    for stale in (workspace / ".scratch" / "killed-run", workspace / ".linkage-scratch" / "old"):
        stale.mkdir(parents=True)
        (stale / "pairs.parquet").write_bytes(b"identifiers of the killed run")
    link(LinkOptions(workspace=workspace, key_file=linkage_key))
    assert not (workspace / ".scratch").exists()
    assert not (workspace / ".linkage-scratch").exists()
