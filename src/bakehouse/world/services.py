"""The services that see children: health visiting, funded early education and the school census.

Each builds its event table (schemas in :mod:`bakehouse.world.tables`) from candidate contacts,
kept only where the child lived in the area on the day (a spell covers the date).
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from bakehouse.world import tables
from bakehouse.world.childhood import CENSUS_FROM, EARLY_SHARE

HV_CONTACTS = (  # type, first day of age, last day of age, coverage
    ("NBV", 10, 14, 0.97),
    ("6-8W", 42, 56, 0.88),
    ("1Y", 350, 395, 0.78),
)
# ASQ-3 is the national measure at the 2-2.5 year review; many areas also use it at the 9-12
# month (1Y) review, where a parent's questionnaire on a one-year-old is a noisier guide.
ASQ_AT_1Y = 0.9  # share of 1 year reviews with ASQ-3 scores recorded
ASQ_NOISE = 0.5  # each domain's noise, on the scale of development's spread
ASQ_1Y_NOISE = 0.85
# A domain's score before rounding: centre + scale * (loading * development + noise), plus the
# domain's gap for boys; then rounded to a multiple of 5 between 0 and 60.
ASQ_DOMAINS = (  # column, boy's gap
    ("asq_communication", -3),
    ("asq_gross_motor", 0),
    ("asq_fine_motor", -2),
    ("asq_problem_solving", -1),
    ("asq_personal_social", -2),
)
ASQ_CENTRE, ASQ_SCALE, ASQ_LOADING, ASQ_STEP, ASQ_MAX = 47, 9, 0.85, 5, 60
TERM_MONTHS = (1, 4, 9)  # spring, summer and autumn terms start in January, April, September
DATE_COLUMNS = frozenset({"contact_date", "term_start", "census_date"})


def _check_date_column(name: str) -> None:
    if name not in DATE_COLUMNS:
        raise ValueError(f"not a date column of the services' candidate tables: {name}")


def _at_address(con: duckdb.DuckDBPyConnection, candidates: pa.Table, on: str) -> pa.Table:
    """Keep candidate rows whose person lived in the area on column ``on``; add home and address."""
    _check_date_column(on)
    con.register("candidates", candidates)
    return con.sql(
        f"""
        select c.*, s.household_id, s.address_id
        from candidates c join spells s
          on s.person_id = c.person_id and s.start <= c.{on}
         and (s."end" is null or s."end" > c.{on})
        order by c.{on}, c.person_id
        """
    ).to_arrow_table()


def _claiming(con: duckdb.DuckDBPyConnection, rows: pa.Table, on: str) -> np.ndarray:
    """Whether each row's household had an open benefit claim on column ``on``."""
    _check_date_column(on)
    con.register("claim_rows", _numbered(rows.select(["household_id", on])))
    flags = con.sql(
        f"""
        select exists (select 1 from claims c where c.household_id = r.household_id
                       and c.start <= r.{on} and (c."end" is null or c."end" > r.{on})) as flag
        from claim_rows r order by r.row_index
        """
    ).fetchnumpy()
    return np.asarray(flags["flag"], dtype=bool)


def _numbered(rows: pa.Table) -> pa.Table:
    """Rows with their position, so that SQL results can be put back in order."""
    return rows.append_column("row_index", pa.array(np.arange(rows.num_rows), pa.int64()))


