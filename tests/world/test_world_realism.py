"""The Basildon world against the targets it is meant to meet (docs/world.md)."""

from __future__ import annotations

import duckdb
import pytest

from bakehouse.modelling.metrics import auc
from bakehouse.world.generate import WorldSummary


@pytest.fixture(scope="module")
def db(basildon_world: WorldSummary) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    truth = basildon_world.out / "truth"
    for name in ("children", "people", "area_need", "deprivation", "addresses", "residence"):
        con.execute(f"create view {name} as select * from read_parquet('{truth / name}.parquet')")
    return con


def scalar(db: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = db.execute(sql).fetchone()
    assert row is not None
    return float(row[0])


def test_basildon_has_its_110_lsoas_all_populated(db: duckdb.DuckDBPyConnection) -> None:
    assert scalar(db, "select count(distinct lsoa11cd) from addresses") == 110
    assert scalar(db, "select count(distinct lsoa11cd) from area_need") == 110
    assert (
        scalar(
            db,
            "select count(*) from addresses where postcode not like 'SS%' "
            "and postcode not like 'CM%'",
        )
        == 0
    )


def test_population_is_near_the_real_district(basildon_world: WorldSummary) -> None:
    residents = basildon_world.manifest["counts"]["residents_at_as_at"]
    # Basildon: 181,951 residents in mid-2015 (IoD 2019 denominators).
    assert 160_000 < residents < 215_000


def test_overall_gld_is_near_englands_two_thirds(db: duckdb.DuckDBPyConnection) -> None:
    rate = scalar(db, "select avg(gld::int) from children where assessed")
    assert 0.62 < rate < 0.72


@pytest.mark.parametrize(
    ("group", "lower_group", "minimum_gap"),
    [
        ("not free_school_meals", "free_school_meals", 0.08),
        ("sex = 'F'", "sex = 'M'", 0.05),
        ("not summer_born", "summer_born", 0.05),
        ("not sen", "sen", 0.20),
    ],
)
def test_gld_is_lower_for_the_groups_england_sees_lower(
    db: duckdb.DuckDBPyConnection, group: str, lower_group: str, minimum_gap: float
) -> None:
    base = "select avg(gld::int) from children join people using (person_id) where assessed and "
    gap = scalar(db, base + group) - scalar(db, base + lower_group)
    assert gap > minimum_gap


def test_at_least_five_cohorts_have_results_and_three_are_still_to_come(
    db: duckdb.DuckDBPyConnection,
) -> None:
    assessed = db.execute(
        "select cohort from children where assessed group by cohort having count(*) > 500"
    ).fetchall()
    assert len(assessed) >= 5
    assert {2020, 2021}.isdisjoint({c for (c,) in assessed})
    future = db.execute(
        "select cohort from children where cohort > 2025 and prediction_date <= date '2025-09-30' "
        "and lsoa_at_prediction is not null group by cohort having count(*) > 500"
    ).fetchall()
    assert len(future) >= 3


@pytest.mark.parametrize(
    ("measure", "low", "high"),
    [
        ("avg(free_school_meals::int)", 0.10, 0.32),  # England 2024: 24%
        ("avg(eal::int)", 0.03, 0.25),  # Basildon is less diverse than England's 21%
        ("avg(sen::int)", 0.07, 0.20),  # Reception pupils with SEN: about 12%
        ("avg(summer_born::int)", 0.38, 0.46),  # April to August: 5 months of 12
    ],
)
def test_prevalences_are_realistic(
    db: duckdb.DuckDBPyConnection, measure: str, low: float, high: float
) -> None:
    assert low < scalar(db, f"select {measure} from children where assessed") < high


def test_need_is_higher_in_more_deprived_areas(db: duckdb.DuckDBPyConnection) -> None:
    correlation = scalar(
        db,
        "select corr(n.rate, -d.imd_rank) from (select lsoa11cd, avg(true_rate_not_gld) as rate "
        "from area_need group by lsoa11cd) n join deprivation d using (lsoa11cd)",
    )
    assert correlation > 0.4


def test_true_probabilities_are_recorded_and_outcomes_follow_them(
    db: duckdb.DuckDBPyConnection,
) -> None:
    assert scalar(db, "select count(*) from children where p_gld is null") == 0
    # Outcomes drawn from p: mean outcome within 1.5 points of mean probability.
    gap = scalar(db, "select abs(avg(gld::int) - avg(p_gld)) from children")
    assert gap < 0.015


def test_probability_from_records_follows_outcomes_and_knows_less_than_hindsight(
    db: duckdb.DuckDBPyConnection,
) -> None:
    assert scalar(db, "select count(*) from children where p_gld_from_records is null") == 0
    gap = scalar(db, "select abs(avg(gld::int) - avg(p_gld_from_records)) from children")
    assert gap < 0.015
    assessed = db.execute(
        "select gld, p_gld, p_gld_from_records from children where assessed"
    ).fetchnumpy()
    not_ready = ~assessed["gld"].astype(bool)
    from_records = auc(not_ready, 1 - assessed["p_gld_from_records"])
    hindsight = auc(not_ready, 1 - assessed["p_gld"])
    # Records see development through reviews only: less than hindsight, far more than nothing.
    assert 0.6 < from_records < hindsight - 0.005


def test_births_stay_near_basildons_level_every_year(db: duckdb.DuckDBPyConnection) -> None:
    # Basildon: about 2,500-2,700 live births a year through the 2010s (ONS), roughly flat.
    births = db.execute(
        "select year(p.dob) as year, count(*) from children c join people p using (person_id) "
        "where year(p.dob) between 2010 and 2024 group by 1 order by 1"
    ).fetchall()
    assert len(births) == 15
    assert all(2_300 < count < 2_900 for _, count in births), births


def test_development_is_scored_at_the_one_year_review_and_again_at_two(
    basildon_world: WorldSummary,
) -> None:
    """Most 1 year reviews carry ASQ-3 scores; a child's two totals agree only moderately, and
    the later one says more about GLD (it sees the development of the second year too)."""
    out = basildon_world.out
    con = duckdb.connect()
    con.execute(
        "create view hv as select row_number() over () as row_number, * from read_csv("
        f"'{out / 'extracts' / 'health_visiting.psv'}', delim = '|', header = true, "
        "all_varchar = true)"
    )
    scored = dict(
        con.execute(
            "select ContactType, avg((ASQ_Communication is not null)::int) from hv group by 1"
        ).fetchall()
    )
    assert 0.8 < scored["1Y"] < 0.95
    assert scored["2-2.5Y"] > 0.95
    assert scored["NBV"] == scored["6-8W"] == 0
    domains = " + ".join(
        f"try_cast({name} as int)"
        for name in (
            "ASQ_Communication",
            "ASQ_GrossMotor",
            "ASQ_FineMotor",
            "ASQ_ProblemSolving",
            "ASQ_PersonalSocial",
        )
    )
    row = con.execute(
        f"""with scores as (
              select r.person_id, h.ContactType as kind, {domains} as total
              from hv h join read_parquet(?) r using (row_number)
              where r.source = 'health_visiting'),
            both_reviews as (
              select person_id, max(total) filter (where kind = '1Y') as first,
                     max(total) filter (where kind = '2-2.5Y') as second
              from scores group by 1)
            select corr(first, second), corr(first, c.gld::int), corr(second, c.gld::int)
            from both_reviews b join read_parquet(?) c using (person_id) where c.assessed""",
        [str(out / "truth" / "records.parquet"), str(out / "truth" / "children.parquet")],
    ).fetchone()
    assert row is not None
    between_reviews, first_with_gld, second_with_gld = row
    assert 0.45 < between_reviews < 0.8
    assert 0.1 < first_with_gld < second_with_gld
