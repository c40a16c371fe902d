"""The agency extracts: files as docs/world.md specifies them, truth for every row, errors at
their declared rates, and the same bytes from the same seed.

Files are read back the way an analyst would, with the encoding, delimiter and date format that
docs/world.md declares, so these tests hold the writers to the specification, not to themselves.
"""

from __future__ import annotations

import csv
import re
import time
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pyarrow as pa
import pytest

from bakehouse.world.extracts import RECORDS, write_extracts
from bakehouse.world.names import NICKNAMES
from bakehouse.world.noise import NoiseLevel, NoiseRates
from bakehouse.world.tables import SimulatedWorld

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "world.md"
AS_AT = date(2025, 9, 30)

# --- the specification, read from docs/world.md ---------------------------------------------------

_ENCODINGS = {
    "UTF-8 with BOM": "utf-8-sig",
    "UTF-8": "utf-8",
    "Windows-1252": "cp1252",
    "UTF-16": "utf-16",
}
_DELIMITERS = {"comma": ",", "pipe": "|", "tab": "\t", "semicolon": ";"}
_DATE_TOKENS = (("yyyy", "%Y"), ("Mon", "%b"), ("HH", "%H"), ("MM", "%M"), ("dd", "%d"),
                ("mm", "%m"))  # fmt: skip


@dataclass(frozen=True)
class Spec:
    source: str
    filename: str
    encoding: str | None  # None for a workbook
    delimiter: str | None
    date_format: str | None  # None: Excel dates
    columns: tuple[str, ...]


def _strptime_format(written: str) -> str:
    for token, directive in _DATE_TOKENS:
        written = written.replace(token, directive)
    return written


def read_spec() -> dict[str, Spec]:
    text = SPEC_PATH.read_text(encoding="utf-8")
    formats = {}
    for line in text.splitlines():
        row = re.match(r"\| `(\w+)` \| `([\w.]+)` \| (.+?) \| (.+?) \|", line)
        if row:
            source, filename, fmt, dates = row.groups()
            encoding = next((v for k, v in _ENCODINGS.items() if k in fmt), None)
            delimiter = next((v for k, v in _DELIMITERS.items() if k in fmt), None)
            date_format = _strptime_format(dates.strip("`")) if "`" in dates else None
            formats[source] = (filename, encoding, delimiter, date_format)
    columns = {}
    bullets = re.findall(r"^- \*\*(\w+)\*\*: (.*?)(?=^- \*\*|^\s*$)", text, re.M | re.S)
    for source, body in bullets:
        without_notes = re.sub(r"\([^)]*\)", "", body)
        columns[source] = tuple(re.findall(r"`([^`]+)`", without_notes))
    return {s: Spec(s, *formats[s], columns[s]) for s in formats}


SPEC = read_spec()


# --- reading extracts back -----------------------------------------------------------------------

Value = str | date | None
Person = dict[str, Any]


def read_extract(out: Path, spec: Spec) -> tuple[list[str], list[dict[str, Value]]]:
    """Header and rows; empty fields as None, workbook dates as dates."""
    path = out / spec.filename
    if spec.encoding is None:
        sheet = openpyxl.load_workbook(path, read_only=True)["Headcount"]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        header = [str(h) for h in rows[0]]
        data = [[_cell(v) for v in r] + [None] * (len(header) - len(r)) for r in rows[1:]]
        return header, [dict(zip(header, r, strict=True)) for r in data]
    raw = path.read_bytes()
    if spec.encoding == "utf-8":
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{spec.filename} has a byte order mark"
    if spec.encoding == "utf-8-sig":
        assert raw.startswith(b"\xef\xbb\xbf"), f"{spec.filename} lacks its byte order mark"
    text = raw.decode(spec.encoding)  # strict: any byte outside the encoding fails here
    reader = csv.reader(text.splitlines(), delimiter=spec.delimiter or ",")
    header, *body = list(reader)
    return header, [{k: (v or None) for k, v in zip(header, r, strict=True)} for r in body]


def _cell(value: object) -> Value:
    if isinstance(value, datetime):
        return value.date()
    return None if value is None else str(value)


def as_date(value: Value, spec: Spec) -> date | None:
    """A date field as a date; None if blank or not a real date."""
    if value is None or isinstance(value, date):
        return value
    try:
        return datetime.strptime(value, spec.date_format or "%d/%m/%Y").date()
    except ValueError:
        return None


