"""Ingesting the seven sources: reconciliation, the split into zones, reports, reruns."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb

from bakehouse.custody import AuditLog


def _identifier_strings(person_list: list[Any]) -> dict[str, set[str]]:
    """Every form in which the extracts carry each kind of identifier."""
    found: dict[str, set[str]] = {
        "name": set(),
        "dob": set(),
        "number": set(),
        "postcode": set(),
        "address": set(),
    }
    for person in person_list:
        for name in (person.forename, person.surname):
            found["name"] |= {name, name.upper(), name.upper().replace("'", "")}
        dob = person.dob
        found["dob"] |= {
            dob.isoformat(),
            dob.strftime("%d/%m/%Y"),
            dob.strftime("%Y%m%d"),
            dob.strftime("%d.%m.%Y"),
            dob.strftime("%m/%d/%Y"),
            dob.strftime("%d-%b-%Y"),
        }
        found["number"] |= {n for n in (person.nhs, person.upn, person.nino) if n}
        found["postcode"] |= {person.postcode, person.postcode.replace(" ", "")}
        found["address"].add(person.address.split(",")[0].upper())
    return found


def test_all_seven_sources_are_ingested_and_reconcile_exactly(setup: Any, cast: Any) -> None:
    setup.write()
    result = setup.ingest()
    assert {count.source for count in result.files} == set(cast.sources)
    for count in result.files:
        assert count.rows_in == len(setup.extracts.rows[count.source])
        assert count.rows_in == count.accepted + count.quarantined
        assert count.reconciled
    with setup.analysis() as con:
        for source, rows in setup.extracts.rows.items():
            held = con.execute(f'SELECT count(*) FROM "{source}"').fetchone()
            assert held is not None and held[0] == len(rows)


def test_analysis_zone_holds_no_identifier_present_in_the_extracts(setup: Any, cast: Any) -> None:
    setup.write()
    setup.ingest()
    forms = _identifier_strings(cast.everyone)
    with setup.analysis() as con:
        tables = [
            row[0]
            for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        ]
        for table in tables:
            columns = [
                row[0]
                for row in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                    [table],
                ).fetchall()
            ]
            for column in columns:
                values = {
                    str(v[0])
                    for v in con.execute(
                        f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{table}"'
                    ).fetchall()
                    if v[0] is not None
                }
                upper = {value.upper() for value in values}
                for kind in ("name", "number", "postcode"):
                    assert not (upper & {f.upper() for f in forms[kind]}), (table, column, kind)
                for value in upper:
                    for code in forms["postcode"] | forms["number"] | forms["address"]:
                        assert code.upper() not in value, (table, column)
    # Dates of birth: no column of a record may equal that record's own date of birth.
    with setup.custodian() as custodian:
        dobs = dict(
            custodian.execute(
                "SELECT token, CAST(dob AS VARCHAR) FROM identifiers WHERE dob IS NOT NULL"
            ).fetchall()
        )
    with setup.analysis() as con:
        for source in cast.sources:
            cursor = con.execute(f'SELECT * FROM "{source}"')
            names = [d[0] for d in cursor.description or []]
            for row in cursor.fetchall():
                record = dict(zip(names, row, strict=True))
                own = dobs.get(record["token"])
                if own is None:
                    continue
                for column, value in record.items():
                    assert str(value)[:10] != own, (source, column)


def test_analysis_zone_gets_month_and_year_of_birth_only_where_released(
    setup: Any, cast: Any
) -> None:
    setup.write()
    setup.ingest()
    with setup.analysis() as con:
        hv = con.execute(
            "SELECT birth_year, birth_month FROM health_visiting ORDER BY contact_date"
        ).fetchall()
        assert hv[0] == (cast.amelia.dob.year, cast.amelia.dob.month)
        police = [
            row[0]
            for row in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'police'"
            ).fetchall()
        ]
        assert "birth_year" not in police
        assert {"token", "incident_key", "lsoa11cd"} <= set(police)


def test_custodian_zone_holds_standardised_identifiers_ready_for_linkage(
    setup: Any, cast: Any
) -> None:
    setup.write()
    setup.ingest()
    with setup.custodian() as con:
        rows = con.execute(
            "SELECT source, person_role, forename, surname, dob, sex, nhs_number, upn, nino, "
            "postcode, lsoa11cd FROM identifiers ORDER BY source, person_role"
        ).fetchall()
    by_source: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        by_source.setdefault(str(row[0]), []).append(row)
    hv = by_source["health_visiting"][0]
    assert hv[2:10] == (
        "AMELIA",
        "OCONNOR",
        cast.amelia.dob,
        "F",
        cast.amelia.nhs,
        None,
        None,
        "SS14 3AS",
    )
    assert hv[10] == "E01021260"
    assert any(row[2:4] == ("ZOE", "SMITH JONES") for row in by_source["education"])
    benefits = by_source["benefits"]
    roles = sorted((str(row[1]), str(row[3])) for row in benefits)
    assert roles == [("claimant", "BROWN"), ("claimant", "OCONNOR"), ("partner", "DUBOIS")]
    housing = by_source["housing"][0]
    assert housing[2:5] == ("SARAH", "OCONNOR", cast.sarah.dob)
    police = {str(row[3]): row for row in by_source["police"]}
    assert police["BROWN"][9] == cast.mark.postcode and police["OCONNOR"][4] in (
        cast.sarah.dob,
        None,
    )
    assert cast.chloe.dob in {row[4] for row in benefits}


def test_tokens_join_the_zones_one_to_one(setup: Any, cast: Any) -> None:
    setup.write()
    setup.ingest()
    with setup.custodian() as con:
        con.execute(f"ATTACH '{setup.workspace / 'analysis.duckdb'}' AS a (READ_ONLY)")
        for source in cast.sources:
            missing = con.execute(
                f'SELECT count(*) FROM records r ANTI JOIN a."{source}" t USING (token) '
                "WHERE r.source = ? AND r.status = 'accepted'",
                [source],
            ).fetchone()
            assert missing == (0,)
        distinct = con.execute("SELECT count(DISTINCT token) = count(*) FROM records").fetchone()
        assert distinct == (True,)


def test_quality_report_is_written_as_html_and_json_without_identifiers(
    setup: Any, cast: Any
) -> None:
    setup.extracts.rows["csc"].append(dict(setup.extracts.rows["csc"][0]))  # a duplicate
    setup.write()
    result = setup.ingest()
    document = json.loads(result.report_json.read_text(encoding="utf-8"))
    assert document["reconciled"] is True
    csc = next(s for s in document["sources"] if s["source"] == "csc")
    assert csc["duplicates"] == 1
    fields = {f["field"]: f for f in csc["fields"]}
    assert fields["NHS_NUMBER"]["completeness"] == 1.0
    assert fields["NHS_NUMBER"]["validity"] == 1.0
    assert csc["late_records"] == {
        "measured": True,
        "after_days": 90,
        "rows": 0,
        "share_of_accepted": 0.0,
    }
    assert csc["postcode_to_lsoa"]["share"] == 1.0
    page = result.report_html.read_text(encoding="utf-8")
    assert "<caption>Reconciliation per file</caption>" in page
    for text in (page, result.report_json.read_text(encoding="utf-8")):
        for person in cast.everyone:
            assert person.surname not in text and person.postcode not in text


def test_late_records_are_counted_in_the_quality_report(setup: Any, cast: Any) -> None:
    setup.extracts.rows["csc"][2]["RECORDED_DATE"] = "01/06/2021"  # 190 days after referral
    setup.write()
    document = json.loads(setup.ingest().report_json.read_text(encoding="utf-8"))
    csc = next(s for s in document["sources"] if s["source"] == "csc")
    assert csc["late_records"]["rows"] == 1


def test_rerun_on_the_same_inputs_changes_nothing(setup: Any, cast: Any) -> None:
    setup.write()
    first = setup.ingest()
    before = setup.snapshot()
    second = setup.ingest()
    assert second.unchanged and second.run_id == first.run_id
    assert setup.snapshot() == before
    actions = [
        (e["action"], e["outcome"]) for e in AuditLog(setup.workspace / "audit.jsonl").entries()
    ]
    assert actions[-1] == ("ingest.run", "unchanged")


def test_a_forced_rebuild_gives_the_same_tables(setup: Any, cast: Any) -> None:
    setup.write()
    setup.ingest()

    def contents() -> dict[str, list[tuple[object, ...]]]:
        found = {}
        for path, tables in (
            ("custodian.duckdb", ["identifiers", "records", "quarantine"]),
            ("analysis.duckdb", list(cast.sources)),
        ):
            with duckdb.connect(str(setup.workspace / path), read_only=True) as con:
                for table in tables:
                    found[f"{path}:{table}"] = con.execute(f'SELECT * FROM "{table}"').fetchall()
        return found

    before = contents()
    result = setup.ingest(force=True)
    assert not result.unchanged
    assert contents() == before


def test_a_changed_extract_is_ingested_again(setup: Any, cast: Any) -> None:
    setup.write()
    first = setup.ingest()
    setup.extracts.rows["police"].pop()
    setup.write()
    second = setup.ingest()
    assert second.run_id != first.run_id
    police = next(c for c in second.files if c.source == "police")
    assert police.rows_in == 2


def test_only_named_sources_are_ingested_when_asked(setup: Any, cast: Any) -> None:
    setup.write()
    result = setup.ingest(only=("csc", "police"))
    assert {count.source for count in result.files} == {"csc", "police"}


def test_a_world_folder_is_read_from_its_extracts_subfolder_only(setup: Any, cast: Any) -> None:
    setup.extracts.write(setup.root / "world" / "extracts")
    truth = setup.root / "world" / "truth"
    truth.mkdir()
    (truth / "people.parquet").write_bytes(b"never read")
    result = setup.ingest(sources=setup.root / "world")
    assert len(result.files) == 7


def test_a_partnership_postcode_lookup_can_replace_the_shipped_one(setup: Any, cast: Any) -> None:
    setup.write()
    lookup = setup.root / "lookup.csv"
    lookup.write_text("postcode,lsoa11cd\nSS14 3AS,E0TEST001\n", encoding="utf-8")
    setup.ingest(postcodes=lookup)
    with setup.analysis() as con:
        areas = {row[0] for row in con.execute("SELECT lsoa11cd FROM csc").fetchall()}
    assert areas == {"E0TEST001", None}


def test_excel_dates_typed_as_text_are_read_with_the_fallback_format(setup: Any, cast: Any) -> None:
    setup.extracts.rows["early_education"][0]["Date of Birth"] = "12/04/2019"
    setup.write()
    result = setup.ingest()
    early = next(c for c in result.files if c.source == "early_education")
    assert early.quarantined == 0
    with setup.analysis() as con:
        months = con.execute("SELECT birth_year, birth_month FROM early_education").fetchall()
    assert (2019, 4) in months and (cast.zoe.dob.year, cast.zoe.dob.month) in months


def test_event_dates_stay_in_the_analysis_zone(setup: Any, cast: Any) -> None:
    setup.write()
    setup.ingest()
    with setup.analysis() as con:
        referrals = [
            row[0]
            for row in con.execute(
                "SELECT referral_date FROM csc ORDER BY referral_date"
            ).fetchall()
        ]
    assert referrals[0] == date(2020, 11, 23)


def test_a_parquet_source_is_read_like_any_other(setup: Any, cast: Any) -> None:
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    from bakehouse.ingest.spec import shipped_specs_dir

    specs = setup.root / "specs"
    shutil.copytree(shipped_specs_dir(), specs)
    police = yaml.safe_load((specs / "police.yaml").read_text(encoding="utf-8"))
    police.update(file="police_da_incidents*.parquet", format="parquet")
    (specs / "police.yaml").write_text(yaml.safe_dump(police, sort_keys=False), encoding="utf-8")
    setup.write(only=[s for s in cast.sources if s != "police"])
    rows = setup.extracts.rows["police"]
    table = pa.table({name: [row[name] for row in rows] for name in rows[0]})
    pq.write_table(table, setup.sources / "police_da_incidents.parquet")
    result = setup.ingest(specs=specs)
    police_count = next(c for c in result.files if c.source == "police")
    assert (police_count.rows_in, police_count.accepted) == (3, 3)
    with setup.analysis() as con:
        roles = {r[0] for r in con.execute("SELECT role FROM police").fetchall()}
    assert roles == {"Victim", "Child Present", "Suspect"}
