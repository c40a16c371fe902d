"""Accuracy against the truth the simulator knows: area need, flags and shrinkage.

The predictions are the true probabilities seen through a model's error (see conftest), so these
tests measure the area machinery, not a model.
"""

from __future__ import annotations

import numpy as np
import pytest

from bakehouse.areas.counts import count_population
from bakehouse.areas.shrinkage import shrink
from bakehouse.recipes import load_recipe
from bakehouse.recipes.areas_section import AreasConfig, Prior
from bakehouse.release.disclosure import DisclosureRules
from bakehouse.release.tables import build_area_tables

from .conftest import WorldPredictions


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    rank_a = np.argsort(np.argsort(a))
    rank_b = np.argsort(np.argsort(b))
    return float(np.corrcoef(rank_a, rank_b)[0, 1])


def _rmse(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.mean((estimate - truth) ** 2)))


def _design(world: WorldPredictions, prior: Prior, model_rate: np.ndarray) -> np.ndarray:
    geo = world.geography
    ones = np.ones((len(geo.codes), 1))
    assert geo.imd_score is not None
    if prior is Prior.DISTRICT:
        return ones
    if prior is Prior.DEPRIVATION:
        return np.column_stack([ones, geo.imd_score])
    logit = np.log(model_rate / (1 - model_rate))
    return np.column_stack([ones, logit, geo.imd_score])


@pytest.mark.parametrize("prior", list(Prior))
def test_shrunken_rates_are_closer_to_the_truth_than_raw_rates_in_small_areas(
    small_predictions: WorldPredictions, prior: Prior
) -> None:
    world = small_predictions
    counts = count_population(world.predictions, world.geography)
    x = counts.observed_events.sum(axis=1).astype(float)
    n = counts.observed_population.sum(axis=1).astype(float)
    model_rate = counts.observed_model.sum(axis=1) / n
    unit_variance = counts.observed_model_variance.sum(axis=1) / n
    shrunk = shrink(x, n, _design(world, prior, model_rate), 0.95, unit_variance)
    truth_by_code = world.true_past_rate()
    truth = np.array([truth_by_code[code] for code in world.geography.codes])
    raw_error = _rmse(x / n, truth)
    assert _rmse(shrunk.rate, truth) < 0.8 * raw_error
    inside = (shrunk.low <= truth) & (truth <= shrunk.high)
    assert inside.mean() >= 0.85


def test_expected_need_orders_small_areas_like_the_truth(
    small_predictions: WorldPredictions,
) -> None:
    world = small_predictions
    counts = count_population(world.predictions, world.geography)
    truth = world.true_need()
    codes = [code for code in world.geography.codes if code in truth]
    position = {code: i for i, code in enumerate(world.geography.codes)}
    estimate = np.array([counts.expected_events[position[c]].sum() for c in codes])
    assert spearman(estimate, np.array([truth[c][0] for c in codes])) >= 0.9


@pytest.mark.slow
def test_published_estimates_match_the_truth_on_the_basildon_world(
    basildon_predictions: WorldPredictions,
) -> None:
    """The targets on the full world, measured on the published (protected) figures."""
    world = basildon_predictions
    tables = build_area_tables(
        world.predictions,
        world.geography,
        world.boundaries,
        AreasConfig(),
        DisclosureRules(),
        load_recipe("school-readiness").recipe.words,
    )
    areas = tables.areas.to_pylist()
    truth = world.true_need()
    published = [row for row in areas if row["expected_events"] is not None]
    assert len(published) == len(areas) == 110
    estimated = np.array([row["expected_events"] for row in published])
    true_number = np.array([truth[row["lsoa11cd"]][0] for row in published])
    true_rate = np.array([truth[row["lsoa11cd"]][1] for row in published])
    assert spearman(estimated, true_number) >= 0.9
    assert spearman(np.array([row["expected_rate"] for row in published]), true_rate) >= 0.85

    flagged = [row for row in published if row["flagged"]]
    district_rate = true_number.sum() / (true_number / true_rate).sum()
    above = [truth[row["lsoa11cd"]][1] > district_rate for row in flagged]
    assert len(flagged) >= 5
    assert np.mean(above) >= 0.8

    past = world.true_past_rate()
    rows = [row for row in areas if row["shrunken_rate"] is not None]
    past_truth = np.array([past[row["lsoa11cd"]] for row in rows])
    raw = _rmse(np.array([row["observed_rate"] for row in rows]), past_truth)
    shrunk = _rmse(np.array([row["shrunken_rate"] for row in rows]), past_truth)
    assert shrunk < raw