def health_visiting(
    con: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    children: pa.Table,
    births: dict[str, np.ndarray],
    disadvantage: np.ndarray,
    as_at: date,
) -> pa.Table:
    """Mandated contacts. The 2-2.5 year review records ASQ-3 scores of the child's development;
    most 1 year reviews do too, of the part of it present by then."""
    person = children.column("person_id").to_numpy()
    dob = children.column("dob").to_numpy().astype("datetime64[D]")
    parts = []
    for kind, first, last, coverage in HV_CONTACTS:
        seen = rng.random(len(person)) < coverage
        day = dob + rng.integers(first, last + 1, len(person)).astype("timedelta64[D]")
        parts.append((person[seen], np.full(seen.sum(), kind), day[seen], np.flatnonzero(seen)))
    # The review is due from 24 to 30 months; about one in ten happens after 30 months.
    reviewed = rng.random(len(person)) < 1 / (1 + np.exp(-(1.4 - 0.4 * disadvantage)))
    late = rng.random(len(person)) < 0.1
    age = np.where(late, rng.integers(914, 1036, len(person)), rng.integers(730, 913, len(person)))
    parts.append(
        (
            person[reviewed],
            np.full(reviewed.sum(), "2-2.5Y"),
            (dob + age.astype("timedelta64[D]"))[reviewed],
            np.flatnonzero(reviewed),
        )
    )
    index = np.concatenate([p[3] for p in parts])
    candidates = pa.table(
        {
            "person_id": np.concatenate([p[0] for p in parts]),
            "contact_type": np.concatenate([p[1] for p in parts]),
            "contact_date": pa.array(np.concatenate([p[2] for p in parts]), pa.date32()),
            "child": index,
        }
    )
    candidates = candidates.filter(
        pa.compute.less_equal(candidates["contact_date"], pa.scalar(as_at, pa.date32()))
    )
    rows = _at_address(con, candidates, "contact_date")
    child = rows.column("child").to_numpy()
    kind = rows.column("contact_type").to_numpy(zero_copy_only=False)
    review = kind == "2-2.5Y"
    birth = kind == "NBV"
    boy = children.column("sex").to_numpy(zero_copy_only=False)[child] == "M"
    first_year = (kind == "1Y") & (rng.random(len(child)) < ASQ_AT_1Y)
    later = _asq(rng, births["development"][child], boy, ASQ_NOISE)
    # Scored against children of the same age: the early part scaled to the whole's spread.
    early = _asq(rng, births["early_development"][child] / np.sqrt(EARLY_SHARE), boy, ASQ_1Y_NOISE)
    asq = {name: np.where(review, score, early[name]) for name, score in later.items()}
    scored = review | first_year
    mood = _mood(con, rng, rows)
    columns = {
        "person_id": rows.column("person_id"),
        "household_id": rows.column("household_id"),
        "address_id": rows.column("address_id"),
        "contact_type": rows.column("contact_type"),
        "contact_date": rows.column("contact_date"),
        "birth_weight_grams": pa.array(births["weight"][child], pa.int32(), mask=~birth),
        "gestation_weeks": pa.array(births["gestation"][child], pa.int32(), mask=~birth),
        **{name: pa.array(score, pa.int32(), mask=~scored) for name, score in asq.items()},
        "maternal_mood_concern": pa.array(mood),
    }
    return pa.table(columns, schema=tables.HV_CONTACTS)


def _asq(
    rng: np.random.Generator, development: np.ndarray, boy: np.ndarray, noise: float
) -> dict[str, np.ndarray]:
    """ASQ-3 domain scores (0-60 in steps of 5): the child's development seen with noise."""
    scores = {}
    for name, boy_gap in ASQ_DOMAINS:
        seen = ASQ_LOADING * development + noise * rng.standard_normal(len(development))
        raw = ASQ_CENTRE + ASQ_SCALE * seen + boy_gap * boy
        step = np.round(raw / ASQ_STEP) * ASQ_STEP
        scores[name] = np.clip(step, 0, ASQ_MAX).astype(np.int32)
    return scores


def _mood(con: duckdb.DuckDBPyConnection, rng: np.random.Generator, rows: pa.Table) -> np.ndarray:
    """A health visitor notices most current episodes of the mother's poor mental health."""
    con.register("contacts", _numbered(rows.select(["household_id", "contact_date"])))
    current = con.sql(
        """
        select exists (select 1 from mental_health m where m.household_id = c.household_id
                       and m.start <= c.contact_date and m."end" > c.contact_date) as flag
        from contacts c order by c.row_index
        """
    ).fetchnumpy()
    flag = np.asarray(current["flag"], dtype=bool)
    return np.where(flag, rng.random(len(flag)) < 0.7, rng.random(len(flag)) < 0.02)


def _term_starts(first: int, last: int) -> np.ndarray:
    return np.array(
        [np.datetime64(f"{y}-{m:02d}-01") for y in range(first, last + 1) for m in TERM_MONTHS]
    )


