"""How small an effect the evaluation could detect: the minimum detectable effect (MDE) of the
plan's own design, its estimator and its inference.

Everything here uses only the periods before the earliest start, so the figure can be computed,
and frozen with the plan, before any outcome after the start exists.

The outcome of an area in a period is a rate over its population (children in a cohort, say).
Children of the same area and period resemble each other beyond the area's lasting level (which
unit fixed effects remove): the intra-cluster correlation (ICC) of that area-period cluster,
estimated by one-way analysis of variance on the residuals of area and period means. An area's
rate in one period then varies by ``p (1 - p) / n`` times the design effect ``1 + (n - 1) ICC``
about its level, independently from period to period. Without a population column the residual
variance of the rates is used directly and no ICC is given. Each design turns that noise into
the standard error of its own estimate (docs/adr/0046-power-by-design.md):

- ``did``: each area's mean after the start less its mean before, so the noise times
  ``1/T0 + 1/T1`` (periods before and after), population-weighted within each group; the MDE is
  ``(t(1 - alpha/2) + t(power)) * SE`` with t on clusters - 1 degrees of freedom, as the
  estimator's clustered errors are.
- ``staggered``: Callaway-Sant'Anna compares each start's periods from the start with the one
  period before it, not with every earlier period: the noise times ``1 + 1/T1`` per start,
  areas weighted equally, starts weighted by treated area-periods, the never-treated areas'
  part shared by every start. The same formula, with t on the Welch-Satterthwaite degrees of
  freedom the estimator's interval uses.
- ``synthetic-control``: the test is the rank of the treated group's mean gap among the
  placebo groups' (the estimator's own groups, same seed). Each group's gap varies by its
  population-weighted noise plus that of its synthetic twin (its donors' weights, fitted on
  the periods before the start) times ``1/T0 + 1/T1``; the power is the chance that the treated
  gap outranks all but as many placebos as the level allows (normal gaps, the order statistic
  of the placebos by a Poisson-binomial count). With too few placebos no effect can reach the
  level, and the analysis says so instead of giving an MDE.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize, stats

from bakehouse.evaluation.estimators import PLACEBOS, placebo_groups, synthetic_gap, welch_freedom
from bakehouse.evaluation.panel import Panel
from bakehouse.evaluation.plan import Design

POWER = 0.8
TWIN_FITS = 20  # placebo groups whose synthetic twins are fitted for the placebos' noise
# Gauss-Hermite nodes for the treated gap's normal error in the placebo-rank power.
_NODES, _NODE_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_NODE_WEIGHTS = _NODE_WEIGHTS / _NODE_WEIGHTS.sum()


@dataclass(frozen=True)
class PowerAnalysis:
    # The smallest true effect detected with ``power`` at ``alpha``; None when no effect can be
    # (``reason`` says why).
    mde: float | None
    standard_error: float  # the estimate's expected standard error
    icc: float | None  # area-period ICC, beyond the areas' lasting levels (with populations)
    design_effect: float | None  # at the treated areas' mean population
    alpha: float
    power: float
    pre_periods: int
    post_periods: int
    design: Design = Design.DID
    freedom: float | None = None  # the t test's degrees of freedom (did, staggered)
    # Synthetic control: each placebo group's expected standard error, and the most placebos
    # the treated gap may fall below and still reach ``alpha``.
    placebo_errors: tuple[float, ...] = ()
    placebos_above: int | None = None
    reason: str | None = None

    def power_at(self, effect: float) -> float:
        """The chance that a true ``effect`` is detected at ``alpha`` by this design."""
        if self.freedom is not None:
            critical = stats.t.ppf(1 - self.alpha / 2, self.freedom)
            shift = abs(effect) / self.standard_error
            either = stats.t.cdf([shift - critical, -shift - critical], self.freedom)
            return float(either.sum())
        if self.placebos_above is None:
            return 0.0
        return _rank_power(
            effect, self.standard_error, np.asarray(self.placebo_errors), self.placebos_above
        )


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


@dataclass(frozen=True)
class _Past:
    """What every design's power is computed from: the periods before the earliest start."""

    panel: Panel
    earliest: int
    variance: dict[str, float]  # one period's noise of each unit
    size: dict[str, float]  # each unit's mean population
    timeline: list[int]  # the periods before, then the periods the plan will observe

    def before(self, start: int) -> int:
        return sum(1 for p in self.timeline if p < start)

    def after(self, start: int) -> int:
        return sum(1 for p in self.timeline if p >= start)


