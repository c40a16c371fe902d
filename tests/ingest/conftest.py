"""Hand-made agency extracts in exactly the formats of docs/world.md, built in code.

A handful of people (children, parents) appear across the seven sources. Tests take the rows,
change what they need, and write the files; the identifiers used are kept so tests can search
both zones for them.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from bakehouse.custody import init_key
from bakehouse.ingest import IngestOptions, IngestResult, ingest

TODAY = date(2026, 11, 22)
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def nhs_number(base: str) -> str:
    """A valid NHS number from nine digits (bases whose check would be 10 are avoided)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(base))
    check = (11 - total % 11) % 11
    assert check != 10, base
    return base + str(check)


def upn(body: str) -> str:
    total = sum(int(d) * w for d, w in zip(body, range(2, 14), strict=True))
    return UPN_LETTERS[total % 23] + body


@dataclass(frozen=True)
class Person:
    forename: str
    surname: str
    dob: date
    sex: str
    postcode: str
    address: str
    nhs: str | None = None
    upn: str | None = None
    nino: str | None = None


AMELIA = Person(
    "Amelia",
    "O'Connor",
    date(2019, 4, 12),
    "F",
    "SS14 3AS",
    "12 Elm Road, Basildon",
    nhs=nhs_number("943476591"),
    upn=upn("881202310001"),
)
ZOE = Person(
    "Zoë",
    "Smith-Jones",
    date(2020, 8, 30),
    "F",
    "SS16 6AP",
    "3 Ash Close, Laindon",
    nhs=nhs_number("401023456"),
    upn=upn("881202410002"),
)
OLIVER = Person(
    "Oliver",
    "Brown",
    date(2018, 1, 5),
    "M",
    "SS13 3LW",
    "7 Oak Way, Pitsea",
    nhs=nhs_number("450557710"),
    upn=upn("881202210003"),
)
SARAH = Person(
    "Sarah",
    "O'Connor",
    date(1990, 2, 3),
    "F",
    "SS14 3AS",
    "12 Elm Road, Basildon",
    nino="QQ123456C",
)
MARK = Person(
    "Mark", "Brown", date(1985, 11, 20), "M", "SS13 3LW", "7 Oak Way, Pitsea", nino="AB654321D"
)
CHLOE = Person("Chloé", "Dubois", date(1992, 6, 15), "F", "SS13 3LW", "7 Oak Way, Pitsea")
PEOPLE = [AMELIA, ZOE, OLIVER, SARAH, MARK, CHLOE]


def dmy(day: date, sep: str = "/") -> str:
    return day.strftime(f"%d{sep}%m{sep}%Y")


def csc_rows() -> list[dict[str, str]]:
    def row(
        child: Person, child_id: str, referral: date, outcome: str, source: str, end: str = ""
    ) -> dict[str, str]:
        return {
            "CHILD_ID": child_id,
            "FORENAME": child.forename,
            "SURNAME": child.surname,
            "DOB": dmy(child.dob),
            "GENDER": {"F": "Female", "M": "Male"}[child.sex],
            "ETHNICITY": "WBRI",
            "NHS_NUMBER": child.nhs or "",
            "ADDRESS": child.address,
            "POSTCODE": child.postcode,
            "REFERRAL_DATE": dmy(referral),
            "REFERRAL_SOURCE": source,
            "PRIMARY_NEED": "Abuse or neglect",
            "OUTCOME": outcome,
            "EPISODE_START": dmy(referral),
            "EPISODE_END": end,
            "RECORDED_DATE": dmy(referral),
        }

    return [
        row(AMELIA, "C000101", date(2021, 3, 2), "CIN", "Police", dmy(date(2021, 9, 30))),
        row(AMELIA, "C000101", date(2022, 6, 14), "NFA", "Health"),
        row(OLIVER, "C000233", date(2020, 11, 23), "CP", "School", dmy(date(2021, 12, 1))),
    ]


def education_rows() -> list[dict[str, str]]:
    def row(
        child: Person, census: date, year: str, gld: str = "", gld_year: str = "", fsm: str = "0"
    ) -> dict[str, str]:
        return {
            "UPN": child.upn or "",
            "LegalSurname": child.surname,
            "LegalForename": child.forename,
            "DOB": child.dob.isoformat(),
            "Gender": child.sex,
            "Ethnicity": "WBRI",
            "FirstLanguage": "ENG",
            "FSMEligible": fsm,
            "SENProvision": "N",
            "Postcode": child.postcode,
            "AddressLine1": child.address.split(",")[0],
            "CensusDate": census.isoformat(),
            "NCYearActual": year,
            "EYFSP_GLD": gld,
            "EYFSP_Year": gld_year,
        }

    return [
        row(OLIVER, date(2023, 1, 19), "R", "N", "2023", fsm="1"),
        row(OLIVER, date(2024, 1, 18), "1", fsm="1"),
        row(AMELIA, date(2024, 1, 18), "R", "Y", "2024"),
        row(AMELIA, date(2025, 1, 16), "1"),
        row(ZOE, date(2025, 1, 16), "R", "Y", "2025"),
    ]


