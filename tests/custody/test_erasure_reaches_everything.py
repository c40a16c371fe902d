"""Red team: a child erased by NHS number alone is found in no byte of the workspace afterwards,
nor in a release published after it; the model is fitted again without them.

A small Basildon world is ingested, linked and modelled. The child is chosen from the world's
truth: one with a record that only linkage joins to them (a typo in the name, a missing NHS
number), and with every record in a source whose agreement allows erasure.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from bakehouse.custody import (
    PersonQuery,
    Workspace,
    add_optout,
    erase,
    init_key,
    load_key,
    subject_access,
)
from bakehouse.custody.reach import find
from bakehouse.custody.registers import standardise
from bakehouse.custody.rights import _open_zones
from bakehouse.custody.withdraw import model_runs
from bakehouse.ingest import IngestOptions, ingest
from bakehouse.ingest.agreement import sources_for
from bakehouse.linkage import LinkOptions, link
from bakehouse.modelling.pipeline import TrainOptions, TrainResult, train
from bakehouse.recipes import load_recipe, recipe_path
from bakehouse.release.publish import PublishOptions, publish
from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import generate


@dataclass(frozen=True)
class Child:
    person: int
    nhs_number: str
    forename: str
    surname: str
    dob: str
    tokens: set[str]
    person_ids: set[str]
    linkage_only: int


@dataclass(frozen=True)
class Scenario:
    root: Path
    workspace: Path
    recipe: Path
    key_file: Path
    before: TrainResult
    spare: Path  # a copy of the workspace as trained, for the objection
    spare_key_file: Path  # with a copy of the key's folder (its audit anchors) taken with it


def _run_rows(result: TrainResult) -> int:
    return pq.read_metadata(result.folder / "predictions.parquet").num_rows


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    root = tmp_path_factory.mktemp("red-team")
    world, workspace = root / "world", root / "ws"
    key = init_key(root / "keys" / "custodian.key")
    generate(WorldConfig(area="basildon", seed=2, scale=0.05), world)
    ingest(
        IngestOptions(
            sources=world,
            workspace=workspace,
            purpose="school-readiness",
            only=sources_for("school-readiness"),
            key_file=key,
        )
    )
    link(LinkOptions(workspace=workspace, key_file=key))
    recipe = root / "quick.yaml"
    text = recipe_path("school-readiness").read_text(encoding="utf-8")
    quick = text.replace("  bootstrap: 500", "  bootstrap: 50")
    recipe.write_text(quick.replace("  uncertainty_refits: 20", "  uncertainty_refits: 2"), "utf-8")
    before = train(TrainOptions(workspace=workspace, recipe=load_recipe(recipe)))
    # A backup restored elsewhere: the workspace with the key folder whose anchors vouch for its
    # audit log as it was (the original workspace's log grows past that anchor).
    spare = root / "ws-objection"
    shutil.copytree(workspace, spare)
    shutil.copytree(key.parent, root / "keys-objection")
    spare_key = root / "keys-objection" / key.name
    return Scenario(root, workspace, recipe, key, before, spare, spare_key)


def _truth_tokens(scenario: Scenario, con: duckdb.DuckDBPyConnection) -> dict[int, set[str]]:
    truth = scenario.root / "world" / "truth" / "records.parquet"
    rows = con.execute(
        "SELECT t.person_id, r.token FROM read_parquet(?) t "
        "JOIN records r ON r.source = t.source AND r.file = t.file "
        "AND r.row_number = t.row_number",
        [str(truth)],
    ).fetchall()
    tokens: dict[int, set[str]] = {}
    for person, token in rows:
        tokens.setdefault(int(person), set()).add(str(token))
    return tokens


def _choose_child(scenario: Scenario, workspace: Path) -> Child:
    """A modelled child with a record only linkage reaches, all of whose records are the
    child's own (truth) and held under agreements that allow erasure."""
    key = load_key(scenario.key_file)
    con = _open_zones(Workspace(workspace), key)
    try:
        by_person = _truth_tokens(scenario, con)
        erasable = {
            str(r[0])
            for r in con.execute("SELECT source FROM sources WHERE erasure_allowed").fetchall()
        }
        truth = scenario.root / "world" / "truth"
        candidates = con.execute(
            "SELECT p.person_id, p.nhs_number, p.forename, p.surname, p.dob "
            "FROM read_parquet(?) p JOIN read_parquet(?) c USING (person_id) "
            "WHERE p.nhs_number IS NOT NULL AND c.assessed AND c.lsoa_at_prediction IS NOT NULL "
            "ORDER BY c.cohort DESC, p.person_id",
            [str(truth / "people.parquet"), str(truth / "children.parquet")],
        ).fetchall()
        for person, nhs, forename, surname, dob in candidates:
            tokens = by_person.get(int(person), set())
            sources = {
                str(r[0])
                for r in con.execute(
                    "SELECT DISTINCT source FROM records WHERE token IN (SELECT unnest(?))",
                    [sorted(tokens)],
                ).fetchall()
            }
            if not tokens or not sources <= erasable:
                continue
            reached = find(con, standardise(con, PersonQuery(nhs_number=nhs)))
            if reached.linked_records and {t for t, _, _ in reached.rows} == tokens:
                return Child(
                    int(person),
                    str(nhs),
                    str(forename),
                    str(surname),
                    dob.isoformat(),
                    tokens,
                    set(reached.person_ids),
                    reached.linked_records,
                )
    finally:
        con.close()
    raise AssertionError("the world holds no child with a record only linkage joins")