def minimum_detectable_effect(
    panel: Panel,
    adoption: dict[str, int],
    comparison: list[str],
    *,
    design: Design = Design.DID,
    alpha: float = 0.05,
    power: float = POWER,
    post_periods: int | None = None,
    placebos: int = PLACEBOS,
) -> PowerAnalysis:
    """The MDE of ``design`` for ``adoption``'s units against ``comparison``.

    ``post_periods`` is the number of periods the plan will observe from the earliest start
    (later periods taken one per whole number, so a later start sees fewer); by default the
    panel's periods from it on. ``placebos``: synthetic control's placebo groups."""
    earliest = min(adoption.values())
    variances, icc, deff = pre_period_variances(panel, earliest)
    frame = panel.frame[panel.frame["period"] < earliest]
    before = [p for p in panel.periods if p < earliest]
    if post_periods is None:
        coming = [p for p in panel.periods if p >= earliest]
    else:
        coming = list(range(earliest, earliest + post_periods))
    past = _Past(
        panel,
        earliest,
        dict(zip(sorted(frame["unit"].unique()), variances.tolist(), strict=True)),
        frame.groupby("unit")["weight"].mean().to_dict(),
        before + coming,
    )
    # What every design shares; each fills in its own standard error, test and MDE.
    basis = PowerAnalysis(
        mde=None,
        standard_error=0.0,
        icc=icc,
        design_effect=deff if icc is not None else None,
        alpha=alpha,
        power=power,
        pre_periods=len(before),
        post_periods=len(coming),
        design=design,
    )
    if design is Design.SYNTHETIC_CONTROL:
        test = _placebo_test(past, adoption, comparison, placebos, alpha, power)
        return replace(
            basis,
            mde=test.mde,
            standard_error=test.standard_error,
            placebo_errors=test.placebo_errors,
            placebos_above=test.placebos_above,
            reason=test.reason,
        )
    if design is Design.STAGGERED:
        se, freedom = _staggered(past, adoption, comparison)
    else:
        se, freedom = _did(past, adoption, comparison)
    multiplier = stats.t.ppf(1 - alpha / 2, freedom) + stats.t.ppf(power, freedom)
    return replace(basis, mde=float(multiplier * se), standard_error=se, freedom=freedom)


def _did(past: _Past, adoption: dict[str, int], comparison: list[str]) -> tuple[float, float]:
    """Each area's mean after less its mean before, population-weighted in each group; t on
    clusters - 1."""
    treated = list(adoption)
    factors = np.array(
        [1 / past.before(adoption[u]) + 1 / past.after(adoption[u]) for u in treated]
    )
    treated_var = _weighted_mean_variance(
        np.array([past.variance[u] for u in treated]) * factors,
        np.array([past.size[u] for u in treated]),
    )
    comparison_var = _weighted_mean_variance(
        np.array([past.variance[u] for u in comparison]) * factors.mean(),
        np.array([past.size[u] for u in comparison]),
    )
    return float(np.sqrt(treated_var + comparison_var)), float(len(treated) + len(comparison) - 1)


def _staggered(past: _Past, adoption: dict[str, int], comparison: list[str]) -> tuple[float, float]:
    """Callaway-Sant'Anna's overall effect: per start, the mean over its periods from the start
    less the period before, treated areas less never-treated ones, each area counting once. A
    start the plan will not observe (``post_periods`` end before it) adds nothing."""
    timeline = np.asarray(past.timeline)
    starts = sorted({s for s in adoption.values() if past.after(s) > 0})
    members = [[u for u, s in adoption.items() if s == start] for start in starts]
    areas = np.array([len(m) for m in members], dtype=float)
    after = np.array([past.after(s) for s in starts], dtype=float)
    share = areas * after / (areas * after).sum()
    # Each start's contrast over the timeline: +1/T1 on its periods from the start, -1 on the
    # period before. The comparison's part of the overall effect is one unit's sum of them.
    contrasts = np.zeros((len(starts), len(timeline)))
    for row, start in enumerate(starts):
        first = int(np.searchsorted(timeline, start))
        contrasts[row, first:] = 1 / after[row]
        contrasts[row, first - 1] = -1
    per_unit = (contrasts**2).sum(axis=1)  # 1/T1 + 1
    treated_var = (
        np.array([sum(past.variance[u] for u in m) / len(m) ** 2 for m in members]) * per_unit
    )
    comparison_noise = sum(past.variance[u] for u in comparison) / len(comparison) ** 2
    combined = (share @ contrasts) ** 2
    variance = float((share**2 * treated_var).sum() + comparison_noise * combined.sum())
    by_start = np.sqrt(treated_var + comparison_noise * per_unit)
    return float(np.sqrt(variance)), welch_freedom(share * by_start, areas)


