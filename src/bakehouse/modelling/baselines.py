"""Did the model tell anyone anything new? The model against what a partnership already has.

On the same test cohorts and bootstrap resamples as validation, the model is compared with three
rankings a partnership can make without it:

- ``deprivation``: the IoD 2019 IMD rank of the unit's home LSOA at the prediction date (more
  deprived ranks higher);
- ``known_to_services``: whether a service already knew the unit by then (the recipe's rule);
- ``deprivation_and_known``: a logistic regression on both, fitted on the development cohorts.

Each gets its AUC and its precision and recall at the recipe's capacity line (the top
``capacity`` share by score), and the model minus each baseline with paired intervals (units
resampled jointly). A ranking ties many units (every unknown unit scores the same), so units
tied at the line are taken in one seeded random order, the same for every score.

Then the need that was invisible: of the units above the model's capacity line, how many no
service knew, and how many of those went on to have the outcome (test cohorts); and among the
cohorts to come, how many above the line are unknown and how many events to expect among them.

Everything here is exact and stays in the analysis environment (``added_value.json``);
:func:`publishable` gives the disclosure-controlled shape a release may carry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from bakehouse.areas.intervals import z_value
from bakehouse.geography.deprivation import LSOAS_IN_ENGLAND
from bakehouse.modelling import metrics
from bakehouse.release.disclosure import DisclosureRules

if TYPE_CHECKING:
    from bakehouse.features.build import FeatureSet
    from bakehouse.geography import Deprivation
    from bakehouse.modelling.validation import ModelRun
    from bakehouse.recipes.schema import Recipe

BASELINES = ("deprivation", "known_to_services", "deprivation_and_known")
MEASURES = ("auc", "precision", "recall")


@dataclass(frozen=True)
class Units:
    """What the comparison reads per unit, for one group of units (test or to come)."""

    imd_rank: np.ndarray  # of the home LSOA: 1 is the most deprived in England
    known: np.ndarray  # bool: known to a service by the prediction date


@dataclass(frozen=True)
class Inputs:
    """Per unit of the development, test and coming cohorts, and the settings."""

    development: Units
    development_y: np.ndarray
    test: Units
    test_y: np.ndarray
    test_p: np.ndarray
    coming: Units
    coming_p: np.ndarray
    coming_draws: np.ndarray  # refits x units to come (may have no rows)
    capacity: float
    resamples: int
    seed: int
    deprivation_simulated: bool


def inputs_of(
    recipe: Recipe, features: FeatureSet, run: ModelRun, deprivation: Deprivation
) -> Inputs | None:
    """What the comparison reads from a model run; None when the recipe states no baselines."""
    spec = recipe.baselines
    if spec is None:
        return None
    table = features.table
    rank_of = dict(zip(deprivation.lsoa11cd, deprivation.imd_rank.tolist(), strict=True))
    ranks = np.array([rank_of[code] for code in table.column("lsoa11cd").to_pylist()])
    known = known_to_services(
        {
            name: table.column(name).to_numpy(zero_copy_only=False)
            for name in spec.known_to_services.any_of
        }
    )
    y = np.array([np.nan if v is None else float(v) for v in table.column("outcome").to_pylist()])

    def units(mask: np.ndarray) -> Units:
        return Units(imd_rank=ranks[mask], known=known[mask])

    rows = run.rows
    return Inputs(
        development=units(rows["development"]),
        development_y=y[rows["development"]],
        test=units(rows["test"]),
        test_y=y[rows["test"]],
        test_p=run.probability[rows["test"]],
        coming=units(rows["coming"]),
        coming_p=run.probability[rows["coming"]],
        coming_draws=run.coming_draws,
        capacity=spec.capacity,
        resamples=recipe.validation.bootstrap,
        seed=recipe.validation.seed,
        deprivation_simulated=deprivation.simulated,
    )


def deprivation_score(imd_rank: np.ndarray) -> np.ndarray:
    """Higher for a more deprived area: the rank reversed."""
    return -imd_rank.astype(float)


def known_to_services(columns: dict[str, np.ndarray]) -> np.ndarray:
    """Known when any of the rule's features is above zero; a missing value is no record."""
    known = np.zeros(len(next(iter(columns.values()))), dtype=bool)
    for values in columns.values():
        known |= np.nan_to_num(values.astype(float), nan=0.0) > 0
    return known