def early_education_rows() -> list[dict[str, Any]]:
    def row(child: Person, term: date, funding: str, hours: float) -> dict[str, Any]:
        return {
            "Child Surname": child.surname,
            "Child Forename": child.forename,
            "Date of Birth": datetime(child.dob.year, child.dob.month, child.dob.day),
            "Postcode": child.postcode,
            "Address": child.address,
            "Funding Type": funding,
            "Term Start": datetime(term.year, term.month, term.day),
            "Hours per Week": hours,
            "Provider URN": "EY123456",
            "EYPP": "N",
            "Return Date": datetime(term.year, term.month, term.day + 10),
        }

    return [
        row(AMELIA, date(2021, 9, 1), "2YO", 15.0),
        row(AMELIA, date(2022, 9, 1), "3-4 Universal", 15.0),
        row(ZOE, date(2023, 9, 4), "3-4 Extended", 30.0),
    ]


def health_visiting_rows() -> list[dict[str, str]]:
    def row(child: Person, contact: str, on: date, asq: str = "") -> dict[str, str]:
        return {
            "NHSNumber": child.nhs or "",
            "Forename": child.forename,
            "Surname": child.surname,
            "DOB": child.dob.strftime("%Y%m%d"),
            "Sex": {"M": "1", "F": "2"}[child.sex],
            "Postcode": child.postcode,
            "ContactType": contact,
            "ContactDate": on.strftime("%Y%m%d"),
            "BirthWeightGrams": "3280",
            "GestationWeeks": "39",
            "ASQ_Communication": asq,
            "ASQ_GrossMotor": asq,
            "ASQ_FineMotor": asq,
            "ASQ_ProblemSolving": asq,
            "ASQ_PersonalSocial": asq,
            "MaternalMoodConcern": "N",
            "PreferredLanguage": "ENG",
            "RecordedDate": on.strftime("%Y%m%d"),
        }

    return [
        row(AMELIA, "NBV", date(2019, 4, 24)),
        row(AMELIA, "2-2.5Y", date(2021, 10, 20), "45"),
        row(ZOE, "NBV", date(2020, 9, 9)),
        row(OLIVER, "2-2.5Y", date(2020, 7, 15), "30"),
    ]


def police_rows() -> list[dict[str, str]]:
    def row(
        ref: str, when: str, role: str, person: Person, with_dob: bool = True, risk: str = "Medium"
    ) -> dict[str, str]:
        return {
            "IncidentRef": ref,
            "IncidentDateTime": when,
            "Role": role,
            "Surname": person.surname,
            "Forename": person.forename,
            "DOB": person.dob.strftime("%d-%b-%Y") if with_dob else "",
            "Address": f"{person.address} {person.postcode}",
            "DASHRisk": risk,
            "RecordedDate": when,
        }

    return [
        row("DA/21/0042", "02-Mar-2021 22:15", "Victim", SARAH),
        row("DA/21/0042", "02-Mar-2021 22:15", "Child Present", AMELIA, with_dob=False),
        row("DA/22/0311", "14-Jun-2022 01:40", "Suspect", MARK, risk="High"),
    ]


def housing_rows() -> list[dict[str, str]]:
    def row(ref: str, person: Person, approach: date, duty: str) -> dict[str, str]:
        return {
            "CaseRef": ref,
            "ApplicantName": f"{person.surname.upper()}, {person.forename}",
            "ApplicantDOB": person.dob.strftime("%m/%d/%Y"),
            "HouseholdSize": "2",
            "ChildrenInHousehold": "1",
            "ApproachDate": approach.strftime("%m/%d/%Y"),
            "Reason": "Domestic abuse",
            "Duty": duty,
            "TAStart": "",
            "TAEnd": "",
            "PreviousAddress": person.address,
            "PreviousPostcode": person.postcode,
            "RecordedDate": approach.strftime("%m/%d/%Y"),
        }

    return [row("H2021-118", SARAH, date(2021, 3, 10), "Relief")]


