"""People's rights through the custodian zone: objection, access, erasure."""

from __future__ import annotations

import json
import re
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.custody import (
    AuditLog,
    PersonQuery,
    Registers,
    Workspace,
    add_optout,
    erase,
    load_key,
    remove_optout,
    subject_access,
)
from bakehouse.custody.requests import load_request
from bakehouse.errors import CustodyError


def _everywhere(setup: Any, person: Any) -> list[str]:
    """Every place in either zone where the person's name, NHS number or postcode-and-name
    appear: custodian tables by standardised or raw value, analysis tables by token."""
    found = []
    surname = person.surname.upper().replace("'", "").replace("-", " ")
    with setup.custodian() as con:
        for table in ("identifiers", "quarantine_identifiers"):
            hits = con.execute(
                f"SELECT count(*) FROM {table} WHERE (surname = ? AND forename LIKE ?) "
                "OR nhs_number = ? OR raw::VARCHAR LIKE ?",
                [surname, person.forename.upper()[:3] + "%", person.nhs, f"%{person.forename}%"],
            ).fetchone()
            if hits and hits[0]:
                found.append(table)
        hits = con.execute(
            "SELECT count(*) FROM quarantine WHERE record::VARCHAR LIKE ? OR raw_line LIKE ?",
            [f"%{person.forename}%", f"%{person.forename}%"],
        ).fetchone()
        if hits and hits[0]:
            found.append("quarantine")
    return found


def _tokens_of(setup: Any, person: Any) -> set[str]:
    surname = person.surname.upper().replace("'", "").replace("-", " ")
    with setup.custodian() as con:
        rows = con.execute(
            "SELECT token FROM identifiers WHERE surname = ? AND dob = ?", [surname, person.dob]
        ).fetchall()
    return {str(row[0]) for row in rows}


def _analysis_tokens(setup: Any) -> set[str]:
    tokens: set[str] = set()
    with setup.analysis() as con:
        for source in setup.extracts.rows:
            tokens |= {str(r[0]) for r in con.execute(f'SELECT token FROM "{source}"').fetchall()}
    return tokens


def _query(person: Any) -> PersonQuery:
    return PersonQuery(forename=person.forename, surname=person.surname, dob=person.dob)


def test_an_opted_out_person_appears_nowhere_downstream(setup: Any, cast: Any) -> None:
    setup.write()
    setup.ingest()
    workspace = Workspace(setup.workspace)
    key = load_key(setup.key_file)
    oliver_tokens = _tokens_of(setup, cast.oliver)
    assert len(oliver_tokens) == 4 and oliver_tokens <= _analysis_tokens(setup)
    add_optout(
        workspace, key, PersonQuery(nhs_number=cast.oliver.nhs), "OBJ-2026-001", "Art. 21 objection"
    )
    # At once: gone from both zones.
    assert _everywhere(setup, cast.oliver) == []
    assert not oliver_tokens & _analysis_tokens(setup)
    # And at every later run, including a forced rebuild from the same extracts.
    result = setup.ingest(force=True)
    assert _everywhere(setup, cast.oliver) == []
    assert not oliver_tokens & _analysis_tokens(setup)
    withheld = {c.source: c.withheld_optout for c in result.files if c.withheld_optout}
    # The NHS number finds his social care and health records; their name and date of birth
    # find his school records, which carry no NHS number.
    assert withheld == {"csc": 1, "health_visiting": 1, "education": 2}
    assert all(c.reconciled for c in result.files)
    assert _everywhere(setup, cast.mark) != []  # nobody else is touched, not even his father


def test_an_opt_out_by_name_and_date_of_birth_reaches_every_source(setup: Any, cast: Any) -> None:
    setup.write()
    setup.ingest()
    add_optout(
        Workspace(setup.workspace),
        load_key(setup.key_file),
        _query(cast.sarah),
        "OBJ-2026-002",
        "Art. 21 objection",
    )
    result = setup.ingest()
    withheld = {c.source: c.withheld_optout for c in result.files if c.withheld_optout}
    assert withheld == {"police": 1, "housing": 1, "benefits": 1}
    assert _everywhere(setup, cast.sarah) == []
    entries = Registers(setup.workspace / "registers.json").load()
    text = (setup.workspace / "registers.json").read_text(encoding="utf-8")
    assert entries[0].kind == "optout"
    # Neither her name nor any part of her date of birth is kept in the register: the year is
    # looked for as a token of its own, since the register's hexadecimal ids may hold its digits.
    assert "sarah" not in text.lower() and "connor" not in text.lower()
    assert not re.search(r"(?<![0-9a-f])1990(?![0-9a-f])", text)
    assert cast.sarah.dob.isoformat() not in text


