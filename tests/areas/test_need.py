"""Expected need: intervals that hold the realised numbers as often as they claim to."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from bakehouse.areas.counts import Geography, count_population, geography_of
from bakehouse.areas.estimates import expected_need
from bakehouse.areas.need import simulate_need
from bakehouse.areas.predictions import Predictions, Recalibrations, predictions_from_table
from bakehouse.geography import load_area

CHILDREN_PER_AREA = 40


def _scenario(
    seed: int, area_bias_sd: float
) -> tuple[Geography, np.ndarray, np.ndarray, np.ndarray]:
    """Every Basildon LSOA with 40 children of cohort 2026: their true probabilities, the
    predictions (true logits moved by a shared bias per area) and the LSOA of each child."""
    geography = geography_of(load_area("basildon"))
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(len(geography.codes)), CHILDREN_PER_AREA)
    true_logit = rng.normal(-0.7, 0.8, len(rows)) + rng.normal(0, 0.4, len(geography.codes))[rows]
    truth = 1 / (1 + np.exp(-true_logit))
    bias = rng.normal(0, area_bias_sd, len(geography.codes))[rows]
    predicted = 1 / (1 + np.exp(-(true_logit + bias)))
    return geography, rows, truth, predicted


def _predictions(
    geography: Geography, rows: np.ndarray, p: np.ndarray, **extra: object
) -> Predictions:
    columns: dict[str, object] = {
        "lsoa11cd": pa.array([geography.codes[r] for r in rows], pa.string()),
        "cohort": pa.array(np.full(len(rows), 2026), pa.int32()),
        "p_outcome": pa.array(p),
    }
    columns.update(extra)
    return predictions_from_table(pa.table(columns))


def _coverage(
    predictions: Predictions, geography: Geography, truth: np.ndarray, rows: np.ndarray
) -> float:
    counts = count_population(predictions, geography)
    simulated = simulate_need(predictions, geography, counts, 2000, seed=1)[:, :, 0]
    need = expected_need(
        counts.expected_events[:, 0], simulated, counts.future_population[:, 0], 0.95
    )
    rng = np.random.default_rng(99)
    hits = []
    for _ in range(20):
        realised = np.bincount(
            rows, weights=rng.random(len(truth)) < truth, minlength=len(geography.codes)
        )
        hits.append((realised >= need.low) & (realised <= need.high))
    return float(np.mean(hits))


def test_sampling_interval_covers_realised_numbers_at_about_95_percent() -> None:
    geography, rows, truth, _ = _scenario(seed=1, area_bias_sd=0.0)
    coverage = _coverage(_predictions(geography, rows, truth), geography, truth, rows)
    assert 0.93 <= coverage <= 0.99


def test_model_uncertainty_restores_coverage_when_the_model_is_off_by_area() -> None:
    geography, rows, truth, predicted = _scenario(seed=2, area_bias_sd=0.4)
    sampling_only = _coverage(_predictions(geography, rows, predicted), geography, truth, rows)
    with_se = _coverage(
        _predictions(
            geography, rows, predicted, p_outcome_logit_se=pa.array(np.full(len(rows), 0.4))
        ),
        geography,
        truth,
        rows,
    )
    assert sampling_only < 0.9
    assert with_se >= 0.92


def test_draws_and_recalibrations_widen_the_interval() -> None:
    geography, rows, truth, _ = _scenario(seed=3, area_bias_sd=0.0)
    rng = np.random.default_rng(5)
    logit = np.log(truth / (1 - truth))
    draws = 1 / (1 + np.exp(-(logit[:, None] + rng.normal(0, 0.3, 50)[None, :])))
    plain = _predictions(geography, rows, truth)
    drawn = _predictions(
        geography, rows, truth, p_outcome_draws=pa.array(list(draws), pa.list_(pa.float64()))
    )
    recalibrated = predictions_from_table(
        pa.table(
            {
                "lsoa11cd": pa.array([geography.codes[r] for r in rows], pa.string()),
                "cohort": pa.array(np.full(len(rows), 2026), pa.int32()),
                "p_outcome": pa.array(truth),
            }
        ),
        recalibrations=Recalibrations(rng.normal(0, 0.3, 40), rng.normal(1, 0.1, 40)),
    )

    def width(predictions: Predictions) -> float:
        counts = count_population(predictions, geography)
        simulated = simulate_need(predictions, geography, counts, 1000, seed=1)
        need = expected_need(
            counts.expected_events.sum(1), simulated.sum(2), counts.future_population.sum(1), 0.95
        )
        return float(np.mean(need.high - need.low))

    assert width(drawn) > 1.2 * width(plain)
    assert width(recalibrated) > 1.2 * width(plain)


def test_simulations_are_reproducible_and_roll_up_consistently() -> None:
    geography, rows, truth, _ = _scenario(seed=4, area_bias_sd=0.0)
    predictions = _predictions(geography, rows, truth)
    counts = count_population(predictions, geography)
    first = simulate_need(predictions, geography, counts, 300, seed=8)
    again = simulate_need(predictions, geography, counts, 300, seed=8)
    assert np.array_equal(first, again)
    assert (first.sum(axis=(1, 2)) <= len(rows)).all()
    assert abs(first.sum(axis=(1, 2)).mean() - truth.sum()) < 3 * np.sqrt(
        (truth * (1 - truth)).sum()
    )
