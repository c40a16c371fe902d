"""Linkage of a partnership's data as it holds it: without NHS numbers, UPNs or NINOs, or with
identifier columns the synthetic world lacks (a reference number within its scope, a house
number). The model is built from the identifiers present, with the default settings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from bakehouse.ingest import IngestOptions, ingest
from bakehouse.ingest.agreement import sources_for
from bakehouse.linkage import LinkOptions, link
from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import generate

from .conftest import Person, Zone, person_links
from .registers import pairwise_scores, two_registers

AS_AT = date(2025, 9, 30)


@pytest.fixture(scope="module")
def small_truth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("registers-world") / "world"
    generate(WorldConfig(area="basildon", seed=11, scale=0.03, as_at=AS_AT), world)
    return world / "truth"


def _report(workspace: Path) -> dict[str, object]:
    document = json.loads((workspace / "reports" / "linkage.json").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_two_registers_of_names_birth_dates_and_addresses_link_with_the_default_settings(
    small_truth: Path, zone: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    registers = two_registers(small_truth, zone, AS_AT)
    assert len(registers.truth) > 4000
    workspace = zone.build(tmp_path / "ws")
    link(LinkOptions(workspace=workspace, key_file=linkage_key))
    predicted = {token: person for token, (person, _) in person_links(workspace).items()}
    scores = pairwise_scores(predicted, registers.truth)
    assert scores["f1"] >= 0.97, scores
    persons = _report(workspace)["persons"]
    assert isinstance(persons, dict)
    # Every comparison in the model was trained; none exists for a number no record holds.
    compared = {row["comparison"] for row in persons["levels"]}
    assert compared == {"forename", "surname_and_place", "dob", "sex"}
    assert all(step["trained"] for step in persons["training"])
    assert {tuple(step["block"]) for step in persons["training"]} >= {
        ("dob",),
        ("full_name", "birth_year"),
    }
    assert persons["warnings"] == []
    dob_exact = next(
        row for row in persons["levels"] if row["comparison"] == "dob" and "Exact" in row["level"]
    )
    assert dob_exact["match_weight"] > 8


def test_forename_and_surname_entered_the_wrong_way_round_are_the_same_person(
    small_truth: Path, zone: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    two_registers(small_truth, zone, AS_AT, share=0.2)  # the town, for the model to learn from
    a = zone.record(
        "register_a",
        Person("JOSEPHINE", "ACKROYD", date(1980, 3, 14)),
        "7 MILL LANE",
        "SS15 2BB",
        date(2024, 1, 1),
    )
    b = zone.record(
        "register_b",
        Person("ACKROYD", "JOSEPHINE", date(1980, 3, 14)),
        "12 QUEENS ROAD",
        "SS16 3CC",
        date(2023, 1, 1),
    )
    workspace = zone.build(tmp_path / "ws")
    link(LinkOptions(workspace=workspace, key_file=linkage_key))
    links = person_links(workspace)
    assert links[a][0] == links[b][0]


def test_an_identifier_almost_no_record_holds_gets_no_comparison_and_the_run_says_so(
    small_truth: Path, zone: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    """One NHS number among a town's records: too few to train or trust a comparison on."""
    two_registers(small_truth, zone, AS_AT, share=0.2)
    zone.rows[0]["nhs_number"] = "9434765919"
    workspace = zone.build(tmp_path / "ws")
    notes: list[str] = []

    class Notes:
        def start(self, label: str, total: int | None) -> None: ...
        def advance(self, amount: int) -> None: ...
        def finish(self) -> None: ...
        def note(self, message: str) -> None:
            notes.append(message)

    link(LinkOptions(workspace=workspace, key_file=linkage_key), Notes())
    persons = _report(workspace)["persons"]
    assert isinstance(persons, dict)
    assert "nhs_number" not in {row["comparison"] for row in persons["levels"]}
    assert any("'nhs_number' left out" in warning for warning in persons["warnings"])
    assert any("'nhs_number' left out" in note for note in notes)
    page = (workspace / "reports" / "linkage.html").read_text(encoding="utf-8")
    assert "Warnings" in page and "nhs_number" in page


def test_a_reference_number_links_only_within_its_scope(
    small_truth: Path, zone: Zone, tmp_path: Path, linkage_key: Path
) -> None:
    """A custodian zone with ingestion's newer columns (reference number and scope, house
    number): a person whose name changed is found through the reference of one scope; the same
    number in another scope says nothing."""
    tokens = {}
    two_registers(small_truth, zone, AS_AT, share=0.2)
    # Married and moved: a new surname, a new address; the council's account number remains.
    tokens["before"] = zone.record(
        "register_a",
        Person("HANNAH", "MERRIWEATHER", date(1990, 6, 2)),
        "3 ELM CLOSE",
        "SS13 1DD",
        date(2020, 1, 1),
    )
    tokens["after"] = zone.record(
        "register_b",
        Person("HANNAH", "OYELARAN", date(1990, 6, 2)),
        "88 STATION WAY",
        "SS12 9EE",
        date(2024, 1, 1),
    )
    # Another person with the same number in another scope (another system's numbering).
    tokens["other"] = zone.record(
        "register_c",
        Person("HANNAH", "BLYTHE", date(1990, 6, 2)),
        "5 PARK DRIVE",
        "SS11 4FF",
        date(2024, 1, 1),
    )
    workspace = zone.build(tmp_path / "ws")
    con = duckdb.connect(str(workspace / "custodian.duckdb"))
    con.execute(
        "UPDATE identifiers SET reference_number = 'CT' || left(md5(address), 8), "
        "reference_scope = 'council tax', house_number = split_part(address, ' ', 1)"
    )
    for key, scope in (("before", "council tax"), ("after", "council tax"), ("other", "library")):
        con.execute(
            "UPDATE identifiers SET reference_number = 'CT4471', reference_scope = $s "
            "WHERE token = $t",
            {"s": scope, "t": tokens[key]},
        )
    con.close()
    link(LinkOptions(workspace=workspace, key_file=linkage_key))
    links = person_links(workspace)
    assert links[tokens["before"]][0] == links[tokens["after"]][0]
    assert links[tokens["other"]][0] != links[tokens["after"]][0]
    persons = _report(workspace)["persons"]
    assert isinstance(persons, dict)
    assert "reference" in {row["comparison"] for row in persons["levels"]}


def test_a_world_without_national_identifiers_links_at_the_target(
    tmp_path: Path, linkage_key: Path
) -> None:
    world = tmp_path / "world"
    generate(
        WorldConfig(area="basildon", seed=3, scale=0.05, national_ids=False),
        world,
    )
    workspace = tmp_path / "ws"
    ingest(
        IngestOptions(
            sources=world,
            workspace=workspace,
            purpose="school-readiness",
            only=sources_for("school-readiness"),
            key_file=linkage_key,
            specs=world / "specs",
        )
    )
    result = link(LinkOptions(workspace=workspace, truth=world / "truth", key_file=linkage_key))
    assert result.measured is not None
    persons = result.measured["scores"]["persons, pairwise"]
    assert persons["f1"] >= 0.98, persons
    report = _report(workspace)["persons"]
    assert isinstance(report, dict)
    assert report["identifier_shares"]["nhs_number"] == 0
    assert report["warnings"] == []
