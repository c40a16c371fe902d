"""The Basildon world against the targets it is meant to meet (docs/world.md)."""

from __future__ import annotations

import duckdb
import pytest

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
