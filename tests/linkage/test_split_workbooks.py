"""A world whose early education headcounts come as several workbooks (as a county's would, past
one sheet's rows) against the same world with one: ingestion takes every workbook, each record
finds its own truth row by source, file and row, and (slow) linkage and the model's truth
measure the same."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bakehouse.errors import ConfigError
from bakehouse.ingest import IngestOptions, IngestResult, ingest
from bakehouse.ingest.agreement import sources_for
from bakehouse.linkage import LinkOptions, LinkResult, link
from bakehouse.linkage.measure import measure_persons
from bakehouse.modelling.truth import map_children
from bakehouse.world.config import WorldConfig
from bakehouse.world.extracts.xlsx import EXCEL_SHEET
from bakehouse.world.generate import generate

SHEET_ROWS = 500
CUSTODIAN = "custodian.duckdb"


@dataclass(frozen=True)
class Built:
    world: Path
    workspace: Path
    ingested: IngestResult

    @property
    def truth(self) -> Path:
        return self.world / "truth"


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory, linkage_key: Path) -> dict[str, Built]:
    """The same tiny world written with one workbook and with several, ingested."""
    built = {}
    for name, sheet_rows in (("one", EXCEL_SHEET.rows), ("several", SHEET_ROWS)):
        root = tmp_path_factory.mktemp(f"workbooks-{name}")
        world = root / "world"
        generate(WorldConfig(area="basildon", seed=3, scale=0.01, sheet_rows=sheet_rows), world)
        workspace = root / "ws"
        ingested = ingest(
            IngestOptions(
                sources=world,
                workspace=workspace,
                purpose="school-readiness",
                only=sources_for("school-readiness"),
                key_file=linkage_key,
            )
        )
        built[name] = Built(world, workspace, ingested)
    return built


@pytest.fixture(scope="module")
def linked(worlds: dict[str, Built], linkage_key: Path) -> dict[str, LinkResult]:
    """Both worlds linked and measured against their truth."""
    return {
        name: link(LinkOptions(workspace=b.workspace, truth=b.truth, key_file=linkage_key))
        for name, b in worlds.items()
    }


def test_ingest_takes_every_workbook_and_their_rows_add_up_to_the_one(
    worlds: dict[str, Built],
) -> None:
    one, several = (
        [count for count in worlds[name].ingested.files if count.source == "early_education"]
        for name in ("one", "several")
    )
    assert [count.file for count in one] == ["early_education.xlsx"]
    assert [count.file for count in several] == [
        f"early_education_{i}.xlsx" for i in range(1, len(several) + 1)
    ]
    assert len(several) >= 2
    assert all(count.rows_in <= SHEET_ROWS and count.reconciled for count in several)
    assert sum(count.rows_in for count in several) == one[0].rows_in
    # The same rows are refused for the same reasons, whichever workbook they came in.
    assert sum(count.quarantined for count in several) == one[0].quarantined
    assert _quarantine_reasons(worlds["several"]) == _quarantine_reasons(worlds["one"])


def _quarantine_reasons(built: Built) -> Counter[str]:
    con = duckdb.connect(str(built.workspace / "custodian.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT r.code FROM quarantine, unnest(reasons) AS u(r) "
            "WHERE source = 'early_education'"
        ).fetchall()
    finally:
        con.close()
    return Counter(code for (code,) in rows)


def test_every_record_of_the_split_source_finds_exactly_its_truth_row(
    worlds: dict[str, Built],
) -> None:
    several = worlds["several"]
    con = duckdb.connect()
    con.execute("ATTACH $p AS c (READ_ONLY)", {"p": str(several.workspace / "custodian.duckdb")})
    matched = con.execute(
        """SELECT r.token, count(t.person_id) AS n FROM c.records r
        LEFT JOIN read_parquet($truth) t
          ON t.source = r.source AND t.file = r.file AND t.row_number = r.row_number
        WHERE r.source = 'early_education' GROUP BY 1""",
        {"truth": str(several.truth / "records.parquet")},
    ).fetchall()
    assert len(matched) == sum(
        count.rows_in for count in several.ingested.files if count.source == "early_education"
    )
    assert {n for _, n in matched} == {1}
    # Row numbers repeat from workbook to workbook: the file is what tells them apart.
    truth = pq.read_table(several.truth / "records.parquet").to_pylist()
    early = [(r["file"], r["row_number"]) for r in truth if r["source"] == "early_education"]
    assert len({row for _, row in early}) < len(early) == len(set(early))


def test_linkage_measure_joins_each_record_of_a_split_source_to_its_own_truth_row(
    worlds: dict[str, Built],
) -> None:
    """Measured over records each left alone (no link made), the two worlds score the same: a
    join on source and row only would give each record of a split source several truth rows."""

    def measured(built: Built) -> dict[str, Any]:
        con = duckdb.connect()
        try:
            con.execute("ATTACH $p AS c (READ_ONLY)", {"p": str(built.workspace / CUSTODIAN)})
            con.execute(
                "CREATE TEMP TABLE lk_records AS SELECT row_number() OVER (ORDER BY token, "
                "person_role) AS rid, token, person_role, event_date FROM c.identifiers"
            )
            con.execute(
                "CREATE TEMP TABLE lk_record_person AS SELECT rid, rid AS person FROM lk_records"
            )
            return measure_persons(con, built.truth)
        finally:
            con.close()

    one, several = measured(worlds["one"]), measured(worlds["several"])
    assert several["scores"]["persons, clusters"]["precision"] > 0
    assert several == one


def test_the_model_truth_joins_each_record_of_a_split_source_to_its_true_child(
    worlds: dict[str, Built], tmp_path: Path
) -> None:
    def true_children(built: Built) -> list[tuple[float, float, bool, bool, int]]:
        # Each record its own person: every record that is a child's maps to that child.
        workspace = tmp_path / built.world.parent.name
        shutil.copytree(built.workspace, workspace)
        con = duckdb.connect(str(workspace / "analysis.duckdb"))
        try:
            con.execute("ATTACH $p AS c (READ_ONLY)", {"p": str(workspace / CUSTODIAN)})
            con.execute(
                "CREATE OR REPLACE TABLE person_links AS "
                "SELECT token, person_role, token AS person_id FROM c.identifiers"
            )
            ids = [
                str(token) for (token,) in con.execute("SELECT token FROM person_links").fetchall()
            ]
        finally:
            con.close()
        return sorted(map_children(workspace, built.truth, ids).values())

    one, several = true_children(worlds["one"]), true_children(worlds["several"])
    assert len(several) > 1000
    assert several == one


@pytest.mark.slow
def test_linkage_measured_against_the_truth_is_the_same_as_with_one_workbook(
    linked: dict[str, LinkResult],
) -> None:
    one, several = linked["one"].measured, linked["several"].measured
    assert one is not None and several is not None
    assert several["children"]["children"] > 100
    assert several == one


@pytest.mark.slow
def test_the_model_finds_the_same_true_children_as_with_one_workbook(
    worlds: dict[str, Built], linked: dict[str, LinkResult]
) -> None:
    def true_children(built: Built) -> list[tuple[float, float, bool, bool, int]]:
        con = duckdb.connect(str(built.workspace / "analysis.duckdb"), read_only=True)
        try:
            rows = con.execute("SELECT DISTINCT person_id FROM person_links").fetchall()
        finally:
            con.close()
        ids = [str(person) for (person,) in rows]
        return sorted(map_children(built.workspace, built.truth, ids).values())

    one, several = true_children(worlds["one"]), true_children(worlds["several"])
    assert len(several) > 100
    assert several == one


def test_a_truth_that_names_no_files_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """A world written before the truth named each row's file cannot be joined without doubt."""
    older = pa.table(
        {
            "source": ["early_education"],
            "row_number": [1],
            "person_role": ["subject"],
            "person_id": [7],
            "household_id": [3],
        }
    )
    pq.write_table(older, tmp_path / "records.parquet")
    for name in ("people", "residence", "children"):
        pq.write_table(pa.table({"person_id": [7]}), tmp_path / f"{name}.parquet")
    with pytest.raises(ConfigError, match="older version of Bakehouse") as refused:
        measure_persons(duckdb.connect(), tmp_path)
    assert "bakehouse world" in str(refused.value.fix)