def above_line(score: np.ndarray, capacity: float, order: np.ndarray) -> np.ndarray:
    """The top ``capacity`` share of units by ``score`` (at least one); ties at the line go to
    the units that come first in ``order`` (a random key per unit)."""
    count = max(1, math.ceil(capacity * len(score)))
    ranked = np.lexsort((order, -score))
    chosen = np.zeros(len(score), dtype=bool)
    chosen[ranked[:count]] = True
    return chosen


@dataclass(frozen=True)
class Ranked:
    """One score's ranking, made once: each bootstrap resample (a count per unit) is then
    measured in linear time, with the same figures as ranking the resampled units afresh."""

    group: np.ndarray  # per unit: its tie group, groups numbered by ascending score
    groups: int
    line: np.ndarray  # units by descending score, ties in the random order


def ranked(score: np.ndarray, order: np.ndarray) -> Ranked:
    values, group = np.unique(score, return_inverse=True)
    return Ranked(group.ravel(), len(values), np.lexsort((order, -score)))


def weighted_scores(
    y: np.ndarray, ranking: Ranked, weights: np.ndarray, capacity: float
) -> np.ndarray:
    """AUC (ties a half), precision and recall at the capacity line, of the units each counted
    ``weights`` times: a resample's units, duplicates taken together. A duplicate of the unit at
    the line is counted as far as the line reaches, as ranking the resample itself would."""
    positives_by_group = np.bincount(ranking.group, weights=weights * y, minlength=ranking.groups)
    negatives_by_group = np.bincount(
        ranking.group, weights=weights * (1 - y), minlength=ranking.groups
    )
    positives, negatives = positives_by_group.sum(), negatives_by_group.sum()
    auc = math.nan
    if positives and negatives:
        below = np.cumsum(negatives_by_group) - negatives_by_group
        auc = float(
            (positives_by_group * (below + 0.5 * negatives_by_group)).sum()
            / (positives * negatives)
        )
    count = max(1, math.ceil(capacity * weights.sum()))
    along = weights[ranking.line]
    taken = np.clip(count - (np.cumsum(along) - along), 0, along)
    hits = float((taken * y[ranking.line]).sum())
    return np.array([auc, hits / count, hits / positives if positives else math.nan])


def _figure(value: float, draws: np.ndarray) -> dict[str, float]:
    low, high = metrics.interval(draws)
    return {"value": float(value), "low": low, "high": high}


def combined_baseline(inputs: Inputs) -> LogisticRegression:
    """Deprivation and service contact together, fitted on the development cohorts only."""
    x = _design(inputs.development)
    return LogisticRegression(max_iter=1000).fit(x, inputs.development_y.astype(int))


def _design(units: Units) -> np.ndarray:
    # The rank on a 0-1 scale (0 the most deprived in England) keeps the fit well conditioned.
    return np.column_stack([units.imd_rank / LSOAS_IN_ENGLAND, units.known.astype(float)])


def compare(inputs: Inputs) -> dict[str, Any]:
    """The model and each baseline on the test cohorts: AUC, precision and recall at the
    capacity line with bootstrap intervals, and the paired differences model minus baseline."""
    y = inputs.test_y.astype(float)
    scores = {
        "model": inputs.test_p,
        "deprivation": deprivation_score(inputs.test.imd_rank),
        "known_to_services": inputs.test.known.astype(float),
        "deprivation_and_known": combined_baseline(inputs).predict_proba(_design(inputs.test))[
            :, 1
        ],
    }
    order = np.random.default_rng(inputs.seed).permutation(len(y))
    rankings_made = {name: ranked(s, order) for name, s in scores.items()}
    # Each resample as how many times it draws each unit: the same resamples as validation's.
    counts = [
        np.bincount(row, minlength=len(y)).astype(float)
        for row in metrics.bootstrap_indices(len(y), inputs.resamples, inputs.seed)
    ]
    everyone = np.ones(len(y))
    point = {
        name: weighted_scores(y, made, everyone, inputs.capacity)
        for name, made in rankings_made.items()
    }
    draws = {
        name: np.array([weighted_scores(y, made, c, inputs.capacity) for c in counts])
        for name, made in rankings_made.items()
    }
    rankings: dict[str, Any] = {}
    for name in scores:
        rankings[name] = {
            measure: _figure(point[name][i], draws[name][:, i])
            for i, measure in enumerate(MEASURES)
        }
        if name != "model":
            rankings[name]["model_minus"] = {
                measure: _figure(
                    point["model"][i] - point[name][i], draws["model"][:, i] - draws[name][:, i]
                )
                for i, measure in enumerate(MEASURES)
            }
    best = max(BASELINES, key=lambda name: rankings[name]["auc"]["value"])
    difference = rankings[best]["model_minus"]["auc"]
    return {
        "capacity": inputs.capacity,
        "units": len(y),
        "rankings": rankings,
        "best_baseline": best,
        # Better only when the whole paired interval of the AUC difference is above zero.
        "model_better": bool(difference["low"] > 0),
        "deprivation_simulated": inputs.deprivation_simulated,
    }