def fold(name: str) -> str:
    """Lower case without accents, for comparing names across code pages."""
    plain = unicodedata.normalize("NFKD", name.replace("Ł", "L").replace("ł", "l"))
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()


def write(world: SimulatedWorld, out: Path, level: NoiseLevel, seed: int = 1) -> pa.Table:
    return write_extracts(world, out, level, np.random.default_rng(seed))


SECOND_ROLES = ("partner", "joint")  # a benefit claimant's partner, a joint liable person


def records_of(records: pa.Table, source: str) -> list[dict[str, object]]:
    """The truth of each row's main person (the subject, a benefit claimant, the liable
    person), in file order."""
    return [
        r
        for r in records.to_pylist()
        if r["source"] == source and r["person_role"] not in SECOND_ROLES
    ]


# --- the tiny world: what each file says ---------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_out(tiny_world: SimulatedWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    write(tiny_world, out, NoiseLevel.NONE)
    return out


def test_the_specification_names_nine_sources_with_formats_and_columns() -> None:
    assert set(SPEC) == {"csc", "education", "early_education", "health_visiting", "police",
                         "housing", "benefits", "marac", "council_tax"}  # fmt: skip
    assert SPEC["housing"].columns[1] == "ApplicantName"
    assert SPEC["benefits"].delimiter == ";" and SPEC["benefits"].encoding == "cp1252"
    assert SPEC["police"].date_format == "%d-%b-%Y %H:%M"
    assert SPEC["council_tax"].delimiter == "|" and SPEC["council_tax"].encoding == "utf-8"


@pytest.mark.parametrize("source", sorted(SPEC))
def test_each_extract_parses_with_its_declared_format_and_has_exactly_its_columns(
    tiny_out: Path, source: str
) -> None:
    spec = SPEC[source]
    header, rows = read_extract(tiny_out, spec)
    assert tuple(header) == spec.columns
    assert rows


def test_dates_are_written_in_each_agency_format(tiny_out: Path) -> None:
    olivia = date(2019, 3, 7)
    dob_column = {"csc": "DOB", "education": "DOB", "early_education": "Date of Birth",
                  "health_visiting": "DOB", "police": "DOB"}  # fmt: skip
    for source, column in dob_column.items():
        spec = SPEC[source]
        _, rows = read_extract(tiny_out, spec)
        written = [as_date(r[column], spec) for r in rows if r[column] is not None]
        assert olivia in written or source == "police", source
        assert all(isinstance(d, date) for d in written), source
    _, housing = read_extract(tiny_out, SPEC["housing"])
    assert housing[0]["ApplicantDOB"] == "06/15/1995"
    assert housing[0]["ApproachDate"] == "02/01/2024"
    _, benefits = read_extract(tiny_out, SPEC["benefits"])
    assert {r["ClaimantDOB"] for r in benefits} == {"05.04.1990", "15.06.1995"}


def test_the_workbook_holds_real_excel_dates_on_its_headcount_sheet(tiny_out: Path) -> None:
    _, rows = read_extract(tiny_out, SPEC["early_education"])
    assert [r["Date of Birth"] for r in rows] == [date(2019, 3, 7), date(2020, 8, 1)]
    assert [r["Term Start"] for r in rows] == [date(2021, 4, 1), date(2023, 9, 1)]
    assert [r["Hours per Week"] for r in rows] == ["15", "30"]


