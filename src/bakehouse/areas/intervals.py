"""Confidence intervals as public health profiles compute them.

- Proportions: Wilson score interval.
- Counts (events): Byar's approximation for 10 or more events, the exact Poisson interval below.

Normal quantiles come from :class:`statistics.NormalDist`; the exact Poisson limits from scipy's
chi-square quantiles (Garwood).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from scipy.stats import chi2

BYAR_FROM = 10  # events; below this the exact interval is used


def z_value(confidence: float) -> float:
    """The two-sided normal quantile for ``confidence`` (1.959964 for 0.95)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be between 0 and 1")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson(
    events: np.ndarray | float, total: np.ndarray | float, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``events`` out of ``total``; nan where ``total`` is 0 or nan."""
    k = np.asarray(events, dtype=np.float64)
    n = np.asarray(total, dtype=np.float64)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = (z / (1 + z * z / n)) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    invalid = ~(n > 0)
    low = np.where(invalid, np.nan, np.where(k == 0, 0.0, low))
    high = np.where(invalid, np.nan, np.where(k == n, 1.0, high))
    return low, high


def poisson_interval(events: int, confidence: float = 0.95) -> tuple[float, float]:
    """Interval for a Poisson count: exact below 10 events, Byar's method from 10."""
    if events < 0:
        raise ValueError("a count of events cannot be negative")
    if events >= BYAR_FROM:
        return byar(events, confidence)
    return exact_poisson(events, confidence)


def byar(events: int, confidence: float = 0.95) -> tuple[float, float]:
    """Byar's approximation to the exact Poisson interval (good from about 10 events)."""
    z = z_value(confidence)
    o = float(events)
    if o == 0:
        return 0.0, exact_poisson(0, confidence)[1]
    low = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    high = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return low, high


def exact_poisson(events: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Garwood) interval: the means at which ``events`` is just in each tail, from the
    chi-square quantiles they equal."""
    tail = (1.0 - confidence) / 2.0
    low = 0.0 if events == 0 else float(chi2.ppf(tail, 2 * events)) / 2.0
    high = float(chi2.ppf(1.0 - tail, 2 * events + 2)) / 2.0
    return low, high
