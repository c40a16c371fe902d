"""Malformed extracts: every problem gives a clear error naming file, row and field, and nothing
is lost (rows in = accepted + quarantined)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bakehouse.errors import ExtractError, SchemaError
from bakehouse.ingest.shortfall import SourceShortfall


def _nothing_written(setup: Any) -> None:
    files = {p.name for p in setup.workspace.rglob("*") if p.is_file()}
    assert files <= {"audit.jsonl", ".lock"}


def _count(result: Any, source: str) -> Any:
    return next(c for c in result.files if c.source == source)


def _quarantine(setup: Any, source: str) -> list[tuple[int, list[dict[str, Any]], Any, Any]]:
    with setup.custodian() as con:
        rows = con.execute(
            "SELECT row_number, reasons, record, raw_line FROM quarantine WHERE source = ? "
            "ORDER BY row_number",
            [source],
        ).fetchall()
    return [(int(r[0]), list(r[1]), json.loads(r[2]) if r[2] else None, r[3]) for r in rows]


def _codes(reasons: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    return {(reason["code"], reason["field"]) for reason in reasons}


def _path(setup: Any, name: str) -> Path:
    return Path(setup.sources / name)


# --- refused files ---------------------------------------------------------------------------


def test_a_missing_column_is_refused_naming_it_and_nothing_written(setup: Any) -> None:
    for row in setup.extracts.rows["csc"]:
        row.pop("OUTCOME")
    setup.write()
    with pytest.raises(SchemaError, match="Missing column") as caught:
        setup.ingest()
    assert caught.value.field == "OUTCOME"
    assert caught.value.file is not None and caught.value.file.endswith("csc_referrals.csv")
    _nothing_written(setup)


def test_an_extra_column_is_refused_naming_it_and_nothing_written(setup: Any) -> None:
    for row in setup.extracts.rows["health_visiting"]:
        row["GPPractice"] = "F81001"
    setup.write()
    with pytest.raises(SchemaError, match="not in the 'health_visiting' specification") as caught:
        setup.ingest()
    assert caught.value.field == "GPPractice"
    _nothing_written(setup)


def test_an_empty_file_is_refused_and_nothing_written(setup: Any) -> None:
    setup.write()
    _path(setup, "police_da_incidents.csv").write_bytes(b"")
    with pytest.raises(ExtractError, match="empty") as caught:
        setup.ingest()
    assert caught.value.file is not None and "police_da_incidents.csv" in caught.value.file
    _nothing_written(setup)


def test_a_header_only_file_is_refused_naming_the_source_and_nothing_written(setup: Any) -> None:
    setup.write()
    path = _path(setup, "police_da_incidents.csv")
    path.write_bytes(path.read_bytes().split(b"\r\n")[0] + b"\r\n")
    with pytest.raises(SourceShortfall, match="'police' has no data rows") as caught:
        setup.ingest()
    assert caught.value.file is not None and caught.value.file.endswith("police_da_incidents.csv")
    assert "--accept police" in caught.value.message
    _nothing_written(setup)


def test_a_corrupt_excel_file_is_refused_and_nothing_written(setup: Any) -> None:
    setup.write()
    path = _path(setup, "early_education.xlsx")
    path.write_bytes(path.read_bytes()[:700])
    with pytest.raises(ExtractError, match="Excel file cannot be opened") as caught:
        setup.ingest()
    assert caught.value.file is not None and "early_education.xlsx" in caught.value.file
    _nothing_written(setup)


def test_a_text_file_named_xlsx_is_refused(setup: Any) -> None:
    setup.write()
    _path(setup, "early_education.xlsx").write_text(
        "Child Surname,Child Forename\n", encoding="utf-8"
    )
    with pytest.raises(ExtractError, match="Excel"):
        setup.ingest()
    _nothing_written(setup)


def test_an_excel_file_without_the_agreed_sheet_is_refused(setup: Any) -> None:
    import openpyxl

    setup.write()
    path = _path(setup, "early_education.xlsx")
    book = openpyxl.load_workbook(path)
    book["Headcount"].title = "Sheet1"
    book.save(path)
    with pytest.raises(SchemaError, match="no sheet 'Headcount'"):
        setup.ingest()


def test_a_utf16_file_that_cannot_be_decoded_is_refused(setup: Any) -> None:
    setup.write()
    path = _path(setup, "housing_cases.tsv")
    path.write_bytes(path.read_bytes() + b"\x00\xd8\x41")  # an unpaired surrogate
    with pytest.raises(ExtractError, match="cannot be decoded as utf-16"):
        setup.ingest()
    _nothing_written(setup)


# --- quarantined rows ------------------------------------------------------------------------


def _report(result: Any, source: str) -> dict[str, Any]:
    report = json.loads(result.report_json.read_text(encoding="utf-8"))
    found: dict[str, Any] = next(s for s in report["sources"] if s["source"] == source)
    return found


def _nulled(result: Any, source: str) -> set[tuple[str, str, int]]:
    return {(n["code"], n["field"], n["rows"]) for n in _report(result, source)["nulled_values"]}


def test_a_value_of_the_wrong_type_is_nulled_and_counted_and_its_row_kept(setup: Any) -> None:
    setup.extracts.rows["health_visiting"][1]["ASQ_Communication"] = "forty"
    setup.extracts.rows["benefits"][0]["Dependants"] = "2.5"
    setup.write()
    result = setup.ingest()
    hv = _count(result, "health_visiting")
    assert (hv.rows_in, hv.accepted, hv.quarantined) == (4, 4, 0)
    assert _nulled(result, "health_visiting") == {("wrong_type", "ASQ_Communication", 1)}
    assert _nulled(result, "benefits") == {("wrong_type", "Dependants", 1)}
    with setup.analysis() as con:
        scores = con.execute(
            "SELECT asq_communication FROM health_visiting ORDER BY contact_date"
        ).fetchall()
    assert None in [score for (score,) in scores] and "forty" not in json.dumps(scores)


def test_a_wrong_value_in_a_required_field_quarantines_the_row_naming_field_and_row(
    setup: Any,
) -> None:
    setup.extracts.rows["health_visiting"][2]["ContactType"] = "3Y"
    setup.extracts.rows["benefits"][1]["ClaimType"] = "UC"
    setup.write()
    result = setup.ingest()
    hv = _count(result, "health_visiting")
    assert (hv.rows_in, hv.accepted, hv.quarantined) == (4, 3, 1)
    row, reasons, record, _ = _quarantine(setup, "health_visiting")[0]
    assert row == 3 and _codes(reasons) == {("unknown_value", "ContactType")}
    assert record["ContactType"] == "3Y"  # kept as received, in the custodian zone
    assert "3Y" not in json.dumps(reasons)
    assert _codes(_quarantine(setup, "benefits")[0][1]) == {("unknown_value", "ClaimType")}


def test_bad_dates_quarantine_when_required_and_are_nulled_otherwise(setup: Any) -> None:
    rows = setup.extracts.rows["csc"]
    rows[0]["DOB"] = "31/02/2019"  # no such day; the date of birth is required in csc
    rows[1]["DOB"] = "12/25/2019"  # day and month swapped into an impossible month
    rows[2]["EPISODE_END"] = "01/01/2019"  # before the episode started; not required
    police = setup.extracts.rows["police"]
    police[0]["DOB"] = "31-Feb-1990"  # not required in police: the person can still be linked
    setup.write()
    result = setup.ingest()
    csc = _count(result, "csc")
    assert (csc.accepted, csc.quarantined) == (1, 2)
    found = _quarantine(setup, "csc")
    assert _codes(found[0][1]) == {("bad_date", "DOB")}
    assert found[0][1][0]["detail"] == "expected %d/%m/%Y"
    assert _codes(found[1][1]) == {("bad_date", "DOB")}
    assert _nulled(result, "csc") == {("impossible_value", "EPISODE_END", 1)}
    assert _count(result, "police").quarantined == 0
    assert _nulled(result, "police") == {("bad_date", "DOB", 1)}
    with setup.custodian() as con:
        kept = con.execute(
            "SELECT surname, dob FROM identifiers WHERE source = 'police' AND forename = 'SARAH'"
        ).fetchall()
    assert kept == [("OCONNOR", None)]


def test_an_out_of_range_value_is_nulled_when_its_field_is_not_required(
    setup: Any,
) -> None:
    hv = setup.extracts.rows["health_visiting"]
    hv[1]["ASQ_GrossMotor"] = "75"
    setup.write()
    result = setup.ingest()
    assert _count(result, "health_visiting").quarantined == 0
    nulled = _nulled(result, "health_visiting")
    assert ("impossible_value", "ASQ_GrossMotor", 1) in nulled


def test_dates_after_the_extract_was_taken_are_counted_never_kept(setup: Any) -> None:
    csc = setup.extracts.rows["csc"]
    csc[0]["RECORDED_DATE"] = "02/03/2029"  # a recorded date years ahead: not required
    csc[2]["EPISODE_START"] = "23/11/2031"
    csc[1]["DOB"] = "01/01/2030"  # required: the row is quarantined
    setup.write()
    result = setup.ingest()
    assert (_count(result, "csc").accepted, _count(result, "csc").quarantined) == (2, 1)
    assert _codes(_quarantine(setup, "csc")[0][1]) == {("future_date", "DOB")}
    assert _nulled(result, "csc") == {
        ("future_date", "RECORDED_DATE", 1),
        ("future_date", "EPISODE_START", 1),
        ("impossible_value", "EPISODE_END", 1),  # now before the (wrong) start
    }
    with setup.analysis() as con:
        latest = con.execute("SELECT max(recorded_date), max(episode_start) FROM csc").fetchone()
    assert latest is not None and all(day is None or day.year < 2027 for day in latest)


def test_the_extract_date_given_sets_what_counts_as_the_future(setup: Any) -> None:
    setup.extracts.rows["csc"][0]["RECORDED_DATE"] = "02/03/2026"
    setup.write()
    result = setup.ingest(as_at=date(2025, 9, 30))
    assert ("future_date", "RECORDED_DATE", 1) in _nulled(result, "csc")


def test_missing_required_fields_are_quarantined(setup: Any) -> None:
    setup.extracts.rows["csc"][1]["REFERRAL_DATE"] = ""
    setup.extracts.rows["csc"][2]["SURNAME"] = "  "
    setup.write()
    setup.ingest()
    found = _quarantine(setup, "csc")
    assert [r[0] for r in found] == [2, 3]
    assert ("missing_required", "REFERRAL_DATE") in _codes(found[0][1])
    assert _codes(found[1][1]) == {("missing_required", "SURNAME")}


def test_events_outside_the_agreed_period_or_in_the_future_are_quarantined(setup: Any) -> None:
    setup.extracts.rows["police"][0]["IncidentDateTime"] = "02-Mar-2009 22:15"
    setup.extracts.rows["police"][2]["IncidentDateTime"] = "14-Jun-2027 01:40"
    setup.write()
    result = setup.ingest()
    assert _count(result, "police").quarantined == 2
    assert all(
        _codes(r[1]) == {("out_of_period", "IncidentDateTime")}
        for r in _quarantine(setup, "police")
    )


def test_duplicate_rows_are_quarantined_pointing_at_the_first(setup: Any) -> None:
    rows = setup.extracts.rows["education"]
    rows.insert(3, dict(rows[0]))
    rows.append(dict(rows[0]))
    setup.write()
    result = setup.ingest()
    education = _count(result, "education")
    assert (education.rows_in, education.accepted, education.quarantined) == (7, 5, 2)
    found = _quarantine(setup, "education")
    assert [r[0] for r in found] == [4, 7]
    assert all(
        r[1] == [{"code": "duplicate", "field": None, "detail": "same as row 1"}] for r in found
    )


def test_a_row_in_another_encoding_is_quarantined_and_the_rest_accepted(
    setup: Any, cast: Any
) -> None:
    # csc is UTF-8: one row arrives in Windows-1252 (Zoë's ë as the single byte 0xEB).
    setup.extracts.rows["csc"][1]["FORENAME"] = cast.zoe.forename
    setup.write()
    path = _path(setup, "csc_referrals.csv")
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = lines[2].decode("utf-8").encode("cp1252")
    path.write_bytes(b"\r\n".join(lines))
    # education is Windows-1252: one row arrives in UTF-8.
    setup.write(only=["education"])
    school = _path(setup, "school_census.csv")
    lines = school.read_bytes().split(b"\r\n")
    zoe_row = next(i for i, line in enumerate(lines) if b"Smith-Jones" in line)
    lines[zoe_row] = lines[zoe_row].decode("cp1252").encode("utf-8")
    school.write_bytes(b"\r\n".join(lines))
    result = setup.ingest()
    assert (_count(result, "csc").accepted, _count(result, "csc").quarantined) == (2, 1)
    row, reasons, record, raw = _quarantine(setup, "csc")[0]
    assert row == 2 and reasons[0]["code"] == "malformed_row"
    assert "not valid utf-8" in reasons[0]["detail"] and record is None
    assert "\\xeb" in raw  # the bytes are kept, escaped, not lost
    school_found = _quarantine(setup, "education")
    assert [r[0] for r in school_found] == [zoe_row]
    assert "looks like UTF-8" in school_found[0][1][0]["detail"]


def test_a_truncated_file_quarantines_its_cut_row_and_warns(setup: Any) -> None:
    setup.write()
    path = _path(setup, "csc_referrals.csv")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 60])
    result = setup.ingest()
    csc = _count(result, "csc")
    assert (csc.rows_in, csc.accepted, csc.quarantined) == (3, 2, 1)
    row, reasons, _, raw = _quarantine(setup, "csc")[0]
    assert row == 3 and "wrong number of fields" in reasons[0]["detail"]
    assert raw.startswith("C000233")
    report = json.loads(result.report_json.read_text(encoding="utf-8"))
    warnings = next(s for s in report["sources"] if s["source"] == "csc")["warnings"]
    assert warnings and "may be truncated" in warnings[0]


def test_a_file_cut_inside_a_quoted_value_loses_nothing(setup: Any) -> None:
    setup.extracts.rows["police"][2]["Address"] = '7 Oak Way, "The Gables", Pitsea SS13 3LW'
    setup.write()
    path = _path(setup, "police_da_incidents.csv")
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"The Gables")])
    result = setup.ingest()
    police = _count(result, "police")
    assert (police.rows_in, police.accepted, police.quarantined) == (3, 2, 1)


def test_a_blank_line_in_the_middle_is_counted_and_quarantined(setup: Any) -> None:
    setup.write()
    path = _path(setup, "csc_referrals.csv")
    lines = path.read_bytes().split(b"\r\n")
    lines.insert(2, b"")
    path.write_bytes(b"\r\n".join(lines))
    result = setup.ingest()
    csc = _count(result, "csc")
    assert (csc.rows_in, csc.accepted, csc.quarantined) == (4, 3, 1)
    assert _quarantine(setup, "csc")[0][1][0]["detail"] == "blank row"


def test_quarantined_rows_never_reach_the_analysis_zone(setup: Any, cast: Any) -> None:
    setup.extracts.rows["benefits"][1]["ClaimType"] = "UC"
    setup.write()
    setup.ingest()
    with setup.analysis() as con:
        claims = con.execute("SELECT claim_type FROM benefits").fetchall()
    assert claims == [("HB",)]
    with setup.custodian() as con:
        held = con.execute("SELECT surname FROM quarantine_identifiers ORDER BY 1").fetchall()
    assert held == [("BROWN",), ("DUBOIS",)]


def test_a_stray_quote_that_swallows_the_next_row_is_quarantined_naming_the_row(
    setup: Any, cast: Any
) -> None:
    setup.write()
    path = _path(setup, "health_visiting.psv")
    lines = path.read_bytes().split(b"\r\n")
    # A quote opens the second row's forename and one closes the third row's: the two rows read
    # as one record with the right number of fields, every field after the quote shifted.
    lines[2] = lines[2].replace(b"|Amelia|", b'|"Amelia|', 1)
    lines[3] = lines[3].replace("|Zoë|".encode(), '|Zoë"|'.encode(), 1)
    path.write_bytes(b"\r\n".join(lines))
    result = setup.ingest()
    hv = _count(result, "health_visiting")
    assert (hv.rows_in, hv.accepted, hv.quarantined) == (3, 2, 1)
    row, reasons, record, raw = _quarantine(setup, "health_visiting")[0]
    assert row == 2 and reasons[0]["code"] == "malformed_row"
    assert "runs over 2 lines" in reasons[0]["detail"] and record is None
    assert cast.zoe.surname in raw  # the swallowed row is kept as received, not lost


def test_text_after_a_closing_quote_is_quarantined_not_joined_to_the_value(setup: Any) -> None:
    setup.write()
    path = _path(setup, "csc_referrals.csv")
    lines = path.read_bytes().split(b"\r\n")
    lines[1] = lines[1].replace(b"WBRI", b'"WB"RI', 1)
    path.write_bytes(b"\r\n".join(lines))
    result = setup.ingest()
    assert (_count(result, "csc").accepted, _count(result, "csc").quarantined) == (2, 1)
    row, reasons, _, raw = _quarantine(setup, "csc")[0]
    assert row == 1 and reasons[0]["code"] == "malformed_row"
    assert '"WB"RI' in raw