def _share(part: int, whole: int) -> dict[str, Any]:
    if not whole:
        return {"value": None, "low": None, "high": None}
    low, high = metrics.wilson(part, whole)
    return {"value": part / whole, "low": low, "high": high}


def invisible_need(inputs: Inputs) -> dict[str, Any]:
    """Of the test units above the model's capacity line: how many no service knew, and how
    many of those had the outcome (exact counts, Wilson intervals for the shares)."""
    y = inputs.test_y.astype(bool)
    order = np.random.default_rng(inputs.seed).permutation(len(y))
    flagged = above_line(inputs.test_p, inputs.capacity, order)
    unknown = flagged & ~inputs.test.known
    counts = {
        "units": len(y),
        "above_line": int(flagged.sum()),
        "above_line_with_outcome": int((flagged & y).sum()),
        "unknown": int(unknown.sum()),
        "unknown_with_outcome": int((unknown & y).sum()),
    }
    return {
        **counts,
        "unknown_share": _share(counts["unknown"], counts["above_line"]),
        "outcome_share_of_unknown": _share(counts["unknown_with_outcome"], counts["unknown"]),
    }


def coming(inputs: Inputs, confidence: float = 0.95) -> dict[str, Any]:
    """Among the cohorts to come: the units above the model's capacity line, how many are
    unknown to services, and the events to expect among those. The interval of the expected
    number adds the spread of the bootstrap refits (the model's doubt) to the chance each unit
    has or has not the outcome (a sum of Bernoulli variances), on the normal scale: with a few
    dozen units or more the sum is near normal, and both sources are stated."""
    n = len(inputs.coming_p)
    if n == 0:
        return {"units": 0}
    order = np.random.default_rng(inputs.seed).permutation(n)
    flagged = above_line(inputs.coming_p, inputs.capacity, order)
    unknown = flagged & ~inputs.coming.known
    p = inputs.coming_p[unknown]
    expected = float(p.sum())
    draws = inputs.coming_draws
    model_var = float(np.var(draws[:, unknown].sum(axis=1), ddof=1)) if draws.shape[0] > 1 else 0.0
    half = z_value(confidence) * math.sqrt(model_var + float((p * (1 - p)).sum()))
    return {
        "units": n,
        "above_line": int(flagged.sum()),
        "unknown": int(unknown.sum()),
        "unknown_share": _share(int(unknown.sum()), int(flagged.sum())),
        "expected_events_unknown": {
            "value": expected,
            "low": max(0.0, expected - half),
            "high": expected + half,
        },
    }


def measure(inputs: Inputs) -> dict[str, Any]:
    """Everything this module reports, exact: the workspace's ``added_value.json``."""
    return {
        "comparison": compare(inputs),
        "invisible_need": invisible_need(inputs),
        "coming": coming(inputs),
    }


@dataclass(frozen=True)
class Truth:
    """A synthetic world's truth per unit, aligned with the inputs' units: the IMD rank the world
    was built on (NaN outside its area), and (true probability, best achievable from records)
    per test and coming unit, NaN where the unit maps to no true one. Units without either are
    left out of the figures from the truth, and counted."""

    development_rank: np.ndarray
    test_rank: np.ndarray
    test: np.ndarray  # units x 2
    coming: np.ndarray  # units x 2


