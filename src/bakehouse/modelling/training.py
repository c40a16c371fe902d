"""Fit a candidate on a set of cohorts: held-out predictions for every cohort, a calibration map
fitted on them, and the model refitted on all the cohorts.

Each cohort is predicted by a model trained on the other cohorts (leave one cohort out), so the
calibration map, LightGBM's number of rounds and the choice between candidates are all judged on
units the model had not seen, never on the test cohorts. Then the model is refitted on every
cohort given and the calibration map applied to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bakehouse.modelling import metrics
from bakehouse.modelling.calibration import Calibrator
from bakehouse.modelling.learners import Boosted, Learner, Logistic, choose_rounds
from bakehouse.recipes.schema import ModelSpec

METRIC_WORDS = {"auc": "AUC", "average_precision": "average precision", "brier": "Brier score"}


@dataclass
class Fitted:
    kind: str
    model: Learner
    calibrator: Calibrator
    rounds: int | None
    held_out_raw: np.ndarray  # each development unit's raw score from a model without its cohort
    cross_validated: dict[str, float]

    def probability(self, x: np.ndarray) -> np.ndarray:
        return self.calibrator.probability(self.model.raw(x))


def _learner(kind: str, spec: ModelSpec, directions: list[int], rounds: int | None) -> Learner:
    if kind == "logistic":
        return Logistic(spec.logistic)
    start = spec.logistic if spec.lightgbm.start_from == "logistic" else None
    return Boosted(
        spec.lightgbm, directions, rounds or spec.lightgbm.max_rounds, spec.threads, start
    )


def _fit(learner: Learner, x: np.ndarray, y: np.ndarray, names: list[str]) -> Learner:
    if isinstance(learner, Boosted):
        return learner.fit(x, y, names)
    if isinstance(learner, Logistic):
        return learner.fit(x, y)
    raise TypeError(type(learner).__name__)


def fit_candidate(
    kind: str,
    spec: ModelSpec,
    x: np.ndarray,
    y: np.ndarray,
    cohorts: np.ndarray,
    names: list[str],
    directions: list[int],
    rounds: int | None = None,
) -> Fitted:
    """Leave-one-cohort-out predictions, calibration on them, and the refit on everything.
    ``rounds`` fixes LightGBM's rounds; by default they are chosen on the held-out cohorts."""
    groups = sorted(set(cohorts.tolist()))
    masks = [cohorts == group for group in groups]
    held_out = np.zeros(len(y))
    if kind == "lightgbm" and rounds is None:
        template = _learner(kind, spec, directions, None)
        assert isinstance(template, Boosted)
        folds = [(x[~m], y[~m], x[m], y[m]) for m in masks]
        rounds, fitted = choose_rounds(template, folds)
        for mask, (booster, base) in zip(masks, fitted, strict=True):
            if booster.current_iteration() >= rounds:
                trees = np.asarray(booster.predict(x[mask], raw_score=True, num_iteration=rounds))
                held_out[mask] = trees if base is None else trees + base.raw(x[mask])
            else:
                model = _fit(_learner(kind, spec, directions, rounds), x[~mask], y[~mask], names)
                held_out[mask] = model.raw(x[mask])
    else:
        for mask in masks:
            model = _fit(_learner(kind, spec, directions, rounds), x[~mask], y[~mask], names)
            held_out[mask] = model.raw(x[mask])
    calibrator = Calibrator(spec.calibration).fit(held_out, y)
    probability = calibrator.probability(held_out)
    final = _fit(_learner(kind, spec, directions, rounds), x, y, names)
    return Fitted(
        kind=kind,
        model=final,
        calibrator=calibrator,
        rounds=rounds if kind == "lightgbm" else None,
        held_out_raw=held_out,
        cross_validated={
            "auc": metrics.auc(y, held_out),
            "average_precision": metrics.average_precision(y, held_out),
            "brier": metrics.brier(y, probability),
        },
    )


def choose(fitted: dict[str, Fitted], spec: ModelSpec) -> tuple[str, str]:
    """The recipe's selection rule on the cross-validated scores; returns (kind, reason)."""
    rule = spec.selection
    metric = METRIC_WORDS[rule.metric]
    better_is_higher = rule.metric != "brier"
    scores = {kind: f.cross_validated[rule.metric] for kind, f in fitted.items()}
    if len(scores) == 1:
        only = next(iter(scores))
        return only, f"{only} is the only candidate"
    ranked = sorted(scores, key=lambda kind: scores[kind], reverse=better_is_higher)
    best, runner = ranked[0], ranked[1]
    margin = abs(scores[best] - scores[runner])
    shown = ", ".join(f"{kind} {scores[kind]:.4f}" for kind in ranked)
    if margin <= rule.tie_margin and rule.prefer in scores:
        return (
            rule.prefer,
            f"cross-validated {metric}: {shown}; within {rule.tie_margin} of each other, "
            f"so the preferred {rule.prefer} is chosen",
        )
    return best, f"cross-validated {metric}: {shown}; {best} is better by {margin:.4f}"


@dataclass
class Refits:
    """Bootstrap refits of the chosen model: the spread of their predictions is the model's
    uncertainty for each unit."""

    probabilities: np.ndarray  # refits x units scored


def bootstrap_refits(
    kind: str,
    spec: ModelSpec,
    x: np.ndarray,
    y: np.ndarray,
    names: list[str],
    directions: list[int],
    rounds: int | None,
    score: np.ndarray,
    seed: int,
) -> Refits:
    """Refit on bootstrap resamples of (x, y), each calibrated (Platt) on its out-of-bag
    units, and score ``score`` with each."""
    rng = np.random.default_rng(seed)
    draws = np.zeros((spec.uncertainty_refits, len(score)))
    for index in range(spec.uncertainty_refits):
        chosen = rng.integers(0, len(y), len(y))
        out_of_bag = np.ones(len(y), dtype=bool)
        out_of_bag[chosen] = False
        model = _fit(_learner(kind, spec, directions, rounds), x[chosen], y[chosen], names)
        calibrator = Calibrator("platt").fit(model.raw(x[out_of_bag]), y[out_of_bag])
        draws[index] = calibrator.probability(model.raw(score))
    return Refits(probabilities=draws)
