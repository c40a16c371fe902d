"""Linkage of small synthetic worlds at both noise levels, measured against their truth (read here
and by the measurement code only): persons, households, a source that shares no identifier with
the others, rerun stability, and nothing identifying in the analysis zone or the report."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from bakehouse.linkage import LinkOptions, link
from bakehouse.world.noise import NoiseLevel

from .conftest import LinkedWorld

Linked = Callable[[NoiseLevel], LinkedWorld]


@pytest.mark.parametrize(
    ("noise", "f1", "children_correct"),
    [(NoiseLevel.DEFAULT, 0.99, 0.97), (NoiseLevel.HIGH, 0.97, 0.97)],
)
def test_small_world_links_persons_and_households_against_the_truth(
    linked_world: Linked, noise: NoiseLevel, f1: float, children_correct: float
) -> None:
    measured = linked_world(noise).result.measured
    assert measured is not None
    persons = measured["scores"]["persons, pairwise"]
    assert persons["f1"] >= f1, persons
    assert persons["precision"] >= f1 and persons["recall"] >= f1 - 0.01, persons
    children = measured["children"]
    share = children["correct"]["household correct"] / children["children"]
    assert children["children"] > 500
    assert share >= children_correct, children


def test_errors_by_group_give_each_rate_its_denominator_and_interval(linked_world: Linked) -> None:
    measured = linked_world(NoiseLevel.HIGH).result.measured
    assert measured is not None
    groups = measured["by_group"]
    assert set(groups) == {"sex", "ethnicity", "English as an additional language"}
    for name, events, total in (
        ("missed_link", "missed_links", "persons_with_several_records"),
        ("false_link", "false_links", "persons"),
        ("household_error", "household_errors", "children"),
    ):
        for row in groups["sex"]:
            assert row[total] > 0
            assert row[f"{name}_rate"] == pytest.approx(row[events] / row[total], abs=1e-5)
            low, high = row[f"{name}_interval"]
            assert low <= row[f"{name}_rate"] <= high and high - low < 0.2
    assert sum(row["persons"] for row in groups["sex"]) == sum(
        row["persons"] for row in groups["ethnicity"]
    )


def test_source_with_only_name_birth_date_and_address_joins_the_same_children_elsewhere(
    linked_world: Linked,
) -> None:
    """Early education headcounts carry no NHS number or UPN: only names, date of birth and
    address. Their children must still be found in the other sources, and only the right ones."""
    linked = linked_world(NoiseLevel.DEFAULT)
    con = duckdb.connect()
    con.execute("ATTACH $p AS a (READ_ONLY)", {"p": str(linked.workspace / "analysis.duckdb")})
    con.execute("ATTACH $p AS c (READ_ONLY)", {"p": str(linked.workspace / "custodian.duckdb")})
    con.execute(
        """CREATE TABLE rows AS SELECT l.source, l.person_id, t.person_id AS truth
        FROM a.person_links l JOIN c.records r USING (token)
        JOIN read_parquet($truth) t ON t.source = r.source AND t.file = r.file
          AND t.row_number = r.row_number AND t.person_role = l.person_role""",
        {"truth": str(linked.truth / "records.parquet")},
    )
    # Pairs (early education row, other-source row) of the same true child: found or not.
    found, total = con.execute(
        """SELECT count_if(e.person_id = o.person_id), count(*)
        FROM rows e JOIN rows o ON o.truth = e.truth AND o.source <> 'early_education'
        WHERE e.source = 'early_education'"""
    ).fetchall()[0]
    wrong, linked_pairs = con.execute(
        """SELECT count_if(e.truth <> o.truth), count(*)
        FROM rows e JOIN rows o ON o.person_id = e.person_id AND o.source <> 'early_education'
        WHERE e.source = 'early_education'"""
    ).fetchall()[0]
    assert total > 1000
    assert found / total >= 0.98
    assert wrong / linked_pairs <= 0.01


def test_rerun_on_the_same_inputs_gives_the_same_ids(linked_world: Linked) -> None:
    linked = linked_world(NoiseLevel.DEFAULT)

    def snapshot() -> list[tuple[object, ...]]:
        con = linked.analysis()
        rows = con.execute(
            "SELECT token, person_role, person_id, household_id FROM person_links "
            "ORDER BY token, person_role"
        ).fetchall()
        episodes = con.execute("SELECT * FROM household_episodes ORDER BY ALL").fetchall()
        con.close()
        return rows + episodes

    before = snapshot()
    link(LinkOptions(workspace=linked.workspace, key_file=linked.key_file))
    assert snapshot() == before


def test_no_identifier_of_the_world_reaches_the_analysis_tables_or_the_report(
    linked_world: Linked,
) -> None:
    linked = linked_world(NoiseLevel.DEFAULT)
    con = duckdb.connect()
    con.execute("ATTACH $p AS a (READ_ONLY)", {"p": str(linked.workspace / "analysis.duckdb")})
    people = str(linked.truth / "people.parquet")
    addresses = str(linked.truth / "addresses.parquet")
    con.execute(
        f"""CREATE TABLE needles AS
        SELECT upper(forename) AS v FROM '{people}' WHERE length(forename) >= 4
        UNION SELECT upper(surname) FROM '{people}' WHERE length(surname) >= 4
        UNION SELECT nhs_number FROM '{people}' UNION SELECT upn FROM '{people}'
        UNION SELECT nino FROM '{people}' UNION SELECT postcode FROM '{addresses}'
        UNION SELECT upper(street) FROM '{addresses}'"""
    )
    for table in ("person_links", "household_episodes", "linkage_runs"):
        columns = [
            row[0]
            for row in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'a' "
                "AND table_name = $t",
                {"t": table},
            ).fetchall()
        ]
        assert columns, table
        for column in columns:
            hits = con.execute(
                f'SELECT count(*) FROM (SELECT DISTINCT upper(CAST("{column}" AS VARCHAR)) AS v '
                f"FROM a.{table}) JOIN needles USING (v)"
            ).fetchall()
            assert hits == [(0,)], (table, column)
    needles = {
        row[0] for row in con.execute("SELECT v FROM needles WHERE v IS NOT NULL").fetchall()
    }
    for name in ("linkage.json", "linkage.html"):
        text = (linked.workspace / "reports" / name).read_text(encoding="utf-8").upper()
        words = set(text.replace('"', " ").replace(">", " ").replace("<", " ").split())
        assert not (words & {n for n in needles if " " not in n and len(n) >= 6}), name


def test_every_accepted_person_row_gets_a_person_and_a_household(linked_world: Linked) -> None:
    linked = linked_world(NoiseLevel.HIGH)
    con = duckdb.connect()
    con.execute("ATTACH $p AS a (READ_ONLY)", {"p": str(linked.workspace / "analysis.duckdb")})
    con.execute("ATTACH $p AS c (READ_ONLY)", {"p": str(linked.workspace / "custodian.duckdb")})
    rows, linked_rows, missing = con.execute(
        """SELECT (SELECT count(*) FROM c.identifiers), (SELECT count(*) FROM a.person_links),
                  (SELECT count(*) FROM a.person_links WHERE person_id IS NULL
                   OR household_id IS NULL)"""
    ).fetchall()[0]
    assert rows == linked_rows
    assert missing == 0
    report = Path(linked.workspace / "reports" / "linkage.json").read_text(encoding="utf-8")
    assert '"measured"' in report and '"source_pairs"' in report


def test_a_large_area_trains_on_whole_blocks_of_a_share_of_identities(
    linked_world: Linked, tmp_path: Path
) -> None:
    """Above `em_max_identities`, each EM session reads a hashed share of its first blocking
    column's values (the pairs of a county would not fit in memory); the model stays as good."""
    linked = linked_world(NoiseLevel.DEFAULT)
    workspace = tmp_path / "ws"
    shutil.copytree(linked.workspace, workspace)
    settings = tmp_path / "large.yaml"
    settings.write_text("persons:\n  training:\n    em_max_identities: 2000\n", encoding="utf-8")
    result = link(
        LinkOptions(
            workspace=workspace, settings=settings, truth=linked.truth, key_file=linked.key_file
        )
    )
    report = json.loads(result.report_json.read_text(encoding="utf-8"))
    sessions = report["persons"]["training"]
    assert all(step["trained"] and step["share_of_block_values"] < 0.5 for step in sessions)
    assert result.measured is not None
    assert result.measured["scores"]["persons, pairwise"]["f1"] >= 0.99
