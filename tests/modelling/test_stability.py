"""Feature stability between the development and the test cohorts: PSI, the means by cohort,
and the model card's section, on features made in the test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bakehouse.modelling import documents
from bakehouse.modelling.stability import (
    MAJOR,
    MODERATE,
    FeatureStability,
    feature_stability,
    psi,
)
from bakehouse.recipes import load_recipe

DEVELOPMENT = list(range(2015, 2023))
TEST = [2023, 2024]
NAMES = ["records_ever", "steady_flag", "weight"]


def _cohorts(per_cohort: int = 2000, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Cohorts 2015 to 2024: a count of records since 2010 (sources start then, so each later
    cohort has more years behind it), a flag as common every year, and a measure that does
    not move."""
    rng = np.random.default_rng(seed)
    cohort = np.repeat(np.array(DEVELOPMENT + TEST), per_cohort)
    years_of_records = cohort - 2010
    x = np.column_stack(
        [
            rng.poisson(0.3 * years_of_records).astype(float),
            (rng.random(len(cohort)) < 0.2).astype(float),
            rng.normal(3300, 500, len(cohort)),
        ]
    )
    return x, cohort


def _measure(x: np.ndarray, cohort: np.ndarray) -> dict[str, FeatureStability]:
    development = np.isin(cohort, DEVELOPMENT)
    test = np.isin(cohort, TEST)
    return {item.feature: item for item in feature_stability(x, NAMES, cohort, development, test)}


def test_a_count_growing_with_each_cohort_is_a_major_shift_and_steady_features_are_stable() -> None:
    found = _measure(*_cohorts())
    ever = found["records_ever"]
    assert ever.psi > MAJOR and ever.shift == "major" and ever.moved
    assert ever.first_development.cohorts == [2015] and ever.last_development.cohorts == [2022]
    assert ever.test.cohorts == TEST
    first, last, latest = (
        g.mean for g in (ever.first_development, ever.last_development, ever.test)
    )
    assert first is not None and last is not None and latest is not None
    assert first == pytest.approx(1.5, abs=0.1) and first < last < latest
    assert ever.psi_first > ever.psi  # the first cohort is furthest from the test cohorts
    for steady in ("steady_flag", "weight"):
        assert max(found[steady].psi, found[steady].psi_first) < MODERATE
        assert found[steady].shift == "stable"
        assert not found[steady].moved


def test_a_trend_diluted_in_the_pooled_cohorts_shows_against_the_first_development_cohort() -> None:
    """Free school meals recorded only from the second cohort: zero for the whole first cohort,
    then as common each year. Pooled over eight development cohorts the test cohorts hardly
    differ; against the first, they differ in full."""
    x, cohort = _cohorts()
    x[:, 1] = np.where(cohort == DEVELOPMENT[0], 0.0, x[:, 1])
    item = _measure(x, cohort)["steady_flag"]
    assert item.psi < MODERATE < MAJOR < item.psi_first
    assert item.shift == "major" and item.moved
    section = documents.stability_section(_facts([item]))
    assert (
        "zero for every child of the first development cohort" in section["moved"]["1"]["reading"]
    )


