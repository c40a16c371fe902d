"""The model against what a partnership already has, on small hand-made cohorts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from bakehouse.modelling import baselines, metrics
from bakehouse.modelling.baselines import Inputs, Units
from bakehouse.modelling.documents import _percent, added_value_sentence
from bakehouse.recipes import load_recipe
from bakehouse.release.disclosure import DisclosureRules

WORDS = load_recipe("school-readiness").recipe.words


def _cohort(
    rng: np.random.Generator, n: int, signal: float
) -> tuple[Units, np.ndarray, np.ndarray]:
    """Units whose outcome follows deprivation, service contact and a hidden risk the model may
    see (``signal`` is how much of it it sees)."""
    rank = rng.integers(1, 32845, n)
    known = rng.random(n) < 0.3
    hidden = rng.standard_normal(n)
    log_odds = -1.2 + 0.8 * known + 1.0 * (rank < 8000) + 1.5 * hidden
    y = (rng.random(n) < 1 / (1 + np.exp(-log_odds))).astype(float)
    seen = -1.2 + 0.8 * known + 1.0 * (rank < 8000) + signal * hidden
    return Units(imd_rank=rank, known=known), y, 1 / (1 + np.exp(-seen))


def _inputs(signal: float, test_p: np.ndarray | None = None, n: int = 1500) -> Inputs:
    rng = np.random.default_rng(3)
    development, development_y, _ = _cohort(rng, n, signal)
    test, test_y, model_p = _cohort(rng, n, signal)
    coming, _, coming_p = _cohort(rng, n, signal)
    draws = np.clip(coming_p + rng.normal(0, 0.02, (5, n)), 0.001, 0.999)
    return Inputs(
        development=development,
        development_y=development_y,
        test=test,
        test_y=test_y,
        test_p=model_p if test_p is None else test_p,
        coming=coming,
        coming_p=coming_p,
        coming_draws=draws,
        capacity=0.1,
        resamples=100,
        seed=7,
        deprivation_simulated=False,
    )


def test_a_model_that_sees_risk_services_do_not_beats_every_baseline() -> None:
    measured = baselines.measure(_inputs(signal=1.5))
    compared = measured["comparison"]
    assert compared["model_better"] is True
    best = compared["rankings"][compared["best_baseline"]]
    assert best["model_minus"]["auc"]["low"] > 0
    assert compared["rankings"]["model"]["auc"]["value"] > best["auc"]["value"]
    sentence = added_value_sentence(baselines.publishable(measured, DisclosureRules()), WORDS)
    assert "The model ranked children better than" in sentence
    assert "did no better" not in sentence


def test_a_model_that_is_one_of_the_baselines_is_said_to_do_no_better() -> None:
    """A 'model' that scores by service contact alone cannot beat the baseline it copies."""
    plain = _inputs(signal=0.0)
    copied = _inputs(signal=0.0, test_p=plain.test.known.astype(float))
    measured = baselines.measure(copied)
    compared = measured["comparison"]
    assert compared["model_better"] is False
    copy = compared["rankings"]["known_to_services"]["model_minus"]["auc"]
    assert copy["value"] == pytest.approx(0.0)
    sentence = added_value_sentence(baselines.publishable(measured, DisclosureRules()), WORDS)
    assert "The model did no better than" in sentence
    assert "found nothing that deprivation and service contact would have missed" in sentence


def test_units_tied_at_the_capacity_line_are_taken_in_a_seeded_order() -> None:
    score = np.array([1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    first = baselines.above_line(score, 0.3, np.random.default_rng(1).permutation(10))
    again = baselines.above_line(score, 0.3, np.random.default_rng(1).permutation(10))
    assert first.sum() == 3 and first[0]
    assert (first == again).all()


def test_a_missing_value_is_no_record_and_any_feature_above_zero_is_known() -> None:
    known = baselines.known_to_services(
        {
            "social_care_referrals": np.array([0.0, np.nan, 2.0, 0.0]),
            "benefit_at_prediction": np.array([0.0, 0.0, 0.0, 1.0]),
        }
    )
    assert known.tolist() == [False, False, True, True]


def _counts(published: dict[str, Any]) -> list[int | None]:
    need, ahead = published["invisible_need"], published["coming"]
    names = ("units", "above_line", "above_line_with_outcome", "unknown", "unknown_with_outcome")
    values = [need[name] for name in names]
    values += [ahead.get(name) for name in ("units", "above_line", "unknown")]
    return values


@pytest.mark.parametrize("n", [40, 75, 120, 400, 1500])
def test_unknown_to_services_figures_obey_the_disclosure_rule(n: int) -> None:
    rules = DisclosureRules(threshold=7, rounding=5)
    published = baselines.publishable(baselines.measure(_inputs(1.0, n=n)), rules)
    for value in _counts(published):
        assert value is None or value == 0 or (value % 5 == 0 and value > 7), value
    share = published["invisible_need"]["unknown_share"]
    need = published["invisible_need"]
    if need["unknown"] is None or need["above_line"] is None:
        assert share["value"] is None
    else:
        # A share comes from the published counts, never from exact ones it would give away.
        assert share["value"] == pytest.approx(need["unknown"] / need["above_line"], abs=1e-4)


def test_a_small_unknown_count_is_withheld_with_everything_built_on_it() -> None:
    measured = baselines.measure(_inputs(1.0))
    measured["invisible_need"] |= {"unknown": 3, "unknown_with_outcome": 2}
    measured["coming"] |= {"unknown": 4}
    published = baselines.publishable(measured, DisclosureRules())
    need = published["invisible_need"]
    assert need["unknown"] is None and need["unknown_with_outcome"] is None
    assert need["unknown_share"]["value"] is None
    assert published["coming"]["expected_events_unknown"] is None
    sentence = added_value_sentence(published, WORDS)
    assert "too small, or too close to the whole, to publish" in sentence
    assert " 3 " not in sentence


def test_an_unknown_count_just_short_of_the_whole_is_withheld() -> None:
    """Nine of ten above the line unknown tells that one was known."""
    measured = baselines.measure(_inputs(1.0))
    need = measured["invisible_need"]
    need["unknown"] = need["above_line"] - 1
    published = baselines.publishable(measured, DisclosureRules())
    assert published["invisible_need"]["unknown"] is None


def test_simulated_deprivation_is_said_so() -> None:
    inputs = _inputs(1.0)
    simulated = Inputs(**{**inputs.__dict__, "deprivation_simulated": True})
    published = baselines.publishable(baselines.measure(simulated), DisclosureRules())
    assert "was simulated" in added_value_sentence(published, WORDS)


def test_a_recipe_without_baselines_says_the_comparison_was_not_made() -> None:
    assert "was not compared with what services already knew" in added_value_sentence(None, WORDS)


def test_expected_events_among_the_unknown_carry_an_interval() -> None:
    ahead = baselines.measure(_inputs(1.0))["coming"]
    expected = ahead["expected_events_unknown"]
    assert ahead["unknown"] > 0
    assert expected["low"] < expected["value"] < expected["high"]


def test_units_outside_the_world_s_area_or_truth_are_left_out_of_the_truth_s_figures() -> None:
    """Linkage can place a household outside the area, where the world holds no deprivation."""
    inputs = _inputs(1.0, n=400)
    rng = np.random.default_rng(9)
    test_rank = inputs.test.imd_rank.astype(float)
    test_rank[:10] = np.nan
    development_rank = inputs.development.imd_rank.astype(float)
    development_rank[:25] = np.nan
    best = np.column_stack([inputs.test_p, np.clip(inputs.test_p + rng.normal(0, 0.05, 400), 0, 1)])
    best[10:15] = np.nan
    truth = baselines.Truth(
        development_rank=development_rank,
        test_rank=test_rank,
        test=best,
        coming=np.column_stack([inputs.coming_p, inputs.coming_p]),
    )
    beside = baselines.beside_truth(inputs, truth)
    assert beside["units_mapped"] == 385 and beside["units_unmapped"] == 15
    assert beside["best_achievable"]["invisible_need"]["units"] == 385
    ahead = beside["coming"]
    assert ahead["expected_events_true"] == pytest.approx(ahead["expected_events_model"])


def test_a_small_share_is_not_written_as_none_of_them() -> None:
    assert [_percent(s) for s in (0, 0.43, 10 / 4425, 0.0004, 0.999, 1)] == [
        "0%",
        "43%",
        "0.2%",
        "under 0.1%",
        "99.9%",
        "100%",
    ]


@pytest.mark.parametrize("capacity", [0.05, 0.1, 0.37])
def test_a_resample_measured_by_its_counts_gives_the_figures_of_ranking_it_afresh(
    capacity: float,
) -> None:
    """Each bootstrap resample is measured from one ranking and a count per unit; the figures
    must be those of the resampled units ranked again, duplicates and ties included."""
    rng = np.random.default_rng(5)
    n = 400
    y = (rng.random(n) < 0.2).astype(float)
    order = rng.permutation(n)
    for score in (rng.integers(0, 6, n).astype(float), rng.random(n), (y > 0).astype(float)):
        made = baselines.ranked(score, order)
        for row in metrics.bootstrap_indices(n, 25, seed=3):
            again = baselines.above_line(score[row], capacity, order[row])
            hits = float(y[row][again].sum())
            expected = [
                metrics.auc(y[row], score[row]),
                hits / again.sum(),
                hits / y[row].sum(),
            ]
            counts = np.bincount(row, minlength=n).astype(float)
            measured = baselines.weighted_scores(y, made, counts, capacity)
            assert measured == pytest.approx(expected, abs=1e-12)