def test_the_workbook_carries_no_clock_time_so_reruns_match_byte_for_byte(tiny_out: Path) -> None:
    with zipfile.ZipFile(tiny_out / "early_education.xlsx") as workbook:
        assert {entry.date_time for entry in workbook.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        properties = workbook.read("docProps/core.xml").decode()
    assert properties.count("2025-09-30T00:00:00Z") == 2  # created and modified: the as-at date


def test_records_have_one_row_per_data_row_naming_who_it_is_about(
    tiny_world: SimulatedWorld, tiny_out: Path, tmp_path: Path
) -> None:
    records = write(tiny_world, tmp_path, NoiseLevel.NONE)
    assert records.schema == RECORDS
    people = {p["person_id"]: p for p in tiny_world.people.to_pylist()}
    surname_column = {"csc": "SURNAME", "education": "LegalSurname", "police": "Surname",
                      "early_education": "Child Surname", "health_visiting": "Surname",
                      "benefits": "ClaimantSurname", "housing": "ApplicantName",
                      "marac": "VictimSurname", "council_tax": "LiableSurname"}  # fmt: skip
    for source, spec in SPEC.items():
        _, rows = read_extract(tmp_path, spec)
        truth = records_of(records, source)
        assert [t["row_number"] for t in truth] == list(range(1, len(rows) + 1)), source
        for row, who in zip(rows, truth, strict=True):
            written = str(row[surname_column[source]]).split(",")[0]
            assert fold(written) == fold(people[who["person_id"]]["surname"]), source


def test_records_name_a_benefit_claimants_partner_on_the_same_row(
    tiny_world: SimulatedWorld, tmp_path: Path
) -> None:
    records = write(tiny_world, tmp_path, NoiseLevel.NONE)
    people = {p["person_id"]: p for p in tiny_world.people.to_pylist()}
    _, rows = read_extract(tmp_path, SPEC["benefits"])
    partners = [r for r in records.to_pylist() if r["person_role"] == "partner"]
    with_partner = [i + 1 for i, row in enumerate(rows) if row["PartnerSurname"]]
    assert partners
    assert [r["row_number"] for r in partners] == with_partner
    for record in partners:
        row = rows[int(record["row_number"]) - 1]
        assert fold(str(row["PartnerSurname"])) == fold(people[record["person_id"]]["surname"])


def test_police_list_everyone_at_the_incident_with_the_address_on_one_line(
    tiny_out: Path,
) -> None:
    _, rows = read_extract(tiny_out, SPEC["police"])
    assert [r["Role"] for r in rows] == ["Victim", "Suspect", "Child Present"]
    assert {r["Address"] for r in rows} == {"5 WHITMORE CL BASILDON SS13 2BB"}
    assert rows[0]["Surname"] == "SMITH" and rows[0]["IncidentDateTime"] == "06-May-2023 22:30"
    assert len({r["IncidentRef"] for r in rows}) == 1


def test_housing_writes_the_applicant_as_surname_comma_forename_in_utf16(tiny_out: Path) -> None:
    _, rows = read_extract(tiny_out, SPEC["housing"])
    assert rows[0]["ApplicantName"] == "WIŚNIEWSKA, Łucja"
    assert (rows[0]["PreviousAddress"], rows[0]["PreviousPostcode"]) == (
        "7 Church Gardens, Basildon",
        "SS16 4CD",
    )


def test_code_page_files_write_letters_they_cannot_hold_without_their_accents(
    tiny_out: Path,
) -> None:
    _, pupils = read_extract(tiny_out, SPEC["education"])
    assert "Wisniewski" in {r["LegalSurname"] for r in pupils}
    _, claims = read_extract(tiny_out, SPEC["benefits"])
    assert ("Lucja", "Wisniewska") in {
        (r["ClaimantForename"], r["ClaimantSurname"]) for r in claims
    }


def test_health_visiting_codes_sex_as_one_for_male_and_two_for_female(tiny_out: Path) -> None:
    _, rows = read_extract(tiny_out, SPEC["health_visiting"])
    assert {(r["Forename"], r["Sex"]) for r in rows} == {("Olivia", "2"), ("Jakub", "1")}


# --- the crowd: noise ----------------------------------------------------------------------------


@dataclass
class Tally:
    """Errors found and the rows that could have carried each."""

    errors: Counter[str] = field(default_factory=Counter)
    eligible: Counter[str] = field(default_factory=Counter)

    def count(self, kind: str, is_error: bool, eligible: bool = True) -> None:
        if eligible:
            self.eligible[kind] += 1
            self.errors[kind] += int(is_error)

    def rate(self, kind: str) -> float:
        return self.errors[kind] / self.eligible[kind]


@dataclass(frozen=True)
class Roles:
    """Which column of a source carries each thing the tally checks."""

    forename: str | None
    surname: str | None
    dob: str | None  # None where the source holds no date of birth
    event: str
    postcode: str
    recorded: str | None = None
    nhs: str | None = None
    nicknames: bool = True
    stale: bool = True


ROLES = {
    "csc": Roles("FORENAME", "SURNAME", "DOB", "REFERRAL_DATE", "POSTCODE", "RECORDED_DATE",
                 "NHS_NUMBER"),
    "education": Roles("LegalForename", "LegalSurname", "DOB", "CensusDate", "Postcode",
                       nicknames=False),
    "early_education": Roles("Child Forename", "Child Surname", "Date of Birth", "Term Start",
                             "Postcode", "Return Date"),
    "health_visiting": Roles("Forename", "Surname", "DOB", "ContactDate", "Postcode",
                             "RecordedDate", "NHSNumber"),
    "police": Roles("Forename", "Surname", "DOB", "IncidentDateTime", "Address", "RecordedDate"),
    "housing": Roles(None, None, "ApplicantDOB", "ApproachDate", "PreviousPostcode",
                     "RecordedDate", stale=False),
    "benefits": Roles("ClaimantForename", "ClaimantSurname", "ClaimantDOB", "ClaimStart",
                      "Postcode", "ProcessedDate"),
    "marac": Roles("VictimForename", "VictimSurname", "VictimDOB", "ReferralDate", "Postcode",
                   "RecordedDate"),
    "council_tax": Roles("LiableForename", "LiableSurname", None, "AccountStart", "Postcode",
                         stale=False),
}  # fmt: skip
REQUIRED = {
    "csc": ("FORENAME", "SURNAME", "DOB", "REFERRAL_DATE"),
    "education": ("UPN", "LegalSurname", "LegalForename", "DOB"),
    "early_education": ("Child Surname", "Child Forename", "Date of Birth"),
    "health_visiting": ("Forename", "Surname", "DOB", "ContactDate"),
    "police": ("Surname", "Forename", "Address"),
    "housing": ("ApplicantName", "ApplicantDOB", "ApproachDate"),
    "benefits": ("ClaimantNINO", "ClaimantSurname", "ClaimantDOB", "ClaimStart"),
    "marac": ("MARACRef", "ReferralDate", "VictimSurname"),
    "council_tax": ("AccountRef", "LiableSurname", "Address", "AccountStart"),
}
DATE_COLUMNS = {
    "csc": ("DOB", "REFERRAL_DATE", "EPISODE_START", "EPISODE_END", "RECORDED_DATE"),
    "education": ("DOB", "CensusDate"),
    "early_education": ("Date of Birth", "Term Start", "Return Date"),
    "health_visiting": ("DOB", "ContactDate", "RecordedDate"),
    "police": ("IncidentDateTime", "DOB", "RecordedDate"),
    "housing": ("ApplicantDOB", "ApproachDate", "TAStart", "TAEnd", "RecordedDate"),
    "benefits": ("ClaimantDOB", "PartnerDOB", "ClaimStart", "ClaimEnd", "ProcessedDate"),
    "marac": ("ReferralDate", "VictimDOB", "RecordedDate"),
    "council_tax": ("AccountStart", "AccountEnd", "DiscountStart", "DiscountEnd"),
}


class Truth:
    """What the crowd world knows about each person and where they lived."""

    def __init__(self, world: SimulatedWorld) -> None:
        self.people = {p["person_id"]: p for p in world.people.to_pylist()}
        postcode = {a["address_id"]: a["postcode"] for a in world.addresses.to_pylist()}
        self.spells: dict[int, list[tuple[date, str]]] = defaultdict(list)
        for s in sorted(world.residence.to_pylist(), key=lambda s: (s["person_id"], s["start"])):
            self.spells[s["person_id"]].append((s["start"], postcode[s["address_id"]]))

    def postcodes_at(self, person_id: int, when: date) -> tuple[str | None, str | None]:
        """The postcode lived at on ``when`` and the one before it."""
        current = previous = None
        for start, postcode in self.spells[person_id]:
            if start <= when:
                previous, current = current, postcode
        return current, previous


def _swapped(d: date) -> date | None:
    return date(d.year, d.day, d.month) if d.day <= 12 and d.day != d.month else None


def _split_names(row: dict[str, Value], roles: Roles) -> tuple[str | None, str | None]:
    if roles.forename is None:  # "SURNAME, Forename"
        written = row["ApplicantName"]
        if not isinstance(written, str) or ", " not in written:
            return None, None
        surname, forename = written.split(", ", 1)
        return forename, surname
    forename, surname = row[roles.forename], row[roles.surname or ""]
    return (forename if isinstance(forename, str) else None,
            surname if isinstance(surname, str) else None)  # fmt: skip


def one_edit_apart(a: str, b: str) -> bool:
    """Whether one substitution, insertion, deletion or swap of neighbours turns a into b."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
        return len(diff) == 1 or (swapped and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    if len(long) - len(short) != 1:
        return False
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def tally_errors(world: SimulatedWorld, out: Path, records: pa.Table) -> Tally:
    truth = Truth(world)
    tally = Tally()
    events = {
        "csc": "csc_episodes",
        "education": "school_census",
        "early_education": "early_education",
        "health_visiting": "hv_contacts",
        "police": "da_incidents",
        "housing": "housing_cases",
        "benefits": "benefit_claims",
        "marac": "marac_referrals",
        "council_tax": "council_tax",
    }
    for source, spec in SPEC.items():
        _, rows = read_extract(out, spec)
        roles = ROLES[source]
        people = records_of(records, source)
        event_rows = getattr(world, events[source]).num_rows
        tally.count("duplicate", False, True)  # keeps the kind present at zero noise
        tally.errors["duplicate"] += len(rows) - event_rows
        tally.eligible["duplicate"] += event_rows - 1
        for row, who in zip(rows, people, strict=True):
            _tally_row(tally, truth, spec, roles, row, truth.people[who["person_id"]])
    return tally


def _tally_row(
    tally: Tally, truth: Truth, spec: Spec, roles: Roles, row: dict[str, Value], person: Person
) -> None:
    source = spec.source
    invalid = any(row[c] is None for c in REQUIRED[source]) or any(
        row[c] is not None and (as_date(row[c], spec) is None or as_date(row[c], spec) > AS_AT)
        for c in DATE_COLUMNS[source]
    )
    tally.count("invalid_value", invalid)
    event = as_date(row[roles.event], spec)
    if invalid or event is None:
        return
    _tally_names(tally, roles, row, person)
    if roles.dob is not None:
        dob = as_date(row[roles.dob], spec)
        swap = _swapped(person["dob"])
        tally.count("day_month_swap", dob == swap, swap is not None and dob is not None)
    if roles.nhs:
        tally.count("nhs_missing", row[roles.nhs] is None)
    if roles.recorded:
        recorded = as_date(row[roles.recorded], spec)
        assert recorded is not None and event <= recorded <= AS_AT
        tally.count("late_record", (recorded - event).days > 90, (AS_AT - event).days > 90)
    _tally_address(tally, truth, roles, row, person["person_id"], event)


def _tally_names(tally: Tally, roles: Roles, row: dict[str, Value], person: Person) -> None:
    forename, surname = _split_names(row, roles)
    if forename is None or surname is None:
        return
    true_forename, true_surname = fold(person["forename"]), fold(person["surname"])
    nicknames = {fold(n) for n in NICKNAMES.get(person["forename"], ())}
    # Some "nicknames" are spellings without an accent (Zoë, Zoe): not an error in a code page.
    nicknamed = fold(forename) in nicknames and fold(forename) != true_forename
    tally.count("nickname", nicknamed, roles.nicknames and bool(nicknames))
    for written, true in ((forename, true_forename), (surname, true_surname)):
        if written is forename and nicknamed:
            continue
        tally.count("name_typo", fold(written) != true and one_edit_apart(fold(written), true))


def _tally_address(
    tally: Tally, truth: Truth, roles: Roles, row: dict[str, Value], person_id: int, when: date
) -> None:
    current, previous = truth.postcodes_at(person_id, when)
    written = row[roles.postcode]
    if roles.postcode == "Address":  # the police line ends with the postcode
        line = str(written or "")
        written = next((p for p in (current, previous) if p and line.endswith(p)), line)
    moved = previous is not None and previous != current
    tally.count("stale_address", written == previous, moved and roles.stale)
    tally.count("postcode_error", written is None or written not in (current, previous))


RATE_FIELDS = ("name_typo", "nickname", "day_month_swap", "nhs_missing", "stale_address",
               "postcode_error", "duplicate", "late_record", "invalid_value")  # fmt: skip


@pytest.fixture(scope="module")
def crowd_extracts(
    crowd_world: SimulatedWorld, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[NoiseLevel], tuple[Path, pa.Table]]:
    cache: dict[NoiseLevel, tuple[Path, pa.Table]] = {}

    def written(level: NoiseLevel) -> tuple[Path, pa.Table]:
        if level not in cache:
            out = tmp_path_factory.mktemp(f"crowd-{level}")
            cache[level] = (out, write(crowd_world, out, level))
        return cache[level]

    return written


def test_without_noise_every_value_is_written_as_it_truly_is(
    crowd_world: SimulatedWorld, crowd_extracts: Callable[[NoiseLevel], tuple[Path, pa.Table]]
) -> None:
    out, records = crowd_extracts(NoiseLevel.NONE)
    tally = tally_errors(crowd_world, out, records)
    assert set(RATE_FIELDS) <= set(tally.eligible)
    assert {kind: tally.errors[kind] for kind in RATE_FIELDS} == dict.fromkeys(RATE_FIELDS, 0)


@pytest.mark.parametrize("level", [NoiseLevel.DEFAULT, NoiseLevel.HIGH])
def test_measured_error_rates_match_the_declared_rates(
    crowd_world: SimulatedWorld,
    crowd_extracts: Callable[[NoiseLevel], tuple[Path, pa.Table]],
    level: NoiseLevel,
) -> None:
    out, records = crowd_extracts(level)
    tally = tally_errors(crowd_world, out, records)
    rates = NoiseRates.at(level)
    for kind in RATE_FIELDS:
        declared = getattr(rates, kind)
        n = tally.eligible[kind]
        # Errors made once per person repeat on that person's rows, so allow more than the
        # binomial spread, plus a small absolute slack for errors that mask one another.
        tolerance = 6 * (declared * (1 - declared) / n) ** 0.5 + 0.1 * declared
        assert abs(tally.rate(kind) - declared) <= tolerance, (kind, tally.rate(kind), declared)


def test_the_same_seed_gives_the_same_bytes_in_every_file_including_the_workbook(
    crowd_world: SimulatedWorld, tmp_path: Path
) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    records_a = write(crowd_world, first, NoiseLevel.DEFAULT, seed=3)
    records_b = write(crowd_world, second, NoiseLevel.DEFAULT, seed=3)
    write(crowd_world, other, NoiseLevel.DEFAULT, seed=4)
    assert records_a.equals(records_b)
    for spec in SPEC.values():
        same = (first / spec.filename).read_bytes() == (second / spec.filename).read_bytes()
        differs = (first / spec.filename).read_bytes() != (other / spec.filename).read_bytes()
        assert same and differs, spec.filename


def test_impossible_dates_in_the_workbook_stay_text_and_every_other_date_is_a_date(
    crowd_extracts: Callable[[NoiseLevel], tuple[Path, pa.Table]],
) -> None:
    out, _ = crowd_extracts(NoiseLevel.HIGH)
    _, rows = read_extract(out, SPEC["early_education"])
    typed = [r[c] for r in rows for c in DATE_COLUMNS["early_education"] if r[c] is not None]
    as_text = [v for v in typed if isinstance(v, str)]
    assert as_text and len(as_text) < 0.01 * len(typed)
    for value in as_text:
        with pytest.raises(ValueError):
            datetime.strptime(value, "%d/%m/%Y")


def test_social_care_child_id_is_one_number_per_child_that_is_not_the_world_id(
    crowd_extracts: Callable[[NoiseLevel], tuple[Path, pa.Table]],
) -> None:
    out, records = crowd_extracts(NoiseLevel.NONE)
    _, rows = read_extract(out, SPEC["csc"])
    ids_of: dict[object, set[Value]] = defaultdict(set)
    for row, who in zip(rows, records_of(records, "csc"), strict=True):
        ids_of[who["person_id"]].add(row["CHILD_ID"])
    assert all(len(ids) == 1 for ids in ids_of.values())
    numbers = [next(iter(ids)) for ids in ids_of.values()]
    assert len(set(numbers)) == len(numbers)
    assert sum(str(person) == number for person, number in zip(ids_of, numbers, strict=True)) < 5


def test_police_often_leave_a_child_present_without_a_date_of_birth(
    crowd_extracts: Callable[[NoiseLevel], tuple[Path, pa.Table]],
) -> None:
    out, _ = crowd_extracts(NoiseLevel.NONE)
    _, rows = read_extract(out, SPEC["police"])
    children = [r for r in rows if r["Role"] == "Child Present"]
    adults = [r for r in rows if r["Role"] != "Child Present"]
    assert 0.45 < sum(r["DOB"] is None for r in children) / len(children) < 0.75
    assert all(r["DOB"] is not None for r in adults)


@pytest.mark.slow
def test_a_county_of_six_million_event_rows_is_written_within_two_minutes(
    crowd_factory: Callable[..., SimulatedWorld], tmp_path: Path
) -> None:
    county = crowd_factory(households=375_000, rows=900_000)  # 1.5 million people
    started = time.perf_counter()
    records = write(county, tmp_path, NoiseLevel.HIGH)
    assert time.perf_counter() - started < 120  # about 40 s on two idle cores
    assert records.num_rows > 6_000_000
