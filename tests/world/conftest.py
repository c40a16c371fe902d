"""Hand-built and generated worlds for the extract writers' tests.

``tiny_world`` is a handful of people written out by hand, one or more events in every table, so
that a test can say exactly what a file must contain. ``crowd_world`` is generated: a few thousand
households with moves and many events, enough rows to measure error rates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from bakehouse.world import council_tax, identifiers, names, tables
from bakehouse.world.tables import SimulatedWorld

AS_AT = date(2025, 9, 30)


def _table(schema: pa.Schema, rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


def _person(
    pid: int, sex: str, dob: date, forename: str, surname: str, **extra: Any
) -> dict[str, Any]:
    return {
        "person_id": pid,
        "sex": sex,
        "dob": dob,
        "forename": forename,
        "surname": surname,
        "ethnicity": extra.get("ethnicity", "WBRI"),
        "first_language": extra.get("first_language", "ENG"),
        "nhs_number": extra.get("nhs"),
        "upn": extra.get("upn"),
        "nino": extra.get("nino"),
        "mother_id": extra.get("mother"),
    }


def _tiny_people() -> pa.Table:
    return _table(
        tables.PEOPLE,
        [
            _person(
                1, "F", date(1990, 4, 5), "Elizabeth", "Smith", nhs="9434765919", nino="JK123456C"
            ),
            _person(
                2, "M", date(1988, 11, 23), "William", "Smith", nhs="4010232137", nino="AB654321A"
            ),
            _person(
                3,
                "F",
                date(2019, 3, 7),
                "Olivia",
                "Smith",
                nhs="4857773457",
                upn="B801200005001",
                mother=1,
            ),
            _person(
                4,
                "F",
                date(1995, 6, 15),
                "Łucja",
                "Wiśniewska",
                ethnicity="WOTH",
                first_language="pol",
                nhs="6432109876",
                nino="CE112233D",
            ),
            _person(
                5,
                "M",
                date(2020, 8, 1),
                "Jakub",
                "Wiśniewski",
                ethnicity="WOTH",
                first_language="pol",
                nhs="6100000016",
                upn="C881231700123",
                mother=4,
            ),
        ],
    )


def _tiny_places() -> tuple[pa.Table, pa.Table, pa.Table]:
    addresses = _table(
        tables.ADDRESSES,
        [
            {
                "address_id": 1,
                "lsoa11cd": "E01015890",
                "postcode": "SS14 1AA",
                "house_number": 12,
                "street": "Rectory Road",
                "town": "Basildon",
            },
            {
                "address_id": 2,
                "lsoa11cd": "E01015891",
                "postcode": "SS13 2BB",
                "house_number": 5,
                "street": "Whitmore Close",
                "town": "Basildon",
            },
            {
                "address_id": 3,
                "lsoa11cd": "E01015892",
                "postcode": "SS16 4CD",
                "house_number": 7,
                "street": "Church Gardens",
                "town": "Basildon",
            },
        ],
    )
    households = _table(
        tables.HOUSEHOLDS,
        [
            {
                "household_id": 10,
                "lsoa11cd": "E01015890",
                "tenure": "private_rent",
                "disadvantage": 0.5,
            },
            {
                "household_id": 20,
                "lsoa11cd": "E01015892",
                "tenure": "social_rent",
                "disadvantage": 1.2,
            },
        ],
    )
    moved = date(2021, 6, 1)
    residence = _table(
        tables.RESIDENCE,
        [
            {
                "person_id": 1,
                "household_id": 10,
                "address_id": 1,
                "start": date(2015, 1, 1),
                "end": moved,
            },
            {"person_id": 1, "household_id": 10, "address_id": 2, "start": moved, "end": None},
            {
                "person_id": 2,
                "household_id": 10,
                "address_id": 1,
                "start": date(2015, 1, 1),
                "end": moved,
            },
            {"person_id": 2, "household_id": 10, "address_id": 2, "start": moved, "end": None},
            {
                "person_id": 3,
                "household_id": 10,
                "address_id": 1,
                "start": date(2019, 3, 7),
                "end": moved,
            },
            {"person_id": 3, "household_id": 10, "address_id": 2, "start": moved, "end": None},
            {
                "person_id": 4,
                "household_id": 20,
                "address_id": 3,
                "start": date(2018, 1, 1),
                "end": None,
            },
            {
                "person_id": 5,
                "household_id": 20,
                "address_id": 3,
                "start": date(2020, 8, 1),
                "end": None,
            },
        ],
    )
    return addresses, households, residence


def _tiny_events() -> dict[str, pa.Table]:
    asq = {
        "asq_communication": 45,
        "asq_gross_motor": 50,
        "asq_fine_motor": 40,
        "asq_problem_solving": 35,
        "asq_personal_social": 55,
    }
    no_asq = dict.fromkeys(asq)
    return {
        "csc_episodes": _table(
            tables.CSC_EPISODES,
            [
                {
                    "episode_id": 1,
                    "person_id": 3,
                    "household_id": 10,
                    "address_id": 2,
                    "referral_date": date(2022, 2, 10),
                    "referral_source": "Police",
                    "primary_need": "Abuse or neglect",
                    "outcome": "CIN",
                    "episode_start": date(2022, 2, 14),
                    "episode_end": date(2023, 1, 9),
                },
            ],
        ),
        "school_census": _table(
            tables.SCHOOL_CENSUS,
            [
                {
                    "person_id": 3,
                    "household_id": 10,
                    "address_id": 2,
                    "census_date": date(2024, 1, 18),
                    "nc_year": "R",
                    "fsm_eligible": True,
                    "sen_provision": "N",
                    "eyfsp_gld": True,
                    "eyfsp_year": 2024,
                },
                {
                    "person_id": 3,
                    "household_id": 10,
                    "address_id": 2,
                    "census_date": date(2025, 1, 16),
                    "nc_year": "1",
                    "fsm_eligible": True,
                    "sen_provision": "K",
                    "eyfsp_gld": None,
                    "eyfsp_year": None,
                },
                {
                    "person_id": 5,
                    "household_id": 20,
                    "address_id": 3,
                    "census_date": date(2025, 1, 16),
                    "nc_year": "R",
                    "fsm_eligible": False,
                    "sen_provision": "N",
                    "eyfsp_gld": None,
                    "eyfsp_year": None,
                },
            ],
        ),
        "early_education": _table(
            tables.EARLY_EDUCATION,
            [
                {
                    "person_id": 3,
                    "household_id": 10,
                    "address_id": 2,
                    "term_start": date(2021, 4, 1),
                    "funding_type": "2YO",
                    "hours_per_week": 15.0,
                    "provider_urn": "EY123456",
                    "eypp": True,
                },
                {
                    "person_id": 5,
                    "household_id": 20,
                    "address_id": 3,
                    "term_start": date(2023, 9, 1),
                    "funding_type": "3-4 Extended",
                    "hours_per_week": 30.0,
                    "provider_urn": "EY654321",
                    "eypp": False,
                },
            ],
        ),
        "hv_contacts": _table(
            tables.HV_CONTACTS,
            [
                {
                    "person_id": 3,
                    "household_id": 10,
                    "address_id": 1,
                    "contact_type": "NBV",
                    "contact_date": date(2019, 3, 20),
                    "birth_weight_grams": 3250,
                    "gestation_weeks": 39,
                    **no_asq,
                    "maternal_mood_concern": False,
                },
                {
                    "person_id": 3,
                    "household_id": 10,
                    "address_id": 2,
                    "contact_type": "2-2.5Y",
                    "contact_date": date(2021, 9, 10),
                    "birth_weight_grams": 3250,
                    "gestation_weeks": 39,
                    **asq,
                    "maternal_mood_concern": True,
                },
                {
                    "person_id": 5,
                    "household_id": 20,
                    "address_id": 3,
                    "contact_type": "NBV",
                    "contact_date": date(2020, 8, 12),
                    "birth_weight_grams": 2400,
                    "gestation_weeks": 35,
                    **no_asq,
                    "maternal_mood_concern": False,
                },
            ],
        ),
        "da_incidents": _table(
            tables.DA_INCIDENTS,
            [
                {
                    "incident_id": 1,
                    "incident_time": datetime(2023, 5, 6, 22, 30),
                    "household_id": 10,
                    "address_id": 2,
                    "person_id": pid,
                    "role": role,
                    "dash_risk": "Medium",
                }
                for pid, role in ((1, "Victim"), (2, "Suspect"), (3, "Child Present"))
            ],
        ),
        "housing_cases": _table(
            tables.HOUSING_CASES,
            [
                {
                    "case_id": 1,
                    "applicant_id": 4,
                    "household_id": 20,
                    "previous_address_id": 3,
                    "household_size": 2,
                    "children_in_household": 1,
                    "approach_date": date(2024, 2, 1),
                    "reason": "End of private tenancy",
                    "duty": "Relief",
                    "ta_start": date(2024, 3, 4),
                    "ta_end": date(2024, 8, 30),
                },
            ],
        ),
        "benefit_claims": _table(
            tables.BENEFIT_CLAIMS,
            [
                {
                    "claim_id": 1,
                    "claimant_id": 1,
                    "partner_id": 2,
                    "household_id": 10,
                    "address_id": 2,
                    "claim_type": "HB",
                    "claim_start": date(2021, 7, 1),
                    "claim_end": None,
                    "dependants": 1,
                    "passported": True,
                },
                {
                    "claim_id": 2,
                    "claimant_id": 4,
                    "partner_id": None,
                    "household_id": 20,
                    "address_id": 3,
                    "claim_type": "CTR",
                    "claim_start": date(2019, 1, 1),
                    "claim_end": date(2020, 1, 1),
                    "dependants": 1,
                    "passported": False,
                },
            ],
        ),
        "marac_referrals": _table(
            tables.MARAC_REFERRALS,
            [
                {
                    "referral_id": 1,
                    "incident_id": 1,
                    "person_id": 1,
                    "household_id": 10,
                    "address_id": 2,
                    "referral_date": date(2023, 6, 20),
                    "referring_agency": "Police",
                },
            ],
        ),
        # The Smiths at each address (William the older, so liable), Łucja alone with a discount.
        "council_tax": _table(
            tables.COUNCIL_TAX,
            [
                {
                    "account_id": 0,
                    "household_id": 10,
                    "address_id": 1,
                    "liable_id": 2,
                    "joint_id": 1,
                    "account_start": date(2015, 1, 1),
                    "account_end": date(2021, 6, 1),
                    "adults_at_start": 2,
                    "discount_start": None,
                    "discount_end": None,
                },
                {
                    "account_id": 1,
                    "household_id": 20,
                    "address_id": 3,
                    "liable_id": 4,
                    "joint_id": None,
                    "account_start": date(2018, 1, 1),
                    "account_end": None,
                    "adults_at_start": 1,
                    "discount_start": date(2018, 2, 12),
                    "discount_end": None,
                },
                {
                    "account_id": 2,
                    "household_id": 10,
                    "address_id": 2,
                    "liable_id": 2,
                    "joint_id": 1,
                    "account_start": date(2021, 6, 1),
                    "account_end": None,
                    "adults_at_start": 2,
                    "discount_start": None,
                    "discount_end": None,
                },
            ],
        ),
    }


def make_tiny_world() -> SimulatedWorld:
    """Two households (one moved in 2021), five people, events in all nine tables."""
    addresses, households, residence = _tiny_places()
    return SimulatedWorld(
        area="basildon",
        seed=1,
        as_at=AS_AT,
        people=_tiny_people(),
        addresses=addresses,
        households=households,
        residence=residence,
        children=tables.CHILDREN.empty_table(),
        **_tiny_events(),
    )


@pytest.fixture(scope="session")
def tiny_world() -> SimulatedWorld:
    return make_tiny_world()


# --- a generated crowd ---------------------------------------------------------------------------


def _days(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    return lo + rng.integers(0, int((hi - lo).astype(int)), size=n).astype("timedelta64[D]")


class _Crowd:
    """Households of two adults and two children; half moved once, on ``moved``."""

    def __init__(self, rng: np.random.Generator, households: int) -> None:
        self.rng = rng
        self.h = households
        n = 4 * households
        self.hh = np.repeat(np.arange(households), 4)
        self.role = np.tile(np.array(["mother", "father", "child", "child"]), households)
        self.sex = np.where(
            self.role == "mother",
            "F",
            np.where(self.role == "father", "M", np.where(rng.random(n) < 0.5, "F", "M")),
        ).astype(object)
        adult = self.role != "child"
        self.dob = np.where(
            adult,
            _days(rng, "1970-01-01", "1998-12-31", n),
            _days(rng, "2011-09-01", "2022-08-31", n),
        )
        # Two addresses per household, each with its own postcode: before and after the move.
        self.moved = np.where(
            rng.random(households) < 0.5,
            _days(rng, "2013-01-01", "2024-01-01", households),
            np.datetime64("NaT"),
        )

    def people(self) -> pa.Table:
        n = len(self.hh)
        ethnicity = self.rng.choice(
            np.array(["WBRI", "WOTH", "ASIA", "BLAC", "MIXD", "OTHE"], dtype=object),
            size=n,
            p=[0.7, 0.1, 0.08, 0.05, 0.04, 0.03],
        )
        child = self.role == "child"
        upn = np.full(n, None, dtype=object)
        upn[child] = identifiers.upns(self.rng, int(child.sum()))
        nino = np.full(n, None, dtype=object)
        nino[~child] = identifiers.ninos(self.rng, int((~child).sum()))
        mother = np.where(child, self.hh * 4, -1)
        return pa.table(
            {
                "person_id": pa.array(np.arange(n), pa.int64()),
                "sex": pa.array(self.sex, pa.string()),
                "dob": pa.array(self.dob, pa.date32()),
                "forename": pa.array(
                    names.draw_forenames(self.rng, self.sex, ethnicity), pa.string()
                ),
                "surname": pa.array(
                    np.repeat(names.draw_surnames(self.rng, ethnicity[::4]), 4), pa.string()
                ),
                "ethnicity": pa.array(ethnicity, pa.string()),
                "first_language": pa.array(
                    np.where(ethnicity == "WOTH", "pol", "ENG"), pa.string()
                ),
                "nhs_number": pa.array(identifiers.nhs_numbers(self.rng, n), pa.string()),
                "upn": pa.array(upn, pa.string()),
                "nino": pa.array(nino, pa.string()),
                "mother_id": pa.array(mother, pa.int64(), mask=mother < 0),
            },
            schema=tables.PEOPLE,
        )

    def addresses(self) -> pa.Table:
        k = 2 * self.h
        address_id = np.arange(k)
        postcode = np.array(
            [
                f"SS{1 + i // 4000} {i % 10}{'ABDEFGHJLNPQRSTUWXYZ'[i // 10 % 20]}"
                f"{'ABDEFGHJLNPQRSTUWXYZ'[i // 200 % 20]}"
                for i in address_id
            ]
        )
        return pa.table(
            {
                "address_id": pa.array(address_id, pa.int64()),
                "lsoa11cd": pa.array([f"E0101{5000 + i % 110}" for i in address_id]),
                "postcode": pa.array(postcode),
                "house_number": pa.array(self.rng.integers(1, 200, size=k), pa.int32()),
                "street": pa.array(names.street_names(self.rng, k), pa.string()),
                "town": pa.array(["Basildon"] * k),
            },
            schema=tables.ADDRESSES,
        )

    def residence(self) -> pa.Table:
        person = np.arange(len(self.hh))
        move = self.moved[self.hh]
        start = np.maximum(self.dob, np.datetime64("2010-01-01"))
        first = {
            "person_id": person,
            "household_id": self.hh,
            "address_id": 2 * self.hh,
            "start": start,
            "end": move,
        }
        movers = ~np.isnat(move) & (move > start)
        second = {
            "person_id": person[movers],
            "household_id": self.hh[movers],
            "address_id": 2 * self.hh[movers] + 1,
            "start": move[movers],
            "end": np.full(int(movers.sum()), np.datetime64("NaT")),
        }
        merged = {key: np.concatenate([first[key], second[key]]) for key in first}
        merged["end"] = np.where(
            np.isnat(move[merged["person_id"]]) | ~movers[merged["person_id"]],
            np.datetime64("NaT"),
            merged["end"],
        )
        return pa.table(
            {
                "person_id": pa.array(merged["person_id"], pa.int64()),
                "household_id": pa.array(merged["household_id"], pa.int64()),
                "address_id": pa.array(merged["address_id"], pa.int64()),
                "start": pa.array(merged["start"], pa.date32()),
                "end": pa.array(merged["end"], pa.date32()),
            },
            schema=tables.RESIDENCE,
        )

    def address_at(self, person: np.ndarray, when: np.ndarray) -> np.ndarray:
        move = self.moved[self.hh[person]]
        after = ~np.isnat(move) & (when >= move) & (move > self.dob[person])
        address: np.ndarray = 2 * self.hh[person] + after
        return address


class _Events:
    """Random events for a crowd: ``rows`` per table, dated 2012 to 2025 and after birth."""

    def __init__(self, crowd: _Crowd, rows: int) -> None:
        self.crowd = crowd
        self.rows = rows
        self.rng = crowd.rng

    def sample(self, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        person = self.rng.choice(pool, size=self.rows)
        when = _days(self.rng, "2012-01-01", "2025-09-01", self.rows)
        return person, np.maximum(when, self.crowd.dob[person] + 1)

    def at(self, person: np.ndarray, when: np.ndarray) -> dict[str, Any]:
        return {
            "person_id": person,
            "household_id": self.crowd.hh[person],
            "address_id": self.crowd.address_at(person, when),
        }

    def choice(self, *options: object) -> np.ndarray:
        return np.array(options, dtype=object)[self.rng.integers(len(options), size=self.rows)]

    def flags(self, p: float) -> np.ndarray:
        return self.rng.random(self.rows) < p

    def constant(self, value: int) -> np.ndarray:
        return np.full(self.rows, value, dtype=np.int32)


def _table_of(schema: pa.Schema, columns: dict[str, Any]) -> pa.Table:
    """A table of ``schema`` from the given columns; the others are null."""
    size = len(next(iter(columns.values())))
    arrays = []
    for f in schema:
        value = columns.get(f.name)
        if value is None:
            arrays.append(pa.nulls(size, f.type))
        else:
            arrays.append(value if isinstance(value, pa.Array) else pa.array(value, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _crowd_events(crowd: _Crowd, rows: int) -> dict[str, pa.Table]:
    e = _Events(crowd, rows)
    ids = np.arange(rows)
    children = np.flatnonzero(crowd.role == "child")
    adults = np.flatnonzero(crowd.role != "child")
    everyone = np.arange(len(crowd.hh))
    out: dict[str, pa.Table] = {}

    p, w = e.sample(children)
    out["csc_episodes"] = _table_of(
        tables.CSC_EPISODES,
        {
            **e.at(p, w),
            "episode_id": ids,
            "referral_date": w,
            "referral_source": e.choice("Police", "School", "Health"),
            "primary_need": e.choice("Abuse or neglect", "Family dysfunction"),
            "outcome": e.choice("NFA", "CIN", "CP"),
            "episode_start": w,
        },
    )
    p, w = e.sample(children)
    out["school_census"] = _table_of(
        tables.SCHOOL_CENSUS,
        {
            **e.at(p, w),
            "census_date": w,
            "nc_year": e.choice("R", "1", "2"),
            "fsm_eligible": e.flags(0.2),
            "sen_provision": e.choice("N", "K", "E"),
        },
    )
    p, w = e.sample(children)
    out["early_education"] = _table_of(
        tables.EARLY_EDUCATION,
        {
            **e.at(p, w),
            "term_start": w,
            "funding_type": e.choice("2YO", "3-4 Universal"),
            "hours_per_week": np.full(rows, 15.0),
            "provider_urn": e.choice("EY100001", "EY100002"),
            "eypp": e.flags(0.1),
        },
    )
    p, w = e.sample(children)
    out["hv_contacts"] = _table_of(
        tables.HV_CONTACTS,
        {
            **e.at(p, w),
            "contact_type": e.choice("NBV", "1Y"),
            "contact_date": w,
            "birth_weight_grams": e.constant(3300),
            "gestation_weeks": e.constant(39),
            "maternal_mood_concern": e.flags(0.1),
        },
    )
    p, w = e.sample(everyone)
    role = np.where(crowd.sex[p] == "F", "Victim", "Suspect")
    out["da_incidents"] = _table_of(
        tables.DA_INCIDENTS,
        {
            **e.at(p, w),
            "incident_id": ids,
            "incident_time": w.astype("datetime64[s]") + e.rng.integers(0, 86400, size=rows),
            "role": np.where(crowd.role[p] == "child", "Child Present", role).astype(object),
            "dash_risk": e.choice("Standard", "Medium", "High"),
        },
    )
    p, w = e.sample(adults)
    out["housing_cases"] = _table_of(
        tables.HOUSING_CASES,
        {
            "case_id": ids,
            "applicant_id": p,
            "household_id": crowd.hh[p],
            "previous_address_id": crowd.address_at(p, w),
            "household_size": e.constant(4),
            "children_in_household": e.constant(2),
            "approach_date": w,
            "reason": e.choice("Eviction", "Relationship breakdown"),
            "duty": e.choice("Prevention", "Relief"),
        },
    )
    p, w = e.sample(adults)
    partner = np.where(crowd.role[p] == "mother", p + 1, p - 1)
    out["benefit_claims"] = _table_of(
        tables.BENEFIT_CLAIMS,
        {
            "claim_id": ids,
            "claimant_id": p,
            "partner_id": pa.array(partner, pa.int64(), mask=e.flags(0.4)),
            "household_id": crowd.hh[p],
            "address_id": crowd.address_at(p, w),
            "claim_type": e.choice("HB", "CTR"),
            "claim_start": w,
            "dependants": e.constant(2),
            "passported": e.flags(0.5),
        },
    )
    p, w = e.sample(adults)
    out["marac_referrals"] = _table_of(
        tables.MARAC_REFERRALS,
        {
            **e.at(p, w),
            "referral_id": ids,
            "incident_id": ids,
            "referral_date": w,
            "referring_agency": e.choice("Police", "IDVA service", "Health"),
        },
    )
    return out


def _crowd_council_tax(crowd: _Crowd, people: pa.Table, residence: pa.Table) -> pa.Table:
    """Accounts of the crowd's couples at each address, derived as a built world's are."""
    father = crowd.role == "father"
    partner = np.where(father, np.arange(len(crowd.hh)) - 1, -1)
    couples = people.select(["person_id", "dob", "mother_id"]).append_column(
        "partner_id", pa.array(partner, pa.int64(), mask=partner < 0)
    )
    found = council_tax.derive(residence, couples, AS_AT)
    return council_tax.record(found, np.random.default_rng(crowd.h))


def make_crowd_world(seed: int = 5, households: int = 1500, rows: int = 4000) -> SimulatedWorld:
    crowd = _Crowd(np.random.default_rng(seed), households)
    people = crowd.people()
    residence = crowd.residence()
    return SimulatedWorld(
        area="basildon",
        seed=seed,
        as_at=AS_AT,
        people=people,
        addresses=crowd.addresses(),
        households=tables.HOUSEHOLDS.empty_table(),
        residence=residence,
        children=tables.CHILDREN.empty_table(),
        council_tax=_crowd_council_tax(crowd, people, residence),
        **_crowd_events(crowd, rows),
    )


@pytest.fixture(scope="session")
def crowd_world() -> SimulatedWorld:
    """6,000 people in 1,500 households (half moved once), 4,000 events in each table."""
    return make_crowd_world()


@pytest.fixture(scope="session")
def crowd_factory() -> Callable[..., SimulatedWorld]:
    return make_crowd_world
