"""Metrics of a probabilistic prediction, with bootstrap intervals.

AUC, average precision, Brier score, expected calibration error (equal-count bins) with the data
for a calibration plot, and precision and recall among the top k% by predicted risk. Every figure
on the test cohorts carries a percentile bootstrap interval (units resampled with replacement).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import rankdata

Metric = Callable[[np.ndarray, np.ndarray], float]


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve (ties count a half), NaN when only one class is present."""
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = rankdata(p)
    return float(
        (ranks[y.astype(bool)].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def average_precision(y: np.ndarray, p: np.ndarray) -> float:
    """Mean of the precision at each positive, units taken in order of predicted risk."""
    positives = int(y.sum())
    if positives == 0:
        return math.nan
    order = np.argsort(-p, kind="stable")
    hits = y[order].astype(float)
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / positives)


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def _bin_ids(p: np.ndarray, bins: int, ascending: np.ndarray | None = None) -> np.ndarray:
    """Each unit's bin: equal-count bins of predicted probability, cut at quantiles of ``p``.
    Units with equal predictions always share a bin (the one the cut value opens), so the bins
    follow from the predictions alone, never from the order of the rows. A calibration map's
    plateaus hold thousands of equal predictions: split by row order, and rows are ordered by
    pseudonyms, the ECE would change with the custodian's key. ``ascending``: ``p`` sorted."""
    ordered = np.sort(p) if ascending is None else ascending
    cuts = (len(p) * np.arange(1, bins)) // bins
    ids: np.ndarray = np.searchsorted(ordered[cuts], p, side="right")
    return ids


def _bins(p: np.ndarray, bins: int) -> list[np.ndarray]:
    """The units of each non-empty bin of :func:`_bin_ids`, lowest predictions first."""
    if not len(p):
        return []
    ids = _bin_ids(p, bins)
    return [chunk for chunk in (np.flatnonzero(ids == b) for b in range(bins)) if len(chunk)]


def _ece(y: np.ndarray, p: np.ndarray, ids: np.ndarray, bins: int) -> float:
    """Over the bins: each bin's share of units times |observed share - mean predicted|."""
    gaps = np.bincount(ids, weights=y, minlength=bins) - np.bincount(ids, weights=p, minlength=bins)
    return float(np.abs(gaps).sum() / len(y))


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-count bins of predicted probability."""
    if not len(y):
        return math.nan
    return _ece(y.astype(float), p, _bin_ids(p, bins), bins)


def ece_by_chance(
    p: np.ndarray, bins: int = 10, draws: int = 200, seed: int = 0
) -> dict[str, float]:
    """The ECE a perfectly calibrated model would show on these units from chance alone: over
    outcomes drawn from ``p`` itself, the median (``value``) and the 95% range. A model's ECE is
    judged against it: with a few thousand units it is not far below 0.02."""
    if not len(p):
        return {"value": math.nan, "low": math.nan, "high": math.nan}
    chunks = _bins(p, bins)
    outcomes = np.random.default_rng(seed).random((draws, len(p))) < p
    values = np.zeros(draws)
    for chunk in chunks:
        observed = outcomes[:, chunk].mean(axis=1)
        values += len(chunk) / len(p) * np.abs(observed - p[chunk].mean())
    low, high = np.percentile(values, [2.5, 97.5])
    return {"value": float(np.median(values)), "low": float(low), "high": float(high)}


def wilson(successes: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def calibration_curve(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Per equal-count bin: mean predicted, observed share with its Wilson interval, units."""
    points = []
    for chunk in _bins(p, bins):
        low, high = wilson(float(y[chunk].sum()), len(chunk))
        points.append(
            {
                "predicted": float(p[chunk].mean()),
                "observed": float(y[chunk].mean()),
                "observed_low": low,
                "observed_high": high,
                "units": len(chunk),
            }
        )
    return points


def top_k(y: np.ndarray, p: np.ndarray, share: float) -> tuple[float, float]:
    """Precision and recall among the ``share`` of units with the highest predicted risk."""
    count = max(1, math.ceil(share * len(y)))
    chosen = np.argsort(-p, kind="stable")[:count]
    hits = float(y[chosen].sum())
    positives = float(y.sum())
    return hits / count, (hits / positives if positives else math.nan)


def all_metrics(y: np.ndarray, p: np.ndarray, top: list[float], ece_bins: int) -> dict[str, float]:
    """AUC, average precision, Brier score, ECE and precision and recall in each top share, from
    one sort of the units by risk (the bootstrap's inner loop)."""
    order = np.argsort(-p, kind="stable")
    hits = y[order]
    positives = hits.sum()
    cumulative = np.cumsum(hits)
    precision = cumulative / np.arange(1, len(hits) + 1)
    values = {
        "auc": auc(y, p),
        "average_precision": float((precision * hits).sum() / positives) if positives else math.nan,
        "brier": brier(y, p),
    }
    total = len(y)
    ids = _bin_ids(p, ece_bins, ascending=p[order[::-1]])
    values["ece"] = _ece(y.astype(float), p, ids, ece_bins)
    for share in top:
        count = max(1, math.ceil(share * total))
        percent = round(share * 100)
        values[f"precision_top_{percent}"] = float(cumulative[count - 1] / count)
        values[f"recall_top_{percent}"] = (
            float(cumulative[count - 1] / positives) if positives else math.nan
        )
    return values


def bootstrap_indices(n: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def interval(values: np.ndarray) -> tuple[float, float]:
    """The 95% percentile interval of bootstrap draws, leaving out draws with no value."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return (math.nan, math.nan)
    low, high = np.percentile(finite, [2.5, 97.5])
    return (float(low), float(high))


def evaluate(
    y: np.ndarray,
    p: np.ndarray,
    top: list[float],
    ece_bins: int,
    indices: np.ndarray,
) -> dict[str, dict[str, float]]:
    """Each metric with its 95% percentile bootstrap interval over ``indices`` (resamples)."""
    point = all_metrics(y, p, top, ece_bins)
    draws = [all_metrics(y[row], p[row], top, ece_bins) for row in indices]
    results = {}
    for label, value in point.items():
        low, high = interval(np.array([draw[label] for draw in draws]))
        results[label] = {"value": value, "low": low, "high": high}
    return results


def paired_difference(
    y: np.ndarray, first: np.ndarray, second: np.ndarray, function: Metric, indices: np.ndarray
) -> dict[str, float]:
    """``function(first) - function(second)`` on the same units, with a paired interval."""
    draws = np.array(
        [function(y[row], first[row]) - function(y[row], second[row]) for row in indices]
    )
    low, high = interval(draws)
    return {"value": function(y, first) - function(y, second), "low": low, "high": high}


def rounded(results: Any, digits: int = 4) -> Any:
    """Floats rounded for reports (NaN becomes None)."""
    if isinstance(results, dict):
        return {key: rounded(value, digits) for key, value in results.items()}
    if isinstance(results, list):
        return [rounded(value, digits) for value in results]
    if isinstance(results, float):
        return None if math.isnan(results) else round(results, digits)
    return results