def early_education(
    con: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    children: pa.Table,
    cohort: np.ndarray,
    as_at: date,
) -> tuple[pa.Table, np.ndarray]:
    """Funded places each term; returns the table and who took a 2-year-old place by age 2.5."""
    person = children.column("person_id").to_numpy()
    dob = children.column("dob").to_numpy().astype("datetime64[D]")
    terms = _term_starts(2010, as_at.year)
    terms = terms[terms <= np.datetime64(as_at)]
    second = np.searchsorted(terms, dob + 731, side="left")  # first term after 2nd birthday
    third = np.searchsorted(terms, dob + 1096, side="left")
    reception = np.searchsorted(
        terms,
        (cohort - 1).astype(str).astype("datetime64[Y]") + np.timedelta64(243, "D"),
        side="left",
    )  # 1 September
    rows = []
    for funding, start, stop in (("2YO", second, third), ("3-4", third, reception)):
        count = np.clip(np.minimum(stop, len(terms)) - start, 0, None)
        child = np.repeat(np.arange(len(person)), count)
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        rows.append((child, terms[start[child] + offset], np.full(len(child), funding)))
    candidates = pa.table(
        {
            "person_id": person[np.concatenate([r[0] for r in rows])],
            "child": np.concatenate([r[0] for r in rows]),
            "term_start": pa.array(np.concatenate([r[1] for r in rows]), pa.date32()),
            "funding": np.concatenate([r[2] for r in rows]),
        }
    )
    placed = _at_address(con, candidates, "term_start")
    child = placed.column("child").to_numpy()
    funding = placed.column("funding").to_numpy(zero_copy_only=False)
    benefit = _claiming(con, placed, "term_start")
    takes_2yo = rng.random(len(person)) < 0.72
    takes_3_4 = rng.random(len(person)) < 0.94
    works = rng.random(len(person)) < 0.55
    two = funding == "2YO"
    keep = np.where(two, benefit & takes_2yo[child], takes_3_4[child])
    extended = ~two & works[child] & ~benefit
    kind = np.where(two, "2YO", np.where(extended, "3-4 Extended", "3-4 Universal"))
    providers = np.array([f"EY{100000 + 37 * i:06d}" for i in range(max(8, len(person) // 150))])
    provider = providers[(person[child] * 7919) % len(providers)]
    table = pa.table(
        {
            "person_id": placed.column("person_id"),
            "household_id": placed.column("household_id"),
            "address_id": placed.column("address_id"),
            "term_start": placed.column("term_start"),
            "funding_type": pa.array(kind),
            "hours_per_week": pa.array(np.where(extended, 30.0, 15.0)),
            "provider_urn": pa.array(provider),
            "eypp": pa.array(benefit & ~two),
        },
        schema=tables.EARLY_EDUCATION,
    ).filter(pa.array(keep))
    dob_child = dob[child]
    early = (
        keep
        & two
        & (placed.column("term_start").to_numpy().astype("datetime64[D]") < dob_child + 913)
    )
    took = np.zeros(len(person), dtype=bool)
    took[child[early]] = True
    return table, took


def school_census(
    con: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    pupils: pa.Table,
    gld: np.ndarray,
    known: np.ndarray,
    sen: np.ndarray,
    as_at: date,
) -> pa.Table:
    """January census rows from Reception to Year 11, with EYFSP on the Reception row."""
    person = pupils.column("person_id").to_numpy()
    cohort = pupils.column("cohort").to_numpy()
    last_census = as_at.year if as_at >= date(as_at.year, 1, 18) else as_at.year - 1
    years = np.arange(CENSUS_FROM, last_census + 1)
    grid_person = np.repeat(np.arange(len(person)), len(years))
    grid_year = np.tile(years, len(person))
    nc = grid_year - cohort[grid_person]
    keep = (nc >= 0) & (nc <= 11)
    grid_person, grid_year, nc = grid_person[keep], grid_year[keep], nc[keep]
    census = grid_year.astype(str).astype("datetime64[Y]") + np.timedelta64(17, "D")
    candidates = pa.table(
        {
            "person_id": person[grid_person],
            "pupil": grid_person,
            "census_date": pa.array(census.astype("datetime64[D]"), pa.date32()),
            "nc": nc,
        }
    )
    rows = _at_address(con, candidates, "census_date")
    pupil = rows.column("pupil").to_numpy()
    nc = rows.column("nc").to_numpy()
    reception = (nc == 0) & known[pupil]
    cohort_of_row = cohort[pupil]
    return pa.table(
        {
            "person_id": rows.column("person_id"),
            "household_id": rows.column("household_id"),
            "address_id": rows.column("address_id"),
            "census_date": rows.column("census_date"),
            "nc_year": pa.array(np.where(nc == 0, "R", nc.astype(str))),
            "fsm_eligible": pa.array(_claiming(con, rows, "census_date")),
            "sen_provision": pa.array(sen[pupil]),
            "eyfsp_gld": pa.array(gld[pupil], mask=~reception),
            "eyfsp_year": pa.array(cohort_of_row, pa.int32(), mask=~reception),
        },
        schema=tables.SCHOOL_CENSUS,
    )
