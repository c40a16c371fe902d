"""Ranks with rank intervals; the flag rule and its plain-language reasons."""

from __future__ import annotations

import numpy as np

from bakehouse.areas.benchmarks import compare
from bakehouse.areas.flagging import AreaNeed, flag_areas
from bakehouse.areas.ranks import rank_intervals
from bakehouse.areas.summaries import area_summary
from bakehouse.recipes import load_recipe
from bakehouse.recipes.areas_section import FlagRule
from bakehouse.recipes.schema import Words

SCHOOL_READINESS = load_recipe("school-readiness").recipe.words
# Another recipe's words: the same code speaks of its units and events.
HOUSEHOLDS = Words(
    unit="household",
    units="households",
    outcome="becoming homeless within a year",
    events="households becoming homeless",
    event_rate="share of households becoming homeless",
    population="households living in the area",
    coming="the next year",
)


def test_rank_intervals_hold_the_rank_and_widen_with_uncertainty() -> None:
    rng = np.random.default_rng(3)
    truth = np.linspace(0.2, 0.4, 30)
    precise = truth[None, :] + rng.normal(0, 0.001, (500, 30))
    vague = truth[None, :] + rng.normal(0, 0.05, (500, 30))
    sharp = rank_intervals(truth, precise, 0.95, seed=1)
    blurred = rank_intervals(truth, vague, 0.95, seed=1)
    assert sharp.rank.tolist() == list(range(30, 0, -1))
    assert (sharp.low <= sharp.rank).all() and (sharp.rank <= sharp.high).all()
    assert (blurred.low <= blurred.rank).all() and (blurred.rank <= blurred.high).all()
    assert np.mean(sharp.high - sharp.low) < 1 < np.mean(blurred.high - blurred.low)


def test_areas_without_an_estimate_have_no_rank() -> None:
    estimate = np.array([0.3, np.nan, 0.2])
    ranks = rank_intervals(estimate, np.tile(estimate, (10, 1)), 0.95, seed=1)
    assert ranks.rank.tolist() == [1, -1, 2]


def test_comparison_with_a_benchmark_needs_the_whole_interval_on_one_side() -> None:
    low = np.array([0.30, 0.20, 0.10, np.nan])
    high = np.array([0.40, 0.35, 0.20, np.nan])
    assert compare(low, high, np.full(4, 0.25)) == ["higher", "similar", "lower", None]


def _need(**changes: object) -> AreaNeed:
    values: dict[str, object] = {
        "expected": np.array([14.0, 3.0, 10.0]),
        "population": np.array([40.0, 10.0, 40.0]),
        "rate": np.array([0.35, 0.30, 0.25]),
        "rate_low": np.array([0.28, 0.26, 0.15]),
        "benchmark_rate": np.full(3, 0.24),
        "benchmark_name": ["Basildon"] * 3,
        "hotspot": ["hot", "none", "none"],
        "observed_rate": np.array([0.40, np.nan, 0.2]),
        "observed_benchmark": np.full(3, 0.30),
        "drivers": [["low take-up of funded early education", "housing instability"], [], []],
    }
    values.update(changes)
    return AreaNeed(**values)


def test_area_with_enough_need_clear_of_the_district_is_flagged_with_reasons() -> None:
    flags = flag_areas(_need(), FlagRule(min_expected=5), SCHOOL_READINESS)
    assert flags.flagged.tolist() == [True, False, False]
    reason = flags.reasons[0]
    assert (
        "About 14 children not ready for school are expected here in the cohorts still to start "
        "school, of the 40 or so children (35%)." in reason
    )
    assert "(28%) is above the rate for Basildon as a whole (24%)" in reason
    assert "significant cluster" in reason
    assert (
        "In past years, the share of children not ready for school here was 40% (Basildon: 30%)."
        in reason
    )
    assert "low take-up of funded early education and housing instability" in reason
    assert flags.reasons[1:] == ["", ""]


def test_flag_reasons_speak_of_another_recipe_s_units_and_events() -> None:
    reason = flag_areas(_need(), FlagRule(min_expected=5), HOUSEHOLDS).reasons[0]
    assert "About 14 households becoming homeless are expected here in the next year" in reason
    assert "the share of households becoming homeless here was 40%" in reason
    assert "child" not in reason and "school" not in reason
    rule = FlagRule(min_expected=5).describe(HOUSEHOLDS)
    assert rule.startswith("at least 5 households becoming homeless expected")


def test_too_few_expected_children_are_not_flagged_even_above_the_benchmark() -> None:
    flags = flag_areas(_need(), FlagRule(min_expected=20), SCHOOL_READINESS)
    assert not flags.flagged.any()


def test_hotspot_option_flags_a_hot_area_above_its_benchmark() -> None:
    need = _need(rate_low=np.array([0.20, 0.26, 0.15]))
    assert not flag_areas(need, FlagRule(), SCHOOL_READINESS).flagged[0]
    assert flag_areas(need, FlagRule(hotspots_count=True), SCHOOL_READINESS).flagged[0]


def test_summary_reads_as_a_sentence_and_says_when_figures_are_withheld() -> None:
    figures = ("Basildon 012C", 45.0, 14.2, 0.3156, 0.2, 0.44, "higher", "Basildon")
    assert area_summary(*figures, SCHOOL_READINESS) == (
        "In Basildon 012C, about 14 children not ready for school are expected in the cohorts "
        "still to start school, of the 45 or so children there (32%, likely between 20% and "
        "44%): higher than Basildon as a whole."
    )
    assert area_summary(*figures, HOUSEHOLDS) == (
        "In Basildon 012C, about 14 households becoming homeless are expected in the next year, "
        "of the 45 or so households there (32%, likely between 20% and 44%): higher than "
        "Basildon as a whole."
    )
    withheld = area_summary(
        "Basildon 012C", np.nan, np.nan, np.nan, np.nan, np.nan, None, "Basildon", HOUSEHOLDS
    )
    assert withheld == "Too few households live in Basildon 012C to publish figures for it."