def beside_truth(inputs: Inputs, truth: Truth) -> dict[str, Any]:
    """The same figures from a synthetic world's truth: the model against the deprivation the
    world was really built on; the best achievable ranking (the world's probability given every
    record) against the baselines, with the need it finds invisible; and, among the units to come
    that the model places above the line and no service knows, the events the world's own
    probabilities expect beside the model's estimate on the same units."""
    mapped = np.isfinite(truth.test[:, 1]) & np.isfinite(truth.test_rank)
    placed = np.isfinite(truth.development_rank)

    def on_truth(test_p: np.ndarray) -> Inputs:
        return Inputs(
            development=Units(truth.development_rank[placed], inputs.development.known[placed]),
            development_y=inputs.development_y[placed],
            test=Units(truth.test_rank[mapped], inputs.test.known[mapped]),
            test_y=inputs.test_y[mapped],
            test_p=test_p,
            coming=inputs.coming,
            coming_p=inputs.coming_p,
            coming_draws=inputs.coming_draws,
            capacity=inputs.capacity,
            resamples=inputs.resamples,
            seed=inputs.seed,
            deprivation_simulated=False,
        )

    model = on_truth(inputs.test_p[mapped])
    best = on_truth(truth.test[mapped, 1])
    result: dict[str, Any] = {
        "units_mapped": int(mapped.sum()),
        "units_unmapped": int((~mapped).sum()),
        "model_against_world_deprivation": compare(model),
        "best_achievable": {"comparison": compare(best), "invisible_need": invisible_need(best)},
    }
    if len(inputs.coming_p):
        order = np.random.default_rng(inputs.seed).permutation(len(inputs.coming_p))
        flagged = above_line(inputs.coming_p, inputs.capacity, order)
        unknown = flagged & ~inputs.coming.known
        known_truth = unknown & np.isfinite(truth.coming[:, 0])
        result["coming"] = {
            "unknown": int(unknown.sum()),
            "unknown_mapped": int(known_truth.sum()),
            "expected_events_model": float(inputs.coming_p[known_truth].sum()),
            "expected_events_true": float(truth.coming[known_truth, 0].sum()),
        }
    return result


def _count(value: int, rules: DisclosureRules) -> int | None:
    """A count as published: withheld (None) when 1 to the threshold, else rounded."""
    if 0 < value <= rules.threshold:
        return None
    return rules.round(value)


def _published_share(part: int | None, whole: int | None) -> dict[str, Any]:
    """A share from two published counts, with the Wilson interval of those counts: never from
    exact counts, which the share and a rounded count together would give away."""
    if part is None or whole is None or whole == 0:
        return {"value": None, "low": None, "high": None}
    return _share(part, whole)


def publishable(measured: dict[str, Any], rules: DisclosureRules) -> dict[str, Any]:
    """The release's shape: the comparison's figures (rates over thousands of units, no count),
    and every count of the invisible need through the disclosure rule, its shares from the
    published counts. A count whose complement in its group is 1 to the threshold is withheld
    too (9 of 10 unknown tells that one was known). No unit is listed."""
    need, ahead = measured["invisible_need"], measured["coming"]
    shown = {
        name: _count(need[name], rules)
        for name in ("units", "above_line", "above_line_with_outcome", "unknown")
    }
    shown["unknown_with_outcome"] = _count(need["unknown_with_outcome"], rules)
    _withhold_small_rests(
        shown,
        need,
        rules,
        [
            ("unknown", "above_line"),
            ("unknown_with_outcome", "unknown"),
            ("above_line_with_outcome", "above_line"),
        ],
    )
    published_need = {
        **shown,
        "unknown_share": _published_share(shown["unknown"], shown["above_line"]),
        "outcome_share_of_unknown": _published_share(
            shown["unknown_with_outcome"], shown["unknown"]
        ),
    }
    published_coming: dict[str, Any] = {"units": _count(ahead["units"], rules)}
    if ahead["units"]:
        counts = {name: _count(ahead[name], rules) for name in ("above_line", "unknown")}
        _withhold_small_rests(counts, ahead, rules, [("unknown", "above_line")])
        expected = ahead["expected_events_unknown"]
        published_coming |= {
            **counts,
            "unknown_share": _published_share(counts["unknown"], counts["above_line"]),
            # An expected number rests on every unit it sums: shown to whole units, only when
            # the units it sums are published.
            "expected_events_unknown": (
                {key: round(value) for key, value in expected.items()}
                if counts["unknown"] is not None
                else None
            ),
        }
    comparison = measured["comparison"]
    return {
        "capacity": comparison["capacity"],
        "best_baseline": comparison["best_baseline"],
        "model_better": comparison["model_better"],
        "deprivation_simulated": comparison["deprivation_simulated"],
        "rankings": metrics.rounded(comparison["rankings"], 4),
        "invisible_need": metrics.rounded(published_need, 4),
        "coming": metrics.rounded(published_coming, 4),
        "rule": rules.rule,
    }


def _withhold_small_rests(
    shown: dict[str, int | None],
    exact: dict[str, Any],
    rules: DisclosureRules,
    pairs: list[tuple[str, str]],
) -> None:
    for part, whole in pairs:
        rest = exact[whole] - exact[part]
        if 0 < rest <= rules.threshold:
            shown[part] = None
