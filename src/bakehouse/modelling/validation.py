"""The modelling run on a feature set: temporal validation, choice, audit, refit and scoring.

1. Split cohorts (:mod:`.split`): development, test, future.
2. Fit every candidate on the development cohorts (:mod:`.training`), choose one by the recipe's
   rule on held-out development cohorts, and measure both on the test cohorts.
3. Audit the chosen model's test predictions for fairness (:mod:`.fairness`).
4. Refit the chosen model on every observed cohort and score everyone; bootstrap refits give each
   unit's model uncertainty; contributions give the explanations (:mod:`.explain`).
5. Measure how far each feature moved between the development and the test cohorts
   (:mod:`.stability`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from bakehouse.features.build import FeatureSet
from bakehouse.modelling import explain, fairness, metrics
from bakehouse.modelling.split import ModelError, TemporalSplit, row_roles, temporal_split
from bakehouse.modelling.stability import FeatureStability, feature_stability
from bakehouse.modelling.training import Fitted, bootstrap_refits, choose, fit_candidate
from bakehouse.recipes.schema import Recipe

FAIRNESS_RESAMPLES = 200


@dataclass
class ModelRun:
    split: TemporalSplit
    candidates: dict[str, Fitted]
    final: Fitted
    chosen: str
    reason: str
    test_metrics: dict[str, Any]
    comparison: dict[str, Any]
    calibration_curve: list[dict[str, float]]
    fairness: dict[str, Any]
    importance: list[dict[str, Any]]
    predictions: pa.Table
    area_contributions: pa.Table
    drivers: pa.Table
    counts: dict[str, Any]
    test_ids: list[str] = field(default_factory=list)
    test_y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    test_p: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # Masks over the feature set's rows (development, test, coming), each scored unit's
    # probability, and the bootstrap refits' probabilities of the units to come: what the
    # comparison with the baselines reads (:mod:`.baselines`).
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    probability: np.ndarray = field(default_factory=lambda: np.zeros(0))
    coming_draws: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    seconds: dict[str, float] = field(default_factory=dict)
    # Each feature between the development and the test cohorts (:mod:`.stability`).
    stability: list[FeatureStability] = field(default_factory=list)


def _arrays(features: FeatureSet) -> dict[str, np.ndarray]:
    table = features.table
    return {
        "x": np.column_stack(
            [table.column(n).to_numpy(zero_copy_only=False).astype(float) for n in features.names]
        ),
        "y": np.array(
            [np.nan if v is None else float(v) for v in table.column("outcome").to_pylist()]
        ),
        "cohort": table.column("cohort").to_numpy().astype(int),
        "lsoa": np.array(table.column("lsoa11cd").to_pylist(), dtype=object),
        "unit": np.array(table.column("unit_id").to_pylist(), dtype=object),
        "window_open": table.column("window_open").to_numpy(zero_copy_only=False).astype(bool),
    }


def _split(
    recipe: Recipe, features: FeatureSet, cohort: np.ndarray, y: np.ndarray
) -> TemporalSplit:
    coverage = {
        int(c): float(np.mean(~np.isnan(y[cohort == c]))) for c in np.unique(cohort).tolist()
    }
    outcome = recipe.outcome
    return temporal_split(
        coverage,
        # An event outcome is known for a whole cohort once every window has closed.
        min_coverage=outcome.min_coverage if outcome.rule == "value" else 1.0,
        test_cohorts=recipe.validation.test_cohorts,
        min_training_cohorts=recipe.validation.min_training_cohorts,
        complete=features.complete,
    )


def _predictions(
    roles: np.ndarray,
    cohort: np.ndarray,
    lsoa: np.ndarray,
    y: np.ndarray,
    p: np.ndarray,
    draws: np.ndarray,
) -> pa.Table:
    order = np.lexsort((p, lsoa.astype(str), cohort))
    if draws.size:
        spread = draws.std(axis=0, ddof=1) if len(draws) > 1 else np.zeros(len(p))
        low, high = np.percentile(draws, [2.5, 97.5], axis=0)
        draw_lists = pa.array(draws.T[order].astype(np.float32).tolist(), pa.list_(pa.float32()))
    else:
        spread, low, high = np.zeros(len(p)), p, p
        draw_lists = pa.array([[] for _ in order], pa.list_(pa.float32()))
    observed = [None if np.isnan(v) else bool(v) for v in y[order]]
    return pa.table(
        {
            "lsoa11cd": pa.array(lsoa[order].astype(str)),
            "cohort": pa.array(cohort[order], pa.int16()),
            "split": pa.array(roles[order]),
            "p_outcome": pa.array(p[order]),
            "p_outcome_se": pa.array(spread[order]),
            "p_outcome_low": pa.array(low[order]),
            "p_outcome_high": pa.array(high[order]),
            "p_outcome_draws": draw_lists,
            "observed_outcome": pa.array(observed, pa.bool_()),
        }
    )


def run_model(recipe: Recipe, features: FeatureSet) -> ModelRun:
    clock: dict[str, float] = {}
    started = time.perf_counter()
    a = _arrays(features)
    x, y, cohort = a["x"], a["y"], a["cohort"]
    split = _split(recipe, features, cohort, y)
    roles = row_roles(split, cohort, a["window_open"], windowed=recipe.outcome.rule == "event")
    labelled = ~np.isnan(y)
    develop = labelled & np.isin(cohort, split.development)
    test = labelled & np.isin(cohort, split.test)
    names = features.names
    directions = [feature.direction for feature in features.features]
    spec = recipe.model
    candidates: dict[str, Fitted] = {
        str(kind): fit_candidate(
            kind, spec, x[develop], y[develop], cohort[develop], names, directions
        )
        for kind in spec.candidates
    }
    chosen, reason = choose(candidates, spec)
    clock["fit_candidates"] = time.perf_counter() - started

    mark = time.perf_counter()
    v = recipe.validation
    indices = metrics.bootstrap_indices(int(test.sum()), v.bootstrap, v.seed)
    y_test = y[test]
    test_p = {kind: fitted.probability(x[test]) for kind, fitted in candidates.items()}
    test_metrics = {
        kind: metrics.evaluate(y_test, test_p[kind], v.top_k, v.ece_bins, indices)
        for kind in candidates
    }
    comparison: dict[str, Any] = {}
    if {"lightgbm", "logistic"} <= set(candidates):
        comparison["auc_lightgbm_minus_logistic"] = metrics.paired_difference(
            y_test, test_p["lightgbm"], test_p["logistic"], metrics.auc, indices
        )
    # A perfectly calibrated model's ECE on this many units is not zero: the floor to judge by.
    comparison["ece_by_chance"] = metrics.ece_by_chance(test_p[chosen], v.ece_bins, seed=v.seed)
    curve = metrics.calibration_curve(y_test, test_p[chosen], v.ece_bins)
    groups = {
        attribute: np.array(features.table.column(attribute).to_pylist(), dtype=object)[test]
        for attribute in recipe.fairness.groups
    }
    audit = fairness.audit(
        y_test,
        test_p[chosen],
        groups,
        recipe.fairness,
        resamples=min(v.bootstrap, FAIRNESS_RESAMPLES),
        seed=v.seed,
    )
    clock["evaluate"] = time.perf_counter() - mark

    mark = time.perf_counter()
    observed = labelled & np.isin(cohort, split.development + split.test)
    final = fit_candidate(
        chosen,
        spec,
        x[observed],
        y[observed],
        cohort[observed],
        names,
        directions,
        rounds=candidates[chosen].rounds,
    )
    p = final.probability(x)
    # Units with an outcome keep a prediction made without their own cohort: development
    # cohorts from the held-out fits, test cohorts from the model trained before them.
    p[develop] = candidates[chosen].calibrator.probability(candidates[chosen].held_out_raw)
    p[test] = test_p[chosen]
    # Partial cohorts would make area totals too low; they are scored only if the recipe asks.
    score_partial = recipe.cohort.rule == "age" and recipe.cohort.score_partial_cohorts
    kept = (roles != "partial") | score_partial
    # With an outcome in a window, the future is the units whose window is still open: their
    # outcome so far is not the outcome, and the units of the same cohorts whose window has
    # closed are past, neither scored nor counted as observed.
    published_y = y.copy()
    if recipe.outcome.rule == "event":
        later = cohort > max(split.development + split.test)
        kept &= ~(later & (roles == "unobserved"))
        published_y[roles == "future"] = np.nan
    refits = bootstrap_refits(
        chosen,
        spec,
        x[observed],
        y[observed],
        names,
        directions,
        final.rounds,
        x[kept],
        seed=v.seed,
    )
    clock["refit_and_score"] = time.perf_counter() - mark
    coming = kept & np.isin(roles, ["future", "partial"])
    coming_draws = refits.probabilities[:, coming[kept]]

    mark = time.perf_counter()
    scored = kept & np.isin(roles, ["future", "partial"])
    if not scored.any():
        scored = test
    contributions, _ = final.model.contributions(x[scored])
    contributions = contributions * final.calibrator.slope_
    log_odds = final.calibrator.log_odds(final.model.raw(x[scored]))
    effects = explain.probability_effects(contributions, log_odds)
    importance = explain.global_importance(contributions, effects, features.features, recipe.words)
    per_area = explain.area_contributions(
        a["lsoa"][scored], contributions, effects, features.features
    )
    drivers = explain.area_drivers(
        per_area,
        features.features,
        recipe.explanations.drivers_per_area,
        recipe.explanations.min_children,
        recipe.words,
    )
    clock["explain"] = time.perf_counter() - mark
    mark = time.perf_counter()
    stability = feature_stability(x, names, cohort, develop, test)
    clock["stability"] = time.perf_counter() - mark
    if not test.any():
        raise ModelError(
            f"No test {recipe.words.units} with an outcome", field="validation.test_cohorts"
        )
    return ModelRun(
        split=split,
        candidates=candidates,
        final=final,
        chosen=chosen,
        reason=reason,
        test_metrics=test_metrics,
        comparison=comparison,
        calibration_curve=curve,
        fairness=audit,
        importance=importance,
        predictions=_predictions(
            roles[kept],
            cohort[kept],
            a["lsoa"][kept],
            published_y[kept],
            p[kept],
            refits.probabilities,
        ),
        area_contributions=per_area,
        drivers=drivers,
        counts=_counts(split, roles, cohort, labelled, develop, test),
        test_ids=a["unit"][test].tolist(),
        test_y=y_test,
        test_p=test_p[chosen],
        rows={"development": develop, "test": test, "coming": coming},
        probability=p,
        coming_draws=coming_draws,
        seconds=clock,
        stability=stability,
    )


def _counts(
    split: TemporalSplit,
    roles: np.ndarray,
    cohort: np.ndarray,
    labelled: np.ndarray,
    develop: np.ndarray,
    test: np.ndarray,
) -> dict[str, Any]:
    per_cohort = {
        str(c): {
            "units": int((cohort == c).sum()),
            "with_outcome": int((labelled & (cohort == c)).sum()),
            "role": split.role(int(c)),
        }
        for c in np.unique(cohort).tolist()
    }
    return {
        "development_units": int(develop.sum()),
        "test_units": int(test.sum()),
        "future_units": int((roles == "future").sum()),
        "partial_units": int((roles == "partial").sum()),
        "cohorts": per_cohort,
    }
