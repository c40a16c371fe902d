"""Intervals against published values (Wilson 1927; Garwood 1936 exact Poisson tables)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bakehouse.areas.intervals import byar, exact_poisson, poisson_interval, wilson


@pytest.mark.parametrize(
    ("events", "total", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (1, 100, 0.0018, 0.0545),
        (30, 100, 0.2189, 0.3958),
    ],
)
def test_wilson_interval_matches_published_values(
    events: int, total: int, low: float, high: float
) -> None:
    found_low, found_high = wilson(events, total)
    assert float(found_low) == pytest.approx(low, abs=1e-4)
    assert float(found_high) == pytest.approx(high, abs=1e-4)


def test_wilson_gives_nothing_for_an_empty_denominator() -> None:
    low, high = wilson(np.array([0.0, 3.0]), np.array([0.0, np.nan]))
    assert np.isnan(low).all() and np.isnan(high).all()


@pytest.mark.parametrize(
    ("events", "low", "high"),
    [(0, 0.0, 3.689), (1, 0.0253, 5.572), (5, 1.6235, 11.668), (9, 4.1154, 17.085)],
)
def test_exact_poisson_interval_matches_garwood_table(events: int, low: float, high: float) -> None:
    found = exact_poisson(events)
    assert found == pytest.approx((low, high), abs=1e-3)


def test_byar_is_used_from_ten_events_and_agrees_with_the_exact_interval() -> None:
    for events in (10, 20, 50, 200):
        approximate = poisson_interval(events)
        assert approximate == byar(events)
        exact = exact_poisson(events)
        assert approximate == pytest.approx(exact, rel=0.01)
    assert poisson_interval(9) == exact_poisson(9)


def test_a_wider_confidence_gives_a_wider_interval() -> None:
    narrow = wilson(12, 40, 0.95)
    wide = wilson(12, 40, 0.998)
    assert wide[0] < narrow[0] and wide[1] > narrow[1]
    assert not math.isnan(float(wide[0]))
