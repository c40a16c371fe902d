"""Linkage's working files carry identifiers: they go to the workspace's private scratch folder,
never the current directory, and are gone after the run, even after a run that was killed. Its
database work keeps within a memory budget and spills there beyond it."""

from __future__ import annotations

import json
import stat
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from bakehouse.errors import ConfigError
from bakehouse.linkage import LinkOptions, link, load_settings
from bakehouse.linkage.config import Engine, memory_bytes
from bakehouse.linkage.engine import CONNECTIONS, DuckDBBackend

from .conftest import Zone, person_links
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


def _people(workspace: Path) -> set[frozenset[str]]:
    """Who linkage made one person, and one household, as sets of records (ids aside)."""
    groups: dict[tuple[int, str], set[str]] = defaultdict(set)
    for token, ids in person_links(workspace).items():
        for level, value in enumerate(ids):
            groups[level, value].add(token)
    return {frozenset(tokens) for tokens in groups.values()}


def test_a_small_memory_budget_links_the_same_people(
    zone: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    background(zone, families=60)
    free = zone.build(tmp_path / "free")
    link(LinkOptions(workspace=free, key_file=linkage_key))
    tight = zone.build(tmp_path / "tight")
    settings = tmp_path / "linkage.yaml"
    settings.write_text("engine:\n  memory_limit: 96MB\n", encoding="utf-8")
    link(LinkOptions(workspace=tight, settings=settings, key_file=linkage_key))
    assert _people(tight) == _people(free)


def test_the_budget_is_shared_by_linkages_connections() -> None:
    for budget, each in (("2GB", "953.0 MiB"), ("3 GiB", "1.5 GiB")):
        backend = DuckDBBackend(Engine(memory_limit=budget), Path("unused"))
        try:
            [(setting,)] = backend.con.execute("SELECT current_setting('memory_limit')").fetchall()
        finally:
            backend.close()
        assert setting == each


def test_by_default_both_connections_together_take_half_what_one_would_by_itself() -> None:
    alone = duckdb.connect()
    try:
        [(default,)] = alone.execute("SELECT current_setting('memory_limit')").fetchall()
    finally:
        alone.close()
    # DuckDB's default is 80% of the memory it sees (a container's limit included).
    half = memory_bytes(default) * 5 // 8
    backend = DuckDBBackend(Engine(), Path("unused"))
    try:
        [(share,)] = backend.con.execute("SELECT current_setting('memory_limit')").fetchall()
    finally:
        backend.close()
    # DuckDB shows each setting to 0.1 GiB.
    assert abs(memory_bytes(share) * CONNECTIONS - half) <= 0.3 * 2**30


def test_a_budget_that_is_not_an_amount_of_memory_is_refused_with_its_field(
    tmp_path: Path,
) -> None:
    settings = tmp_path / "linkage.yaml"
    settings.write_text("engine:\n  memory_limit: plenty\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="engine.memory_limit") as raised:
        load_settings(settings)
    assert "8GB or 500MB" in raised.value.message


def test_a_budget_too_small_to_link_in_is_refused_with_what_to_change(
    zone: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    background(zone, families=20)
    workspace = zone.build(tmp_path / "ws")
    settings = tmp_path / "linkage.yaml"
    settings.write_text("engine:\n  memory_limit: 16MB\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="ran out of memory within its budget") as raised:
        link(LinkOptions(workspace=workspace, settings=settings, key_file=linkage_key))
    assert raised.value.field == "engine.memory_limit"
    assert "Raise engine.memory_limit" in (raised.value.fix or "")
    events = [json.loads(line) for line in (workspace / "audit.jsonl").read_text().splitlines()]
    assert (events[-1]["action"], events[-1]["outcome"]) == ("link.run", "failed")