def _files(folder: Path) -> Iterator[Path]:
    return (path for path in sorted(folder.rglob("*")) if path.is_file())


def _needles(child: Child) -> dict[str, list[bytes]]:
    """What must not be found, as the bytes it would be written in."""
    names = [
        f"{child.forename} {child.surname}",
        f"{child.surname}, {child.forename}",
        f"{child.surname.upper()} {child.forename.upper()}",
        f"{child.forename.upper()} {child.surname.upper()}",
    ]
    nhs = child.nhs_number
    return {
        "token": [token.encode() for token in child.tokens],
        "person id": [person.encode() for person in child.person_ids],
        "NHS number": [nhs.encode(), f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}".encode()],
        "name": [name.encode() for name in names],
    }


def _found_in_bytes(folders: list[Path], child: Child) -> list[str]:
    found = []
    needles = _needles(child)
    for folder in folders:
        for path in _files(folder):
            data = path.read_bytes()
            for what, values in needles.items():
                if any(value in data for value in values):
                    found.append(f"{what} in {path.relative_to(folder)}")
    return found


def _found_in_tables(workspace: Path, child: Child) -> list[str]:
    """DuckDB compresses strings, so a byte search can miss a live value: query every text
    column of every table as well, and the identifiers by name and date of birth."""
    found = []
    values = sorted(child.tokens | child.person_ids | {child.nhs_number})
    for path in sorted(workspace.glob("*.duckdb")):
        con = duckdb.connect(str(path), read_only=True)
        try:
            columns = con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() "
                "WHERE data_type = 'VARCHAR' AND NOT internal"
            ).fetchall()
            for table, column in columns:
                hits = con.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}" IN (SELECT unnest(?))',
                    [values],
                ).fetchone()
                if hits and hits[0]:
                    found.append(f"{path.name}: {table}.{column}")
            if path.name == "custodian.duckdb":
                hits = con.execute(
                    "SELECT count(*) FROM identifiers WHERE dob = ?::DATE AND raw ILIKE ?",
                    [child.dob, f"%{child.surname}%"],
                ).fetchone()
                if hits and hits[0]:
                    found.append("custodian.duckdb: identifiers by name and date of birth")
        finally:
            con.close()
    return found


def _check_subject_access(scenario: Scenario, child: Child) -> None:
    """The export before the erasure shows the linkage and says how each record was found."""
    out = scenario.root / "exports" / "SAR-RT-1.json"
    result = subject_access(
        Workspace(scenario.workspace),
        load_key(scenario.key_file),
        PersonQuery(nhs_number=child.nhs_number),
        "SAR-RT-1",
        out,
    )
    assert result.records == len(child.tokens) and result.through_linkage == child.linkage_only
    document = json.loads(out.read_text(encoding="utf-8"))
    found_by = [r["found_by"] for s in document["sources"] for r in s["records"]]
    assert found_by.count("linkage") == child.linkage_only
    assert set(document["linkage"]["person_ids"]) == child.person_ids
    assert len(document["linkage"]["records"]) == len(child.tokens)
    episodes = document["linkage"]["household_episodes"]
    assert episodes and all(e["lsoa11cd"] and e["start_date"] for e in episodes)
    assert document["model_runs"]["runs"] == [f"school-readiness/{scenario.before.run_id[:16]}"]