@dataclass(frozen=True)
class _PlaceboTest:
    mde: float | None
    standard_error: float
    placebo_errors: tuple[float, ...]
    placebos_above: int | None
    reason: str | None


def _placebo_test(
    past: _Past,
    adoption: dict[str, int],
    comparison: list[str],
    placebos: int,
    alpha: float,
    power: float,
) -> _PlaceboTest:
    """The placebo-rank test's power: the treated group's and the estimator's placebo groups'
    expected gap errors, from their synthetic twins fitted on the periods before the start."""
    treated = list(adoption)
    start = past.earliest
    frame = past.panel.frame[past.panel.frame["period"] < start]
    outcome = frame.pivot(index="period", columns="unit", values="outcome")
    size = frame.pivot(index="period", columns="unit", values="weight")
    pre = np.ones(len(outcome.index), dtype=bool)
    factor = 1 / past.before(start) + 1 / past.after(start)

    def own(group: list[str]) -> float:
        return _weighted_mean_variance(
            np.array([past.variance[u] for u in group]), np.array([past.size[u] for u in group])
        )

    def twin(group: list[str]) -> float:
        donors = [u for u in comparison if u not in group]
        weights = synthetic_gap(outcome, size, group, donors, pre).weights
        return float((weights**2 * np.array([past.variance[u] for u in donors])).sum())

    groups = placebo_groups(comparison, len(treated), placebos, 0)
    # A sample of the twins stands for all (each fit takes tens of milliseconds, and the plan
    # page computes this), taken in turn so their spread is kept: the rank test's power rests
    # on the noisiest placebos, not the typical one.
    twins = [twin(group) for group in groups[:TWIN_FITS]]
    errors = tuple(
        float(np.sqrt((own(group) + twins[i % len(twins)]) * factor))
        for i, group in enumerate(groups)
    )
    se = float(np.sqrt((own(treated) + twin(treated)) * factor))
    above = _placebos_above(len(groups), alpha)
    if above is None:
        reason = (
            f"with {len(groups)} placebos the smallest p-value possible is "
            f"{1 / (len(groups) + 1):.3f}, so no effect can reach p < {alpha}: "
            "add comparison areas"
        )
        return _PlaceboTest(None, se, errors, None, reason)
    spread = np.asarray(errors)
    reach = 10 * (se + float(spread.max()))
    while _rank_power(reach, se, spread, above) < power:
        reach *= 2
    mde = optimize.brentq(
        lambda effect: _rank_power(effect, se, spread, above) - power, 0.0, reach, xtol=1e-7
    )
    return _PlaceboTest(float(mde), se, errors, above, None)


def _placebos_above(placebos: int, alpha: float) -> int | None:
    """The most placebos whose mean gap may reach the treated one's with p still below
    ``alpha`` (p = (1 + that count) / (1 + placebos)); None when not even none will do."""
    # Counted as the estimator computes p, so a level on the boundary falls the same way.
    most = -1
    while (most + 2) / (1 + placebos) < alpha:
        most += 1
    return most if most >= 0 else None


def _rank_power(effect: float, se: float, placebo_errors: np.ndarray, above: int) -> float:
    """The chance that at most ``above`` placebo mean gaps (normal about zero with
    ``placebo_errors``) are as large in size as the treated one (normal about ``effect``)."""
    gap = np.abs(effect + se * _NODES)
    # Each placebo outranks the treated gap with its own chance: count them Poisson-binomially.
    outranks = 2 * stats.norm.sf(gap[:, None] / placebo_errors[None, :])
    counts = np.zeros((len(gap), above + 1))
    counts[:, 0] = 1.0
    for column in outranks.T:
        shifted = np.zeros_like(counts)
        shifted[:, 1:] = counts[:, :-1] * column[:, None]
        counts = counts * (1 - column[:, None]) + shifted
    return float(_NODE_WEIGHTS @ counts.sum(axis=1))


def _weighted_mean_variance(variances: np.ndarray, weights: np.ndarray) -> float:
    """The variance of a weighted mean of independent values."""
    return float((weights**2 * variances).sum() / weights.sum() ** 2)
