"""The council tax extract: two liable people on a row, names and address only (no date of
birth, no national number), shared for the homelessness purpose alone.

The hand-made file: Sarah's account with a single person discount still in force; Mark's
account with Chloé as joint liable person and no discount; Peter's account with two awards (one
ended, later another); an account whose start date is no date; an account with no liable surname.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bakehouse.errors import AgreementViolation

from .conftest import CHLOE, MARK, SARAH, Setup, csv_text

FILE = "council_tax_accounts.csv"
HEADER = [
    "AccountRef",
    "PropertyRef",
    "LiableForename",
    "LiableSurname",
    "JointForename",
    "JointSurname",
    "Address",
    "Postcode",
    "AccountStart",
    "AccountEnd",
    "Discount",
    "DiscountStart",
    "DiscountEnd",
]


def _row(account: str, forename: str, surname: str, address: str, postcode: str, start: str,
         **rest: str) -> dict[str, str]:  # fmt: skip
    return {
        "AccountRef": account,
        "PropertyRef": "P-" + account,
        "LiableForename": forename,
        "LiableSurname": surname,
        "Address": address,
        "Postcode": postcode,
        "AccountStart": start,
        **rest,
    }


def council_tax_rows() -> list[dict[str, str]]:
    return [
        _row("CT100001", SARAH.forename, SARAH.surname, SARAH.address, SARAH.postcode,
             "01/06/2015", Discount="SPD", DiscountStart="01/05/2019"),
        _row("CT100002", MARK.forename, MARK.surname, MARK.address, MARK.postcode, "01/04/2016",
             JointForename=CHLOE.forename, JointSurname=CHLOE.surname),
        _row("CT100003", "Peter", "Grant", "21 Birch Lane, Wickford", "SS12 9AA", "15/09/2012",
             Discount="SPD", DiscountStart="01/10/2012", DiscountEnd="30/06/2016"),
        _row("CT100003", "Peter", "Grant", "21 Birch Lane, Wickford", "SS12 9AA", "15/09/2012",
             Discount="SPD", DiscountStart="01/02/2020"),
        _row("CT100004", "Rita", "Hall", "4 Cedar Road, Basildon", "SS14 3AS", "30/02/2018"),
        _row("CT100005", "Sam", "", "9 Pine Walk, Billericay", "SS12 9AA", "01/03/2017"),
    ]  # fmt: skip


def _write(setup: Setup, rows: list[dict[str, str]]) -> Path:
    setup.write(only=["benefits"])
    path = setup.sources / FILE
    path.write_bytes(csv_text(rows, "|", HEADER).encode("utf-8"))
    return path


@pytest.fixture
def ingested(setup: Setup) -> Setup:
    _write(setup, council_tax_rows())
    setup.ingest(purpose="homelessness")
    return setup


def test_the_council_tax_file_is_taken_in_under_the_homelessness_purpose(setup: Setup) -> None:
    _write(setup, council_tax_rows())
    result = setup.ingest(purpose="homelessness")
    count = next(c for c in result.files if c.source == "council_tax")
    assert (count.file, count.rows_in, count.accepted, count.quarantined) == (FILE, 6, 4, 2)
    assert count.reconciled
    with setup.analysis() as con:
        agreement = con.execute(
            "SELECT agreement_id FROM sources WHERE source = 'council_tax'"
        ).fetchone()
    assert agreement == ("DSA-BBC-CT-2026",)


def test_a_bad_start_date_and_a_blank_surname_are_quarantined_naming_file_row_and_field(
    ingested: Setup,
) -> None:
    with ingested.custodian() as con:
        found = con.execute(
            "SELECT file, row_number, reasons, record FROM quarantine "
            "WHERE source = 'council_tax' ORDER BY row_number"
        ).fetchall()
    assert [(file, row) for file, row, _, _ in found] == [(FILE, 5), (FILE, 6)]
    bad_date, blank = (list(reasons) for _, _, reasons, _ in found)
    assert [(r["code"], r["field"]) for r in bad_date] == [("bad_date", "AccountStart")]
    assert bad_date[0]["detail"] == "expected %d/%m/%Y"
    assert [(r["code"], r["field"]) for r in blank] == [("missing_required", "LiableSurname")]
    assert json.loads(found[0][3])["AccountStart"] == "30/02/2018"  # kept as received


def test_the_analysis_zone_gets_the_account_and_discount_dates_and_no_name_or_property(
    ingested: Setup,
) -> None:
    with ingested.analysis() as con:
        columns = [row[0] for row in con.execute("DESCRIBE council_tax").fetchall()]
        rows = con.execute(
            "SELECT account_key, CAST(account_start AS VARCHAR), discount, "
            "CAST(discount_start AS VARCHAR), CAST(discount_end AS VARCHAR) FROM council_tax "
            "ORDER BY account_start, discount_start"
        ).fetchall()
    assert columns == [
        "token",
        "account_key",
        "account_start",
        "account_end",
        "discount",
        "discount_start",
        "discount_end",
        "lsoa11cd",
    ]
    peter_1, peter_2, sarah, mark = rows
    assert peter_1[0] == peter_2[0]  # one account, two awards
    assert peter_1[0] not in (None, "CT100003") and len({r[0] for r in rows}) == 3
    assert peter_1[2:] == ("SPD", "2012-10-01", "2016-06-30")
    assert peter_2[2:] == ("SPD", "2020-02-01", None)
    assert sarah[1:] == ("2015-06-01", "SPD", "2019-05-01", None)
    assert mark[1:] == ("2016-04-01", None, None, None)


def test_the_liable_and_joint_people_are_identified_by_name_and_address_alone(
    ingested: Setup,
) -> None:
    with ingested.custodian() as con:
        people = con.execute(
            "SELECT person_role, forename, surname, dob, nhs_number, nino, address, postcode, "
            "event_date FROM identifiers WHERE source = 'council_tax' "
            "ORDER BY surname, person_role"
        ).fetchall()
    by_name = {(row[1], row[2]): row for row in people}
    # Peter's account's two award rows are two records, each naming him
    assert [(row[0], row[2]) for row in people] == [
        ("liable", "BROWN"),
        ("joint", "DUBOIS"),
        ("liable", "GRANT"),
        ("liable", "GRANT"),
        ("liable", "OCONNOR"),
    ]
    mark, chloe = by_name[("MARK", "BROWN")], by_name[("CHLOE", "DUBOIS")]
    assert (mark[0], chloe[0]) == ("liable", "joint")
    assert chloe[6:8] == mark[6:8] and chloe[7] == "SS13 3LW"  # the joint person shares the home
    assert all(row[3] is None and row[4] is None and row[5] is None for row in people)
    assert str(by_name[("SARAH", "OCONNOR")][8]) == "2015-06-01"


def test_the_council_tax_file_is_refused_under_school_readiness_and_nothing_written(
    setup: Setup,
) -> None:
    _write(setup, council_tax_rows())
    with pytest.raises(AgreementViolation) as caught:
        setup.ingest(purpose="school-readiness")
    assert caught.value.field == "purposes"
    assert "DSA-BBC-CT-2026 does not list the purpose 'school-readiness'" in caught.value.message
    assert not (setup.workspace / "analysis.duckdb").exists()
    assert not (setup.workspace / "custodian.duckdb").exists()


def test_school_readiness_takes_in_the_other_sources_when_council_tax_is_left_out(
    setup: Setup,
) -> None:
    _write(setup, council_tax_rows())
    result = setup.ingest(purpose="school-readiness", only=("benefits",))
    assert {count.source for count in result.files} == {"benefits"}
