"""Benchmarks (district and county figures) and the comparison of an area with one.

As public health profiles do: an area is ``higher`` than its benchmark when the whole of its
interval lies above the benchmark's value, ``lower`` when the whole of it lies below, and
``similar`` otherwise. Here higher means more need: more events expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Comparison(StrEnum):
    HIGHER = "higher"
    SIMILAR = "similar"
    LOWER = "lower"


@dataclass(frozen=True)
class Benchmark:
    """One published benchmark figure (a district's or the county's)."""

    level: str  # district, county
    code: str
    name: str
    measure: str  # observed_rate, expected_rate
    value: float
    low: float
    high: float
    denominator: float  # the population (published, rounded), nan when withheld


def compare(low: np.ndarray, high: np.ndarray, benchmark: np.ndarray) -> list[str | None]:
    """Each area's interval against its benchmark value; None where either is missing."""
    result: list[str | None] = []
    for lo, hi, value in zip(low, high, benchmark, strict=True):
        if np.isnan(lo) or np.isnan(hi) or np.isnan(value):
            result.append(None)
        elif lo > value:
            result.append(Comparison.HIGHER.value)
        elif hi < value:
            result.append(Comparison.LOWER.value)
        else:
            result.append(Comparison.SIMILAR.value)
    return result
