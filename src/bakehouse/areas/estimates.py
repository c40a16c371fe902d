"""Rates and expected numbers from counts, with their intervals.

The functions take whatever counts they are given: exact ones inside the analysis environment,
or the disclosure-controlled ones for a release, where rates must come from the rounded
numerator and denominator. A missing count is ``nan`` and gives ``nan`` results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bakehouse.areas.intervals import wilson
from bakehouse.areas.need import interval


@dataclass(frozen=True)
class Rate:
    """A proportion with its interval; ``nan`` where it cannot be given."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class ExpectedNeed:
    """Expected numbers of events (1 decimal) and the same as a rate of the population."""

    number: np.ndarray
    low: np.ndarray
    high: np.ndarray
    rate: Rate


def observed_rate(events: np.ndarray, total: np.ndarray, confidence: float) -> Rate:
    """The share of ``total`` that are ``events``, with a Wilson interval."""
    events = np.asarray(events, dtype=np.float64)
    total = np.asarray(total, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(total > 0, events / total, np.nan)
    low, high = wilson(events, total, confidence)
    missing = np.isnan(value)
    return Rate(value, np.where(missing, np.nan, low), np.where(missing, np.nan, high))


def expected_need(
    expected: np.ndarray,
    simulated: np.ndarray,
    population: np.ndarray,
    confidence: float,
) -> ExpectedNeed:
    """Expected numbers (sum of probabilities) with intervals from the simulated counts (axis 0),
    and rates over ``population`` (which, in a release, are the rounded published figures).

    The rate is the published number over the published population (at most 1: a rounded-down
    denominator can be smaller than the top of the interval), so a reader can reproduce it;
    where ``population`` is missing or zero, nothing is given.
    """
    low, high = interval(simulated, confidence)
    number = np.round(np.asarray(expected, dtype=np.float64), 1)
    low = np.round(np.minimum(low, number), 1)
    high = np.round(np.maximum(high, number), 1)
    population = np.asarray(population, dtype=np.float64)
    known = population > 0
    number = np.where(known, number, np.nan)
    low = np.where(known, low, np.nan)
    high = np.where(known, high, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = Rate(
            np.where(known, np.minimum(1.0, number / population), np.nan),
            np.where(known, np.minimum(1.0, low / population), np.nan),
            np.where(known, np.minimum(1.0, high / population), np.nan),
        )
    return ExpectedNeed(number, low, high, rate)