def test_identical_distributions_have_a_psi_of_exactly_zero() -> None:
    counts = np.array([120, 0, 35, 7, 1])
    assert psi(counts, counts) == 0.0
    assert psi(counts, 3 * counts) == 0.0
    x, cohort = _cohorts(per_cohort=500)
    # The test cohorts hold exactly the values of the development cohorts, each once.
    test = np.isin(cohort, TEST)
    development = np.isin(cohort, DEVELOPMENT)
    x[test] = x[development][: int(test.sum())]
    x[development] = np.tile(x[test], (len(DEVELOPMENT) // len(TEST), 1))
    found = _measure(x, cohort)
    assert [found[name].psi for name in NAMES] == [0.0, 0.0, 0.0]
    assert not any(item.moved for item in found.values())


def test_the_order_of_the_rows_changes_no_figure() -> None:
    x, cohort = _cohorts(per_cohort=700)
    x[::17, 2] = np.nan  # some measures missing
    order = np.random.default_rng(11).permutation(len(cohort))
    first = [item.as_dict() for item in _measure(x, cohort).values()]
    shuffled = [item.as_dict() for item in _measure(x[order], cohort[order]).values()]
    assert shuffled == first


def test_few_values_are_binned_one_by_one_and_many_at_the_development_deciles() -> None:
    found = _measure(*_cohorts())
    assert found["steady_flag"].bins == "distinct values"
    assert found["steady_flag"].bin_count == 2
    assert found["weight"].bins == "deciles of the development values"
    assert found["weight"].bin_count == 10
    # A count reaching 20 and more in the latest cohorts has too many values to keep apart.
    assert found["records_ever"].bins == "deciles of the development values"


def test_a_value_the_development_cohorts_never_had_keeps_psi_finite() -> None:
    development = np.array([500, 500, 0])  # the third bin is empty before
    test = np.array([450, 450, 100])
    value = psi(development, test)
    assert math.isfinite(value) and value > MAJOR


def test_a_missing_value_counts_as_a_bin_of_its_own() -> None:
    x, cohort = _cohorts()
    x[np.isin(cohort, DEVELOPMENT[:4]), 2] = np.nan  # unknown for the earliest cohorts
    weight = _measure(x, cohort)["weight"]
    assert weight.moved
    assert weight.first_development.mean is None
    assert weight.development.missing_share == pytest.approx(0.5)
    assert weight.test.missing == 0


def _facts(stability: list[FeatureStability]) -> documents.RunFacts:
    """Facts carrying only what the stability section and the caveats read."""
    return documents.RunFacts(
        recipe=load_recipe("school-readiness").recipe,
        recipe_sha256="0" * 64,
        run_id="run",
        code_version="test",
        created="2026-04-02T10:00:00Z",
        as_at="2025-09-30",
        sources=[],
        features=[
            {"name": "records_ever", "label": "Records ever", "scope": "child", "source": ""},
            {"name": "steady_flag", "label": "A flag", "scope": "child", "source": ""},
            {"name": "weight", "label": "A measure", "scope": "child", "source": ""},
        ],
        counts={},
        split={"development": DEVELOPMENT, "test": TEST},
        chosen="logistic",
        reason="",
        rounds=None,
        test_metrics={},
        comparison={},
        calibration_curve=[],
        fairness={},
        importance=[],
        review_share=None,
        truth=None,
        stability=stability,
    )


def test_the_model_card_names_the_feature_that_moved_and_counts_the_others() -> None:
    x, cohort = _cohorts()
    found = _measure(x, cohort)
    facts = _facts(list(found.values()))
    section = documents.plain(documents.stability_section(facts))
    moved = section["moved"]
    assert [row["feature"] for row in moved.values()] == ["records_ever"]
    row = moved["1"]
    ever = found["records_ever"]
    assert row["psi_pooled_development_cohorts"] == f"{ever.psi:.3f}"
    assert row["psi_first_development_cohort"] == f"{ever.psi_first:.3f}"
    assert row["shift"] == "major shift"
    assert row["mean_first_development_cohort"] == f"{ever.first_development.mean:.3f}"
    assert row["mean_test_cohorts"] == f"{ever.test.mean:.3f}"
    assert "rises from cohort to cohort" in row["reading"]
    assert "fixed look-back window" in section["what_to_do"]
    assert section["did_not_move"] == "2 of the 3 features did not move (both PSIs below 0.1)."
    text = documents.markdown("Model card", {"feature_stability": section}, "", facts.recipe.words)
    assert "| 1 | records_ever | Records ever |" in text
    assert "steady_flag" not in text and "weight" not in text
    assert "2015" in text and "2023, 2024" in text


def test_a_mean_that_would_tell_a_small_number_of_units_is_withheld() -> None:
    x, cohort = _cohorts()
    first = cohort == DEVELOPMENT[0]
    x[:, 1] = (cohort - 2015) / 10  # moves with each cohort; zero for all of the first
    x[np.flatnonzero(first)[:3], 1] = 1.0  # but three units of the first cohort
    item = _measure(x, cohort)["steady_flag"]
    assert item.moved and item.first_development.nonzero == 3
    section = documents.stability_section(_facts([item]))
    row = section["moved"]["1"]
    assert row["mean_first_development_cohort"] == "withheld"
    assert row["mean_test_cohorts"] == f"{item.test.mean:.3f}"


def test_a_run_without_the_measure_says_so() -> None:
    section = documents.stability_section(_facts([]))
    assert section == {"said_plainly": "Feature stability was not measured for this run."}
