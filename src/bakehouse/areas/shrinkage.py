"""Empirical Bayes rates for small areas: a normal-normal (Fay-Herriot) model.

An area's observed rate ``y = x / n`` is noisy when few units count in it. Its true rate
``theta`` is taken to vary around a prior mean ``m`` (a regression on what is known about every
area: the model's own expected rate, deprivation, or just the district) with a between-area
standard deviation ``tau``; the observed rate varies around ``theta`` with sampling variance
``v``. The posterior mean moves ``y`` towards ``m`` with weight ``v / (v + tau^2)``: the smaller
the area (the larger ``v``), the more it borrows from the prior.

- ``v`` is the variance of a sum of coin flips with each unit's own probability: the mean of
  p (1 - p) over the area's units, from the model, over ``n``, plus the variance that rounding
  the published numerator adds. The binomial n m (1 - m) would overstate it whenever units'
  chances differ within an area, and the real spread between areas would be mistaken for chance.
- ``m`` is a weighted least squares fit, re-fitted for each ``tau``; its own uncertainty is
  carried into each area's posterior.
- ``tau`` is not a single estimate: with few units per area the spread between areas is hard
  to tell from chance, and a point estimate at "no spread" would give intervals far too narrow.
  It is integrated over a grid, weighted by the restricted likelihood of all areas and a uniform
  prior on ``tau`` (Gelman et al., Bayesian Data Analysis, 3rd ed., section 5.4).

Each area's posterior is a mixture of normals over the grid; its mean is the shrunken rate and its
central quantiles (on a fine grid of rates, cut to 0..1) the interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TAU_GRID = np.linspace(0.0, 0.25, 126)
RATE_GRID = (np.arange(4001) + 0.5) / 4001
NEGLIGIBLE = 1e-8  # grid weights below this are skipped
VARIANCE_FLOOR = 1e-6


@dataclass(frozen=True)
class ShrunkenRates:
    """Per area (``nan`` where the area's counts were missing)."""

    rate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    prior_mean: np.ndarray
    weight: np.ndarray  # how much the area's own data counts: tau^2 / (tau^2 + v)
    between_area_sd: float  # tau, posterior mean


def shrink(
    events: np.ndarray,
    totals: np.ndarray,
    covariates: np.ndarray,
    confidence: float,
    unit_variance: np.ndarray | None = None,
    rounding: int = 1,
) -> ShrunkenRates:
    """Shrink ``events / totals`` towards a regression on ``covariates`` (areas x terms, the
    intercept column included). ``unit_variance`` is each area's mean p (1 - p) over its units
    (the binomial y (1 - y) of the whole area when not given); ``rounding`` is the base the
    published numerators were rounded to. Areas with a missing or zero total are left out."""
    x = np.asarray(events, dtype=np.float64)
    n = np.asarray(totals, dtype=np.float64)
    usable = ~np.isnan(x) & ~np.isnan(n) & (n > 0) & ~np.isnan(covariates).any(axis=1)
    if unit_variance is not None:
        usable &= ~np.isnan(unit_variance)
    nan = np.full(len(x), np.nan)
    if usable.sum() <= covariates.shape[1] + 1:
        return ShrunkenRates(nan, nan.copy(), nan.copy(), nan.copy(), nan.copy(), float("nan"))
    y = x[usable] / n[usable]
    if unit_variance is None:
        overall = y.mean()
        unit = np.full(len(y), overall * (1 - overall))
    else:
        unit = np.asarray(unit_variance, dtype=np.float64)[usable]
    v = np.maximum(unit / n[usable] + (rounding**2 - 1) / 12 / n[usable] ** 2, VARIANCE_FLOOR)
    design = covariates[usable]
    weights = _tau_weights(y, v, design)
    mean, low, high, prior, share = _mixture_posterior(y, v, design, weights, confidence)
    rate, lo, hi, prior_mean, weight = (nan.copy() for _ in range(5))
    rate[usable], lo[usable], hi[usable] = mean, low, high
    prior_mean[usable], weight[usable] = prior, share
    return ShrunkenRates(rate, lo, hi, prior_mean, weight, float((weights * TAU_GRID).sum()))


def _fit(
    y: np.ndarray, v: np.ndarray, design: np.ndarray, tau: float
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares at ``tau``: coefficients and their covariance."""
    w = 1.0 / (tau**2 + v)
    information = design.T @ (design * w[:, None])
    covariance = np.linalg.pinv(information)
    beta = covariance @ (design.T @ (w * y))
    return beta, covariance


def _tau_weights(y: np.ndarray, v: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Posterior weights of the grid's tau: restricted likelihood x uniform prior."""
    log_post = np.empty(len(TAU_GRID))
    for k, tau in enumerate(TAU_GRID):
        total = tau**2 + v
        beta, covariance = _fit(y, v, design, tau)
        residual = y - design @ beta
        _, log_det_cov = np.linalg.slogdet(covariance)
        log_post[k] = -0.5 * (np.log(total).sum() + (residual**2 / total).sum() - log_det_cov)
    weights = np.exp(log_post - log_post.max())
    return weights / weights.sum()


def _mixture_posterior(
    y: np.ndarray, v: np.ndarray, design: np.ndarray, weights: np.ndarray, confidence: float
) -> tuple[np.ndarray, ...]:
    density = np.zeros((len(y), len(RATE_GRID)))
    mean, prior, share = np.zeros(len(y)), np.zeros(len(y)), np.zeros(len(y))
    for tau, weight in zip(TAU_GRID, weights, strict=True):
        if weight < NEGLIGIBLE:
            continue
        beta, covariance = _fit(y, v, design, tau)
        m = design @ beta
        leverage = np.einsum("ij,jk,ik->i", design, covariance, design)
        b = tau**2 / (tau**2 + v)
        centre = m + b * (y - m)
        spread = np.sqrt(b * v + (1 - b) ** 2 * leverage)
        z = (RATE_GRID[None, :] - centre[:, None]) / spread[:, None]
        density += weight * np.exp(-0.5 * z**2) / spread[:, None]
        mean += weight * centre
        prior += weight * m
        share += weight * b
    cumulative = np.cumsum(density, axis=1)
    cumulative /= cumulative[:, -1:]
    tail = (1 - confidence) / 2
    low = np.array([np.interp(tail, c, RATE_GRID) for c in cumulative])
    high = np.array([np.interp(1 - tail, c, RATE_GRID) for c in cumulative])
    mean = np.clip(mean, 0.0, 1.0)
    return mean, np.minimum(low, mean), np.maximum(high, mean), prior, share