def benefits_rows() -> list[dict[str, str]]:
    def row(
        ref: str, claimant: Person, partner: Person | None, start: date, kind: str
    ) -> dict[str, str]:
        return {
            "ClaimRef": ref,
            "ClaimantNINO": claimant.nino or "",
            "ClaimantForename": claimant.forename,
            "ClaimantSurname": claimant.surname,
            "ClaimantDOB": dmy(claimant.dob, "."),
            "PartnerForename": partner.forename if partner else "",
            "PartnerSurname": partner.surname if partner else "",
            "PartnerDOB": dmy(partner.dob, ".") if partner else "",
            "Address": claimant.address,
            "Postcode": claimant.postcode,
            "ClaimType": kind,
            "ClaimStart": dmy(start, "."),
            "ClaimEnd": "",
            "Dependants": "1",
            "Passported": "Y",
            "ProcessedDate": dmy(start, "."),
        }

    return [
        row("HB0001", SARAH, None, date(2019, 5, 1), "HB"),
        row("CT0002", MARK, CHLOE, date(2018, 4, 1), "CTR"),
    ]


@dataclass(frozen=True)
class Layout:
    file: str
    encoding: str
    delimiter: str


LAYOUTS = {
    "csc": Layout("csc_referrals.csv", "utf-8", ","),
    "education": Layout("school_census.csv", "cp1252", ","),
    "early_education": Layout("early_education.xlsx", "", ""),
    "health_visiting": Layout("health_visiting.psv", "utf-8-sig", "|"),
    "police": Layout("police_da_incidents.csv", "utf-8", ","),
    "housing": Layout("housing_cases.tsv", "utf-16", "\t"),
    "benefits": Layout("benefits_claims.csv", "cp1252", ";"),
}

ROWS: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "csc": csc_rows,
    "education": education_rows,
    "early_education": early_education_rows,
    "health_visiting": health_visiting_rows,
    "police": police_rows,
    "housing": housing_rows,
    "benefits": benefits_rows,
}


def csv_text(rows: list[dict[str, Any]], delimiter: str, header: list[str] | None = None) -> str:
    buffer = io.StringIO()
    names = header or list(rows[0])
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(name, "") for name in names])
    return buffer.getvalue()


def write_xlsx(path: Path, rows: list[dict[str, Any]], header: list[str] | None = None) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Headcount"
    names = header or list(rows[0])
    sheet.append(names)
    for row in rows:
        sheet.append([row.get(name) for name in names])
    book.save(path)


@dataclass
class Extracts:
    """The rows of each source; ``write`` puts them in a folder in the documented formats."""

    rows: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {source: make() for source, make in ROWS.items()}
    )

    def write(self, folder: Path, only: list[str] | None = None) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for source, rows in self.rows.items():
            if only is not None and source not in only:
                continue
            layout = LAYOUTS[source]
            path = folder / layout.file
            if source == "early_education":
                write_xlsx(path, rows)
            else:
                text = csv_text(rows, layout.delimiter)
                path.write_bytes(codecs.encode(text, layout.encoding))
        return folder


@dataclass(frozen=True)
class Cast:
    """The people of the hand-made extracts, for tests to look for."""

    amelia: Person = AMELIA
    zoe: Person = ZOE
    oliver: Person = OLIVER
    sarah: Person = SARAH
    mark: Person = MARK
    chloe: Person = CHLOE

    @property
    def everyone(self) -> list[Person]:
        return list(PEOPLE)

    @property
    def sources(self) -> list[str]:
        return list(LAYOUTS)


@pytest.fixture
def cast() -> Cast:
    return Cast()


@pytest.fixture
def extracts() -> Extracts:
    return Extracts()


@pytest.fixture(scope="session")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_key(tmp_path_factory.mktemp("custodian") / "custodian.key")


@dataclass
class Setup:
    """A test's folders: extracts in ``sources``, zones in ``workspace``."""

    root: Path
    key_file: Path
    extracts: Extracts

    @property
    def sources(self) -> Path:
        return self.root / "extracts"

    @property
    def workspace(self) -> Path:
        return self.root / "ws"

    def write(self, only: list[str] | None = None) -> Path:
        return self.extracts.write(self.sources, only)

    def options(self, **changes: Any) -> IngestOptions:
        values: dict[str, Any] = {
            "sources": self.sources,
            "workspace": self.workspace,
            "purpose": "school-readiness",
            "key_file": self.key_file,
            "today": TODAY,
        }
        values.update(changes)
        return IngestOptions(**values)

    def ingest(self, **changes: Any) -> IngestResult:
        return ingest(self.options(**changes))

    def analysis(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.workspace / "analysis.duckdb"), read_only=True)

    def custodian(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.workspace / "custodian.duckdb"), read_only=True)

    def snapshot(self) -> dict[str, bytes]:
        """Every live file of the workspace except the audit log, by relative path."""
        return {
            str(path.relative_to(self.workspace)): path.read_bytes()
            for path in sorted(self.workspace.rglob("*"))
            if path.is_file()
            and path.name not in ("audit.jsonl", ".lock")
            and ".staging" not in path.parts  # an interrupted run's remains, not live state
        }


@pytest.fixture
def setup(tmp_path: Path, key_file: Path, extracts: Extracts) -> Setup:
    return Setup(tmp_path, key_file, extracts)