def test_an_erased_child_is_found_in_no_workspace_file_nor_a_later_release(
    scenario: Scenario,
) -> None:
    child = _choose_child(scenario, scenario.workspace)
    workspace = Workspace(scenario.workspace)
    # The search itself finds the child before the erasure: the test can fail.
    assert _found_in_bytes([scenario.workspace], child)
    assert _found_in_tables(scenario.workspace, child)
    rows_before = _run_rows(scenario.before)
    _check_subject_access(scenario, child)

    result = erase(
        workspace,
        load_key(scenario.key_file),
        PersonQuery(nhs_number=child.nhs_number),
        "ERA-RT-1",
        "Art. 17(1)(c) after objection",
    )
    assert result.through_linkage == child.linkage_only >= 1
    assert sum(result.erased.values()) == len(child.tokens) and not result.retained
    assert result.withdrawal is not None and result.withdrawal.model_runs

    after = train(TrainOptions(workspace=scenario.workspace, recipe=load_recipe(scenario.recipe)))
    assert not after.reused and after.run_id != scenario.before.run_id
    assert _run_rows(after) == rows_before - 1
    assert not scenario.before.folder.exists()

    releases = scenario.root / "releases"
    publish(
        PublishOptions(
            predictions=after.folder / "predictions.parquet",
            recipe=load_recipe(scenario.recipe).recipe,
            drivers=after.folder / "area_contributions.parquet",
            out=releases,
            workspace=scenario.workspace,
        )
    )
    assert _found_in_bytes([scenario.workspace, releases], child) == []
    assert _found_in_tables(scenario.workspace, child) == []
    event = [
        json.loads(line)
        for line in (scenario.workspace / "audit.jsonl").read_text("utf-8").splitlines()
        if '"custodian.erase"' in line
    ][-1]
    assert event["counts"]["through_linkage"] == child.linkage_only
    assert event["counts"]["exact_match"] == len(child.tokens) - child.linkage_only


def test_an_objection_withdraws_the_linked_person_from_linkage_and_models_and_registers_the_typo(
    scenario: Scenario,
) -> None:
    workspace = scenario.spare
    child = _choose_child(scenario, workspace)
    runs = model_runs(workspace)
    assert runs
    key = load_key(scenario.spare_key_file)
    con = _open_zones(Workspace(workspace), key)
    try:
        reached = find(con, standardise(con, PersonQuery(nhs_number=child.nhs_number)))
        linked_keys = {
            str(k)
            for (k,) in con.execute(
                "SELECT DISTINCT unnest(bh_match_keys(forename, surname, dob, nhs_number, upn, "
                "nino)) FROM identifiers WHERE token || '/' || person_role IN (SELECT unnest(?))",
                [[f"{token}/{role}" for token, _, role in reached.linked]],
            ).fetchall()
        }
    finally:
        con.close()
    assert linked_keys

    result = add_optout(
        Workspace(workspace), key, PersonQuery(nhs_number=child.nhs_number), "OBJ-RT-1", "Art. 21"
    )

    assert result.through_linkage == child.linkage_only
    assert sum(result.withdrawn.values()) == len(child.tokens)
    assert result.withdrawal is not None and result.withdrawal.model_runs == runs
    assert model_runs(workspace) == [] and not list(workspace.glob("models/*/latest.json"))
    # The register carries the keys of the record only linkage joined, so the next ingestion
    # withholds it even if its typo is never corrected.
    assert linked_keys <= set(result.entry.keys)
    with duckdb.connect(str(workspace / "analysis.duckdb"), read_only=True) as analysis:
        for table in ("person_links", "household_episodes"):
            left = analysis.execute(
                f"SELECT count(*) FROM {table} WHERE person_id IN (SELECT unnest(?))",
                [sorted(child.person_ids)],
            ).fetchone()
            assert left == (0,), table
    assert _found_in_tables(workspace, child) == []
