"""The world's census: its residents per LSOA, counted as the truth has them, labelled synthetic."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from bakehouse.world.census import AGE_BANDS, CENSUS_FILE, ETHNIC_ORDER, read_census
from bakehouse.world.generate import WorldSummary

AS_AT = date(2025, 9, 30)


def _living(world: Path) -> set[int]:
    residence = pq.read_table(world / "truth" / "residence.parquet")
    return set(residence.filter(pc.is_null(residence["end"]))["person_id"].to_pylist())


def test_every_resident_is_counted_once_by_ethnic_group_and_every_adult_by_age(
    small_world_factory: Callable[..., WorldSummary],
) -> None:
    world = Path(small_world_factory(seed=1).out)
    census = read_census(world / CENSUS_FILE)
    living = _living(world)
    people = pq.read_table(world / "truth" / "people.parquet").to_pylist()
    adults = sum(
        1
        for person in people
        if person["person_id"] in living
        and (
            AS_AT.year
            - person["dob"].year
            - ((AS_AT.month, AS_AT.day) < (person["dob"].month, person["dob"].day))
        )
        >= 16
    )
    by_group = [counts for (_, measure), counts in census.items() if measure == "ethnic_group"]
    by_age = [counts for (_, measure), counts in census.items() if measure == "age_band"]
    assert sum(sum(counts.values()) for counts in by_group) == len(living)
    assert sum(sum(counts.values()) for counts in by_age) == adults
    assert all(list(counts) == list(ETHNIC_ORDER) for counts in by_group)
    assert all(list(counts) == list(AGE_BANDS) for counts in by_age)


def test_the_census_says_on_every_row_that_it_is_synthetic(
    small_world_factory: Callable[..., WorldSummary],
) -> None:
    world = Path(small_world_factory(seed=1).out)
    with (world / CENSUS_FILE).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert all(row["source"].startswith("synthetic: bakehouse world seed 1") for row in rows)
    households = [row for row in rows if row["measure"] == "children_under_five"]
    assert {row["group"] for row in households} == {"yes", "no"}
    assert sum(int(row["count"]) for row in households if row["group"] == "yes") > 0