def test_withdrawing_an_opt_out_restores_the_records_at_the_next_run(setup: Any, cast: Any) -> None:
    setup.write()
    setup.ingest()
    workspace = Workspace(setup.workspace)
    added = add_optout(
        workspace, load_key(setup.key_file), _query(cast.sarah), "OBJ-3", "Art. 21 objection"
    )
    remove_optout(workspace, added.entry.id, "objection withdrawn in writing")
    result = setup.ingest()
    assert sum(c.withheld_optout for c in result.files) == 0
    assert _everywhere(setup, cast.sarah) != []


def test_a_subject_access_request_exports_everything_held_across_sources(
    setup: Any, cast: Any, tmp_path_factory: Any
) -> None:
    setup.extracts.rows["education"][2]["CensusDate"] = "2024-13-18"  # one quarantined row
    setup.write()
    setup.ingest()
    out = tmp_path_factory.mktemp("sar") / "SAR-2026-014.json"
    result = subject_access(
        Workspace(setup.workspace),
        load_key(setup.key_file),
        _query(cast.amelia),
        "SAR-2026-014",
        out,
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert result.sources == {"csc": 2, "early_education": 2, "education": 2, "health_visiting": 2}
    document = json.loads(out.read_text(encoding="utf-8"))
    held = {s["source"]: s for s in document["sources"]}
    hv = held["health_visiting"]
    assert hv["held_under"]["agreement_id"] == "DSA-NHS-HV-2026"
    assert {r["attributes"]["contact_type"] for r in hv["records"]} == {"NBV", "2-2.5Y"}
    assert hv["records"][0]["identifiers"][0]["as_received"]["NHSNumber"] == cast.amelia.nhs
    statuses = {r["status"] for r in held["education"]["records"]}
    assert statuses == {"accepted", "quarantined"}
    quarantined = next(r for r in held["education"]["records"] if r["status"] == "quarantined")
    assert quarantined["quarantined_as_received"]["CensusDate"] == "2024-13-18"
    entry = list(AuditLog(setup.workspace / "audit.jsonl").entries())[-1]
    assert entry["action"] == "custodian.sar" and entry["counts"]["records"] == 8
    assert "Amelia" not in json.dumps(entry)


def test_a_subject_access_export_is_refused_inside_the_repository(setup: Any, cast: Any) -> None:
    setup.write()
    setup.ingest()
    inside = Path(__file__).resolve().parent / "sar.json"
    with pytest.raises(CustodyError, match="git work tree"):
        subject_access(
            Workspace(setup.workspace),
            load_key(setup.key_file),
            _query(cast.amelia),
            "SAR-1",
            inside,
        )
    assert not inside.exists()


def test_a_request_with_too_little_to_identify_anyone_is_refused(setup: Any) -> None:
    setup.write()
    setup.ingest()
    with pytest.raises(CustodyError, match="Not enough to identify"):
        subject_access(
            Workspace(setup.workspace),
            load_key(setup.key_file),
            PersonQuery(surname="Brown"),
            "SAR-2",
            setup.root / "x.json",
        )


def test_an_invalid_nhs_number_is_refused_without_echoing_it(setup: Any) -> None:
    setup.write()
    setup.ingest()
    with pytest.raises(CustodyError) as caught:
        subject_access(
            Workspace(setup.workspace),
            load_key(setup.key_file),
            PersonQuery(nhs_number="9434765918"),
            "SAR-3",
            setup.root / "x.json",
        )
    assert caught.value.field == "nhs_number" and "9434765918" not in caught.value.message


def test_erasure_removes_records_where_the_agreement_allows_and_keeps_the_rest(
    setup: Any, cast: Any
) -> None:
    setup.write()
    setup.ingest()
    result = erase(
        Workspace(setup.workspace),
        load_key(setup.key_file),
        _query(cast.mark),
        "ERA-2026-003",
        "Art. 17(1)(c) after objection",
    )
    assert result.erased == {"benefits": 1}
    assert result.retained == {"police": 1}  # Essex Police decides erasure itself
    with setup.custodian() as con:
        sources = {
            r[0]
            for r in con.execute(
                "SELECT source FROM identifiers WHERE surname = 'BROWN' AND forename = 'MARK'"
            ).fetchall()
        }
        reconciliation = con.execute(
            "SELECT rows_in, accepted, withheld_erasure FROM reconciliation "
            "WHERE source = 'benefits'"
        ).fetchone()
    assert sources == {"police"}
    assert reconciliation == (2, 1, 1)
    with setup.analysis() as con:
        assert con.execute("SELECT claim_type FROM benefits").fetchall() == [("HB",)]
    # Later runs withhold the erased records too.
    rerun = setup.ingest()
    benefits = next(c for c in rerun.files if c.source == "benefits")
    assert (benefits.accepted, benefits.withheld_erasure) == (1, 1)
    police = next(c for c in rerun.files if c.source == "police")
    assert police.withheld_erasure == 0


def test_erasure_by_nhs_number_reaches_records_that_carry_only_name_and_date_of_birth(
    setup: Any, cast: Any
) -> None:
    setup.write()
    setup.ingest()
    result = erase(
        Workspace(setup.workspace),
        load_key(setup.key_file),
        PersonQuery(nhs_number=cast.amelia.nhs),
        "ERA-2026-004",
        "Art. 17(1)(c) after objection",
    )
    assert result.erased == {"csc": 2, "early_education": 2, "education": 2, "health_visiting": 2}
    assert (result.exact_match, result.through_linkage) == (8, 0)
    with setup.custodian() as con:
        left = con.execute(
            "SELECT source FROM identifiers WHERE forename = 'AMELIA' OR nhs_number = ?",
            [cast.amelia.nhs],
        ).fetchall()
    assert left == [("police",)]  # no date of birth: only linkage could join it, and none ran
    entry = list(AuditLog(setup.workspace / "audit.jsonl").entries())[-1]
    assert entry["counts"]["exact_match"] == 8 and entry["counts"]["through_linkage"] == 0


def test_erased_identifiers_are_not_left_in_the_bytes_of_the_zone_files(
    setup: Any, cast: Any
) -> None:
    setup.write()
    setup.ingest()
    files = [setup.workspace / "custodian.duckdb", setup.workspace / "analysis.duckdb"]
    assert any(cast.amelia.nhs.encode() in path.read_bytes() for path in files)
    modes = [stat.S_IMODE(path.stat().st_mode) for path in files]
    erase(
        Workspace(setup.workspace),
        load_key(setup.key_file),
        PersonQuery(nhs_number=cast.amelia.nhs),
        "ERA-2026-005",
        "Art. 17(1)(c) after objection",
    )
    for path in files:
        data = path.read_bytes()
        assert cast.amelia.nhs.encode() not in data and cast.amelia.upn.encode() not in data
    assert not list(setup.workspace.glob("*.fresh"))
    assert [stat.S_IMODE(path.stat().st_mode) for path in files] == modes


def _request(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_request_file_gives_the_reference_basis_and_person(tmp_path: Path) -> None:
    path = _request(
        tmp_path,
        "erasure.yaml",
        'reference: ERA-7\nbasis: Art. 17(1)(c)\nperson:\n  nhs_number: "9434765919"\n'
        "  forename: Amelia\n  surname: O'Connor\n  dob: 2019-04-12\n",
    )
    request = load_request(path, basis_required=True)
    assert request.reference == "ERA-7" and request.basis == "Art. 17(1)(c)"
    assert request.person.dob == date(2019, 4, 12) and request.person.nhs_number == "9434765919"


def test_every_problem_in_a_request_file_is_reported_by_field_without_its_value(
    tmp_path: Path,
) -> None:
    path = _request(
        tmp_path,
        "erasure.json",
        json.dumps(
            {"person": {"nhs_number": 9434765919, "dob": "12/04/2019", "postcode": "SS14 3AS"}}
        ),
    )
    with pytest.raises(CustodyError) as caught:
        load_request(path, basis_required=True)
    message = caught.value.message
    assert caught.value.file == str(path)
    for field in ("reference", "person.nhs_number", "person.dob", "person.postcode"):
        assert field in message
    assert "9434765919" not in message and "SS14" not in message and "12/04" not in message


def test_an_erasure_request_without_a_basis_or_enough_to_identify_anyone_is_refused(
    tmp_path: Path,
) -> None:
    path = _request(tmp_path, "erasure.yaml", "reference: ERA-8\nperson:\n  surname: Brown\n")
    with pytest.raises(CustodyError) as caught:
        load_request(path, basis_required=True)
    assert "basis" in caught.value.message and "Not enough to identify" in caught.value.message


def test_a_request_file_of_another_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CustodyError, match="YAML"):
        load_request(_request(tmp_path, "erasure.txt", "reference: ERA-9\n"))


def test_erasure_from_the_command_line_takes_a_request_file_and_no_identifier_options(
    setup: Any, cast: Any, tmp_path_factory: Any
) -> None:
    setup.write()
    setup.ingest()
    common = ["--workspace", str(setup.workspace), "--key-file", str(setup.key_file)]
    refused = CliRunner().invoke(
        app, ["custodian", "erase", "--nhs-number", cast.amelia.nhs, *common]
    )
    assert refused.exit_code == 2 and "No such option" in refused.output
    request = _request(
        tmp_path_factory.mktemp("requests"),
        "erasure.yaml",
        f"reference: ERA-10\nbasis: Art. 17(1)(c)\nperson:\n  nino: {cast.mark.nino}\n",
    )
    result = CliRunner().invoke(app, ["custodian", "erase", "--request", str(request), *common])
    assert result.exit_code == 0, result.output
    assert "'benefits': 1" in result.output and "'police': 1" in result.output
    assert cast.mark.nino not in result.output
