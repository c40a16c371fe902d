"""Children's early years: health visiting, early education, school, and the GLD outcome.

Runs after the monthly simulation, on its timelines, with SQL for every "as at a date" question
(where did the child live, was the household claiming, had there been an incident).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from bakehouse.world.config import Intervention

NO_EYFSP_COHORTS = (2020, 2021)  # not collected during COVID-19
CENSUS_FROM = 2017  # the school census extract starts with the January 2017 census
PREDICTION_MONTHS = 30
# The outcome model: log-odds of reaching GLD. Coefficients chosen so that the gaps by group are
# near England's (EYFSP 2023/24: FSM 51% vs 72%; boys 61% vs girls 75%; summer-born lower).
GLD = {
    "development": 0.95,
    "boy": -0.45,
    "month_younger": -0.085,
    "benefit": -0.8,
    "domestic_abuse": -0.35,
    "parent_mental_health": -0.3,
    "preterm": -0.35,
    "low_birth_weight": -0.25,
    "social_care": -0.45,
    "temporary_accommodation": -0.3,
    "moves": -0.08,
    "early_education_2yo": 0.25,
    "eal": -0.45,
    "area_deprivation": -0.12,
    "area_effect_sd": 0.2,
}
TARGET_GLD = 0.67
# The share of the spread of development at age 2.5 already present by the first birthday.
EARLY_SHARE = 0.5
DEVELOPMENT_SPREAD = 0.95  # standard deviation of development at 2.5 among equal children
# Development's two parts: their means shift with the household's disadvantage and prematurity.
EARLY_MEAN = {"disadvantage": -0.15, "preterm": -0.35}
GROWTH_MEAN = {"disadvantage": -0.2}


@dataclass
class ChildInputs:
    """The simulation's tables that childhood needs, as Arrow."""

    people: pa.Table  # person_id, sex, dob, born_in_world, other_language
    households: pa.Table  # household_id, disadvantage
    addresses: pa.Table  # address_id, lsoa index, lsoa11cd
    spells: pa.Table
    claims: pa.Table  # household_id, start, end
    mental_health: pa.Table  # household_id, start, end
    incidents: pa.Table  # household_id, time
    csc: pa.Table  # person_id, start (null for NFA)
    ta: pa.Table  # household_id, ta_start
    area_score: np.ndarray
    lsoa_codes: np.ndarray


def cohort_of(dob: np.ndarray) -> np.ndarray:
    """The summer a child finishes Reception: born Sep Y-1 to Aug Y finishes in Y + 5."""
    year = dob.astype("datetime64[Y]").astype(int) + 1970
    month = dob.astype("datetime64[M]").astype(int) % 12 + 1
    return (year + 5 + (month >= 9)).astype(np.int32)


def month_younger(dob: np.ndarray) -> np.ndarray:
    """0 for September births (oldest in the year) to 11 for August births."""
    month = dob.astype("datetime64[M]").astype(int) % 12 + 1
    return (month - 9) % 12


def child_histories(con: duckdb.DuckDBPyConnection, inputs: ChildInputs) -> pa.Table:
    """Each world-born child's circumstances up to the prediction date (age 2 years 6 months)."""
    for name in (
        "people",
        "households",
        "addresses",
        "spells",
        "claims",
        "mental_health",
        "incidents",
        "csc",
        "ta",
    ):
        con.register(name, getattr(inputs, name))
    return con.sql(
        f"""
        with kids as (
          select person_id, dob, sex, other_language,
                 cast(dob + interval {PREDICTION_MONTHS} month as date) as prediction_date
          from people where born_in_world
        ),
        lived as (  -- every spell of the child's life before the prediction date
          select k.person_id, s.household_id, s.address_id, s.start,
                 least(coalesce(s."end", k.prediction_date), k.prediction_date) as stop
          from kids k join spells s using (person_id)
          where s.start < k.prediction_date
        ),
        at_prediction as (
          select k.person_id, s.household_id, a.lsoa11cd, a.lsoa as lsoa_index
          from kids k join spells s using (person_id) join addresses a using (address_id)
          where s.start <= k.prediction_date
            and (s."end" is null or s."end" > k.prediction_date)
        ),
        birth_home as (
          select k.person_id, arg_min(s.household_id, s.start) as household_id,
                 arg_min(a.lsoa, s.start) as lsoa_index
          from kids k join spells s using (person_id) join addresses a using (address_id)
          group by k.person_id
        )
        select k.person_id, k.dob, k.sex, k.other_language, k.prediction_date,
               p.lsoa11cd as lsoa_at_prediction,
               coalesce(p.lsoa_index, b.lsoa_index) as lsoa_index,
               h.disadvantage,
               exists (select 1 from claims c where c.household_id = p.household_id
                       and c.start <= k.prediction_date
                       and (c."end" is null or c."end" > k.prediction_date)) as benefit,
               exists (select 1 from lived l join incidents i using (household_id)
                       where l.person_id = k.person_id
                       and cast(i.time as date) >= l.start and cast(i.time as date) < l.stop)
                 as domestic_abuse,
               exists (select 1 from lived l join mental_health m using (household_id)
                       where l.person_id = k.person_id
                       and m.start < l.stop and m."end" > l.start) as parent_mental_health,
               exists (select 1 from csc c where c.person_id = k.person_id
                       and c.start < k.prediction_date) as social_care,
               exists (select 1 from lived l join ta t using (household_id)
                       where l.person_id = k.person_id
                       and t.ta_start >= l.start and t.ta_start < l.stop)
                 as temporary_accommodation,
               (select count(*) - 1 from lived l where l.person_id = k.person_id) as moves
        from kids k
        left join at_prediction p using (person_id)
        left join birth_home b using (person_id)
        left join households h on h.household_id = coalesce(p.household_id, b.household_id)
        order by k.person_id
        """
    ).to_arrow_table()


