"""How small an effect the evaluation could detect: the minimum detectable effect (MDE).

Everything here uses only the periods before the earliest start, so the figure can be computed,
and frozen with the plan, before any outcome after the start exists.

The outcome of an area in a period is a rate over its population (children in a cohort, say).
Children of the same area and period resemble each other beyond the area's lasting level (which
unit fixed effects remove): the intra-cluster correlation (ICC) of that area-period cluster,
estimated by one-way analysis of variance on the residuals of area and period means. The rate's
variance is then ``p (1 - p) / n`` times the design effect ``1 + (n - 1) ICC``. A difference-in-
differences estimate of a unit compares its mean after the start with its mean before, so its
variance is that times ``1/T0 + 1/T1`` (periods before and after); the MDE at 80% power and
level alpha is ``(t(1 - alpha/2) + t(0.8)) * SE`` with t on clusters - 1 degrees of freedom, as
the estimator's clustered errors are. Without a population column the residual variance of the
rates is used directly and no ICC is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from bakehouse.evaluation.panel import Panel

POWER = 0.8


@dataclass(frozen=True)
class PowerAnalysis:
    mde: float  # the smallest true effect detected with ``power`` at ``alpha``
    standard_error: float  # the estimate's expected standard error
    icc: float | None  # area-period ICC, beyond the areas' lasting levels (with populations)
    design_effect: float | None  # at the treated areas' mean population
    alpha: float
    power: float
    pre_periods: int
    post_periods: int


def pre_period_variances(panel: Panel, before: int) -> tuple[np.ndarray, float | None, float]:
    """Each unit's variance of one period's outcome around its own level and the period's, from
    the periods before ``before``; the ICC (None without populations); the design effect at the
    mean population."""
    past = panel.frame[panel.frame["period"] < before]
    rates = past.pivot(index="unit", columns="period", values="outcome").sort_index()
    sizes = past.pivot(index="unit", columns="period", values="weight").sort_index()
    y = rates.to_numpy()
    units, periods = y.shape
    residual = y - y.mean(axis=1, keepdims=True) - y.mean(axis=0, keepdims=True) + y.mean()
    freedom = max((units - 1) * (periods - 1), 1)
    if not panel.weighted:
        variance = float((residual**2).sum() / freedom)
        return np.full(units, variance), None, 1.0
    n = sizes.to_numpy()
    total = n.sum()
    clusters = n.size
    between = float((n * residual**2).sum() / freedom)
    # Binary outcomes within a cluster: variance n/(n-1) p(1-p) per cluster, pooled.
    within = float((n * y * (1 - y)).sum() / max(total - clusters, 1))
    n0 = (total - (n**2).sum() / total) / max(clusters - 1, 1)
    icc = max(0.0, (between - within) / (between + (n0 - 1) * within)) if between > 0 else 0.0
    # Each area's own past rate: areas far from the mean rate vary less, binomially.
    unit_rate = (n * y).sum(axis=1) / n.sum(axis=1)
    unit_size = n.mean(axis=1)
    deff = 1 + (unit_size - 1) * icc
    variances = unit_rate * (1 - unit_rate) / unit_size * deff
    return variances, icc, float(1 + (unit_size.mean() - 1) * icc)


def minimum_detectable_effect(
    panel: Panel,
    adoption: dict[str, int],
    comparison: list[str],
    *,
    alpha: float = 0.05,
    power: float = POWER,
    post_periods: int | None = None,
) -> PowerAnalysis:
    """The MDE of a difference-in-differences of ``adoption``'s units against ``comparison``.

    ``post_periods`` is the number of periods the plan will observe from each start; by default
    the panel's periods from it on."""
    earliest = min(adoption.values())
    variances, icc, deff = pre_period_variances(panel, earliest)
    past = panel.frame[panel.frame["period"] < earliest]
    variance_of = dict(zip(sorted(past["unit"].unique()), variances, strict=True))
    size_of = past.groupby("unit")["weight"].mean().to_dict()
    periods = panel.periods

    def factor(start: int) -> float:
        before = sum(1 for p in periods if p < start)
        after = post_periods or sum(1 for p in periods if p >= start)
        return 1 / before + 1 / after

    treated = list(adoption)
    factors = np.array([factor(adoption[u]) for u in treated])
    treated_var = _weighted_mean_variance(
        np.array([variance_of[u] for u in treated]) * factors,
        np.array([size_of[u] for u in treated]),
    )
    comparison_var = _weighted_mean_variance(
        np.array([variance_of[u] for u in comparison]) * factors.mean(),
        np.array([size_of[u] for u in comparison]),
    )
    se = float(np.sqrt(treated_var + comparison_var))
    freedom = len(treated) + len(comparison) - 1
    multiplier = stats.t.ppf(1 - alpha / 2, freedom) + stats.t.ppf(power, freedom)
    return PowerAnalysis(
        mde=float(multiplier * se),
        standard_error=se,
        icc=icc,
        design_effect=deff if icc is not None else None,
        alpha=alpha,
        power=power,
        pre_periods=sum(1 for p in periods if p < earliest),
        post_periods=post_periods or sum(1 for p in periods if p >= earliest),
    )


def _weighted_mean_variance(variances: np.ndarray, weights: np.ndarray) -> float:
    """The variance of a weighted mean of independent values."""
    return float((weights**2 * variances).sum() / weights.sum() ** 2)
