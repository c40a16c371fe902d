"""The world's register has gaps a resident would feel: neighbourhoods of high need left with no
early years service within a walk, while libraries, food banks and advice stay."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable

import duckdb
import numpy as np
import pytest

from bakehouse.assets import AreaNeed, lsoa_centroids, need_against_assets, services_from_feed
from bakehouse.geography import load_area, load_deprivation
from bakehouse.geography.areas import Area
from bakehouse.geography.deprivation import Deprivation
from bakehouse.recipes import load_recipe
from bakehouse.world.assets import (
    GAP_AREAS,
    GAP_FROM_HIGHEST_NEED,
    GAP_MARGIN_METRES,
    GAP_REACH_METRES,
    REFUGE,
    TYPES,
    Register,
    build_register,
)
from bakehouse.world.generate import WorldSummary


@pytest.fixture(scope="module")
def basildon() -> tuple[Area, Deprivation]:
    area = load_area("basildon")
    deprivation = load_deprivation(area.lsoa_codes, None, np.random.default_rng(1), area.centroids)
    return area, deprivation


@pytest.fixture(scope="module")
def need(basildon: tuple[Area, Deprivation]) -> dict[str, float]:
    """A need unlike deprivation: highest in the areas last by code."""
    codes = sorted(basildon[0].lsoa_codes)
    return {code: number / len(codes) for number, code in enumerate(codes)}


@pytest.fixture(scope="module")
def register(basildon: tuple[Area, Deprivation], need: dict[str, float]) -> Register:
    return build_register(*basildon, seed=1, need=need)


def early_years_within_walk(register: Register, codes: Iterable[str]) -> dict[str, int]:
    """Early years services within the gap walk of each area, as the school readiness recipe's
    gap measure counts them from the feed."""
    spec = load_recipe("school-readiness").recipe.assets
    assert spec is not None and spec.gap_metres == GAP_REACH_METRES
    areas = [AreaNeed(code, 1.0, 0.5, 1.5, 100) for code in codes]
    table = need_against_assets(
        areas,
        services_from_feed(register.feeds["services.json"]),
        lsoa_centroids(area.code for area in areas),
        spec,
    )
    band = [reach.metres for reach in spec.reach].index(spec.gap_metres)
    return {area.code: area.services[band] for area in table.areas}


def test_gap_areas_are_drawn_among_the_areas_of_highest_need(
    register: Register, need: dict[str, float]
) -> None:
    highest = sorted(need, key=need.__getitem__, reverse=True)[:GAP_FROM_HIGHEST_NEED]
    assert len(register.gaps["gap_areas"]) == GAP_AREAS
    assert set(register.gaps["gap_areas"]) <= set(highest)
    assert register.gaps["chosen_by"] == "expected_not_ready_share"


def test_no_early_years_service_is_left_within_a_walk_of_a_gap_area(register: Register) -> None:
    found = early_years_within_walk(register, register.gaps["gap_areas"])
    assert found == dict.fromkeys(register.gaps["gap_areas"], 0)
    removed = register.gaps["removed_services"]
    assert {service["gap_area"] for service in removed} == set(register.gaps["gap_areas"])
    assert all(
        service["metres_from_gap_centre"] <= GAP_REACH_METRES + GAP_MARGIN_METRES
        or service["lsoa11cd"] == service["gap_area"]
        for service in removed
    )


def test_neighbours_the_closures_left_without_are_named_and_truly_without(
    register: Register,
) -> None:
    left = register.gaps["areas_left_without"]
    assert left and not set(left) & set(register.gaps["gap_areas"])
    assert set(early_years_within_walk(register, left).values()) == {0}


def test_other_kinds_of_service_stay_and_the_register_stays_plausible(
    register: Register,
) -> None:
    services = register.feeds["services.json"]
    removed = register.gaps["removed_services"]
    by_kind = Counter(service["attributes"][0]["taxonomy_term"]["name"] for service in services)
    for kind in (*TYPES, REFUGE):
        if not kind.early_years:
            assert by_kind[kind.label] == kind.sites, kind.label
    assert {service["type"] for service in removed} <= set(register.gaps["early_years_types"])
    assert len(services) + len(removed) == sum(kind.sites for kind in (*TYPES, REFUGE))
    # A district still has most of its early years services after a few neighbourhoods close.
    early_years = sum(kind.sites for kind in TYPES if kind.early_years)
    assert len(removed) < early_years / 2
    assert len(services) > 40


def test_without_need_the_gaps_fall_among_the_most_deprived_areas(
    basildon: tuple[Area, Deprivation],
) -> None:
    area, deprivation = basildon
    register = build_register(area, deprivation, seed=1)
    rank = dict(zip(deprivation.lsoa11cd, deprivation.imd_rank, strict=True))
    most_deprived = sorted(rank, key=rank.__getitem__)[:GAP_FROM_HIGHEST_NEED]
    assert set(register.gaps["gap_areas"]) <= set(most_deprived)
    assert register.gaps["chosen_by"] == "deprivation"
    assert set(early_years_within_walk(register, register.gaps["gap_areas"]).values()) == {0}


def test_a_built_world_puts_its_gaps_where_its_children_most_need_support(
    small_world_factory: Callable[..., WorldSummary],
) -> None:
    world = small_world_factory(seed=1).out
    gaps = json.loads((world / "truth" / "asset_gaps.json").read_text(encoding="utf-8"))
    # The world's as-at is 30 September 2025: the cohorts of summer 2027 on are still to start.
    highest = duckdb.connect().execute(
        f"""
        select lsoa11cd from read_parquet('{world / "truth" / "area_need.parquet"}')
        where cohort >= 2027 group by lsoa11cd
        order by sum(expected_not_gld) / sum(children) desc, lsoa11cd
        limit {GAP_FROM_HIGHEST_NEED}
        """
    )
    assert set(gaps["gap_areas"]) <= {code for (code,) in highest.fetchall()}
    assert gaps["chosen_by"] == "expected_not_ready_share"
    feed = json.loads((world / "assets" / "services.json").read_text(encoding="utf-8"))
    walk = early_years_within_walk(Register({"services.json": feed}, gaps), gaps["gap_areas"])
    assert set(walk.values()) == {0}
