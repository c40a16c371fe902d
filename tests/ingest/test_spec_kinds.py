"""A partnership's own extract: no event date, a local or shared reference number, a house
number; identifiers standardised for linkage; YAML mistakes reported with the parser's reason."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bakehouse.errors import ConfigError
from bakehouse.ingest.spec import load_specs, shipped_specs_dir

HEADER = ["TenancyRef", "Surname", "Forename", "DOB", "HouseNo", "Postcode", "Arrears"]


def _spec(reference: str = "") -> str:
    return f"""
source: tenancy
title: Council tenancies
supplier: Basildon Borough Council, Housing Management
file: "tenancies*.csv"
format: csv
columns:
  TenancyRef:
    meaning: The housing system's reference for the tenant
    role: identifier
    identifier: reference
{reference}
  Surname: {{meaning: Tenant's surname, role: identifier, identifier: surname}}
  Forename: {{meaning: Tenant's forename, role: identifier, identifier: forename}}
  DOB:
    meaning: Tenant's date of birth
    role: identifier
    identifier: dob
    type: date
    format: "%d/%m/%Y"
  HouseNo: {{meaning: House or flat number, role: identifier, identifier: house_number}}
  Postcode: {{meaning: Postcode of the tenancy, role: identifier, identifier: postcode}}
  Arrears: {{meaning: Rent arrears in pounds, role: attribute, type: number, as: arrears}}
"""


def _agreement() -> str:
    shipped = (shipped_specs_dir().parent / "agreements" / "bbc-housing.yaml").read_text("utf-8")
    start = shipped.index("permitted_fields:")
    end = shipped.index("data_period:")
    fields = ", ".join(HEADER)
    return (
        shipped[:start]
        .replace("DSA-BBC-HOU-2026", "DSA-BBC-TEN-2026")
        .replace("sources: [housing]", "sources: [tenancy]")
        + f"permitted_fields:\n  tenancy: [{fields}]\n"
        + shipped[end:]
    )


def _folders(root: Path, rows: list[list[str]], reference: str = "") -> dict[str, Path]:
    specs, agreements, sources = root / "specs", root / "agreements", root / "extracts"
    for folder in (specs, agreements, sources):
        folder.mkdir(parents=True, exist_ok=True)
    (specs / "tenancy.yaml").write_text(_spec(reference), encoding="utf-8")
    (agreements / "tenancy.yaml").write_text(_agreement(), encoding="utf-8")
    lines = [",".join(HEADER), *(",".join(row) for row in rows)]
    (sources / "tenancies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"specs": specs, "agreements": agreements, "sources": sources}


ROWS = [
    [" 00123ab ", "Smith", "Anna", "03/04/1988", "12a", "SS14 3AS", "120.50"],
    ["00456", "", "", "", " flat  3 ", "SS13 3LW", "0"],  # known by its reference alone
    ["00789", "Jones", "Ben", "31/02/1990", "7", "SS16 6AP", "15"],  # an impossible birth date
]


def _identifiers(setup: Any) -> list[tuple[Any, ...]]:
    with setup.custodian() as con:
        return con.execute(
            "SELECT reference_number, reference_scope, house_number, surname, dob, event_date "
            "FROM identifiers ORDER BY reference_number"
        ).fetchall()


def test_a_source_without_an_event_date_and_with_references_and_house_numbers_is_ingested(
    setup: Any,
) -> None:
    folders = _folders(setup.root, ROWS)
    result = setup.ingest(**folders)
    (count,) = result.files
    assert (count.rows_in, count.accepted, count.quarantined) == (3, 3, 0)
    assert _identifiers(setup) == [
        ("00123AB", "tenancy", "12A", "SMITH", date(1988, 4, 3), None),
        ("00456", "tenancy", "FLAT 3", None, None, None),
        ("00789", "tenancy", "7", "JONES", None, None),
    ]
    report = json.loads(result.report_json.read_text(encoding="utf-8"))["sources"][0]
    assert report["late_records"]["measured"] is False
    assert {(n["code"], n["field"], n["rows"]) for n in report["nulled_values"]} == {
        ("bad_date", "DOB", 1)
    }


def test_a_shared_reference_carries_the_scope_its_sources_name(setup: Any) -> None:
    folders = _folders(setup.root, ROWS[:1], "    shared: true\n    scope: bbc_person")
    setup.ingest(**folders)
    assert [row[:2] for row in _identifiers(setup)] == [("00123AB", "bbc_person")]


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("    shared: true", "a shared reference needs `scope:`"),
        ("    scope: bbc_person", "`scope:` applies to a shared reference"),
        ("    type: integer", "a reference number must have type string"),
    ],
)
def test_a_reference_specified_wrongly_is_refused_naming_the_problem(
    tmp_path: Path, extra: str, problem: str
) -> None:
    folders = _folders(tmp_path, ROWS, extra)
    with pytest.raises(ConfigError, match=problem) as caught:
        load_specs(folders["specs"])
    assert "tenancy.yaml: columns.TenancyRef" in caught.value.message


def test_a_recorded_date_without_an_event_date_is_refused(tmp_path: Path) -> None:
    folders = _folders(tmp_path, ROWS)
    path = folders["specs"] / "tenancy.yaml"
    path.write_text(
        path.read_text("utf-8").replace("format: csv\n", "format: csv\nrecorded_date: DOB\n"),
        "utf-8",
    )
    with pytest.raises(ConfigError, match="recorded_date: needs an event_date"):
        load_specs(folders["specs"])


def test_a_yaml_mistake_is_reported_with_the_parser_s_reason_line_and_column(
    tmp_path: Path,
) -> None:
    specs = tmp_path / "specs"
    shutil.copytree(shipped_specs_dir(), specs)
    path = specs / "csc.yaml"
    lines = path.read_text("utf-8").splitlines()
    lines[14] = lines[14] + ": oops"  # a second colon on one line
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_specs(specs)
    message = caught.value.message
    assert "csc.yaml: not valid YAML at line 15, column" in message
    assert "mapping values are not allowed in this context" in message


def test_postcodes_not_in_the_lookup_are_counted_and_warned(setup: Any) -> None:
    setup.write()
    lookup = setup.root / "lookup.csv"
    lookup.write_text("postcode,lsoa11cd\nSS14 3AS,E01015900\n", encoding="utf-8")
    result = setup.ingest(postcodes=lookup)
    report = json.loads(result.report_json.read_text(encoding="utf-8"))
    csc = next(s for s in report["sources"] if s["source"] == "csc")
    assert csc["postcode_to_lsoa"]["accepted_with_postcode"] == 3
    assert csc["postcode_to_lsoa"]["matched"] == 2
    (warning,) = [w for w in csc["warnings"] if "postcode lookup" in w]
    assert warning.startswith("1 of 3 valid postcodes in 'POSTCODE' (33.3%)")
    assert "--postcodes" in warning
    page = result.report_html.read_text(encoding="utf-8")
    assert "Postcodes matched to an LSOA: 2 of 3 valid postcodes" in page