def draw_births(rng: np.random.Generator, disadvantage: np.ndarray) -> dict[str, np.ndarray]:
    """Gestation, birth weight and the child's latent development (by age 1 and by age 2.5),
    which drives GLD and the ASQ-3 scores of the 1 year and 2-2.5 year reviews."""
    n = len(disadvantage)
    gestation = np.clip(
        np.round(
            39.4 - 0.3 * disadvantage + rng.standard_normal(n) * 1.7 - (rng.random(n) < 0.03) * 6
        ),
        24,
        42,
    ).astype(np.int32)
    weight = (
        np.clip(
            3400 + 170 * (gestation - 39.4) - 60 * disadvantage + rng.normal(0, 420, n), 500, 5500
        )
        .round()
        .astype(np.int32)
    )
    preterm = gestation < 37
    # Development to age 2.5 is what a child shows by their first birthday plus what they gain
    # after it: each half of its spread, so the two reviews' scores agree only moderately.
    # Prematurity shows early; disadvantage weighs more on the second year's growth.
    early_spread, growth_spread = development_spreads()
    early = early_mean(disadvantage, preterm) + early_spread * rng.standard_normal(n)
    growth = growth_mean(disadvantage) + growth_spread * rng.standard_normal(n)
    return {
        "gestation": gestation,
        "weight": weight,
        "preterm": preterm,
        "low_birth_weight": weight < 2500,
        "early_development": early,
        "development": early + growth,
    }


def development_spreads() -> tuple[float, float]:
    """Standard deviations of the early part of development and of the growth after it."""
    return DEVELOPMENT_SPREAD * np.sqrt(EARLY_SHARE), DEVELOPMENT_SPREAD * np.sqrt(1 - EARLY_SHARE)


def early_mean(disadvantage: np.ndarray, preterm: np.ndarray) -> np.ndarray:
    return EARLY_MEAN["disadvantage"] * disadvantage + EARLY_MEAN["preterm"] * preterm


def growth_mean(disadvantage: np.ndarray) -> np.ndarray:
    return GROWTH_MEAN["disadvantage"] * disadvantage


def gld_probability(
    rng: np.random.Generator,
    history: pa.Table,
    births: dict[str, np.ndarray],
    early_education_2yo: np.ndarray,
    area_score: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """True probability of GLD from the child's life to age 2.5 and their area; and the log-odds
    without development's term (intercept included), for what records can tell of development."""
    column = {
        name: history.column(name).to_numpy(zero_copy_only=False)
        for name in (
            "sex",
            "dob",
            "benefit",
            "domestic_abuse",
            "parent_mental_health",
            "social_care",
            "temporary_accommodation",
            "moves",
            "other_language",
            "lsoa_index",
        )
    }
    area_effect = (
        GLD["area_effect_sd"] * rng.standard_normal(len(area_score))
        + GLD["area_deprivation"] * area_score
    )
    # A child with no known address (born and gone within days) gets no area effect.
    known = ~np.isnan(column["lsoa_index"].astype(float))
    lsoa = np.where(known, np.nan_to_num(column["lsoa_index"].astype(float)), 0).astype(int)
    area_effect = np.r_[area_effect, 0.0]
    lsoa[~known] = len(area_effect) - 1
    terms = [
        GLD["boy"] * (column["sex"] == "M"),
        GLD["month_younger"] * month_younger(column["dob"].astype("datetime64[D]")),
        GLD["benefit"] * column["benefit"],
        GLD["domestic_abuse"] * column["domestic_abuse"],
        GLD["parent_mental_health"] * column["parent_mental_health"],
        GLD["preterm"] * births["preterm"],
        GLD["low_birth_weight"] * births["low_birth_weight"],
        GLD["social_care"] * column["social_care"],
        GLD["temporary_accommodation"] * column["temporary_accommodation"],
        GLD["moves"] * np.minimum(column["moves"], 4),
        GLD["early_education_2yo"] * early_education_2yo,
        GLD["eal"] * column["other_language"],
        area_effect[lsoa],
    ]
    z = GLD["development"] * births["development"]
    other = np.zeros(len(z))
    for term in terms:  # one fixed order: the outcomes drawn depend on z's exact value
        z = z + term
        other = other + term
    intercept = _calibrate(z, TARGET_GLD)
    return 1 / (1 + np.exp(-(intercept + z))), intercept + other


def _calibrate(z: np.ndarray, target: float) -> float:
    """The intercept that makes the mean probability equal ``target`` (bisection)."""
    low, high = -10.0, 10.0
    for _ in range(60):
        middle = (low + high) / 2
        if np.mean(1 / (1 + np.exp(-(middle + z)))) < target:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def apply_interventions(
    p: np.ndarray,
    cohort: np.ndarray,
    lsoa_at_reception: np.ndarray,
    interventions: list[Intervention],
) -> np.ndarray:
    """The true effect each child receives from interventions in their Reception-year LSOA."""
    effect = np.zeros(len(p))
    for plan in interventions:
        hit = np.isin(lsoa_at_reception, plan.areas) & (cohort >= plan.from_cohort)
        effect[hit] += plan.effect
    # Probabilities stay within (0, 1): the effect is what the child really receives.
    return np.where(effect != 0, np.clip(p + effect, 0.001, 0.999) - p, 0.0)


def results_known(cohort: np.ndarray, as_at: date) -> np.ndarray:
    """EYFSP results are published each July; none for 2020 and 2021."""
    latest = as_at.year if as_at >= date(as_at.year, 7, 15) else as_at.year - 1
    return (cohort <= latest) & ~np.isin(cohort, NO_EYFSP_COHORTS) & (cohort >= CENSUS_FROM)
