"""Panels with a known effect, drawn the way the synthetic world draws outcomes, to check that an
evaluation recovers what was injected and that its power is what it claims.

Each area has a population per period (children in a cohort: tens, as LSOAs have), a lasting
level (normal on the logit scale), a common trend, a small shock per area and period, and a
binomial outcome; ``effect`` is added to the treated areas' probability from their start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from bakehouse.evaluation.panel import Columns, Panel, panel_from_frame
from bakehouse.evaluation.plan import Design, EvaluationPlan


@dataclass(frozen=True)
class Scenario:
    units: int = 110
    treated: int = 12
    periods: tuple[int, ...] = tuple(range(2014, 2026))
    start: int = 2021
    # Staggered: treated areas start in one of these periods (round robin); empty: all at start.
    starts: tuple[int, ...] = ()
    effect: float = 0.0
    base_rate: float = 0.3
    trend: float = -0.01  # per period, on the probability scale
    area_sd: float = 0.35  # lasting area level, logit scale
    shock_sd: float = 0.1  # area-period shock, logit scale
    population: tuple[int, int] = (15, 35)  # per area and period, uniform


@dataclass(frozen=True)
class Simulated:
    """A panel and the effect its treated areas really received: the mean, over treated area
    periods, of the probability with the effect less the probability without. It falls short of
    ``scenario.effect`` where a probability meets its bound (an area already near 0)."""

    panel: Panel
    effect: float


def simulate_panel(scenario: Scenario, seed: int) -> Panel:
    """One panel of ``scenario``; the treated areas are the first ``treated`` units."""
    return simulated(scenario, seed).panel


def simulated(scenario: Scenario, seed: int) -> Simulated:
    """One panel of ``scenario`` with the effect its treated areas received."""
    rng = np.random.default_rng(seed)
    periods = np.asarray(scenario.periods)
    shape = (scenario.units, len(periods))
    level = rng.normal(logit(scenario.base_rate), scenario.area_sd, scenario.units)
    size = rng.integers(scenario.population[0], scenario.population[1] + 1, scenario.units)
    population = np.maximum(
        1, np.round(size[:, None] * rng.uniform(0.85, 1.15, shape)).astype(np.int64)
    )
    trend = scenario.trend * (periods - periods[0])
    p = expit(level[:, None] + rng.normal(0, scenario.shock_sd, shape)) + trend[None, :]
    starts = np.full(scenario.units, np.iinfo(np.int64).max)
    for i in range(scenario.treated):
        choices = scenario.starts or (scenario.start,)
        starts[i] = choices[i % len(choices)]
    treated = periods[None, :] >= starts[:, None]
    untreated = np.clip(p, 0.001, 0.999)
    p = np.clip(p + scenario.effect * treated, 0.001, 0.999)
    received = float((p - untreated)[treated].mean()) if treated.any() else 0.0
    events = rng.binomial(population, p)
    frame = pd.DataFrame(
        {
            "unit": np.repeat([f"A{i:04d}" for i in range(scenario.units)], len(periods)),
            "period": np.tile(periods, scenario.units),
            "outcome": (events / population).ravel(),
            "treatment": treated.astype(np.int64).ravel(),
            "population": population.ravel().astype(float),
        }
    )
    columns = Columns("unit", "period", "outcome", "treatment", weight="population")
    return Simulated(
        panel_from_frame(frame, columns, source=f"simulated panel (seed {seed})"), received
    )


def plan_for(panel: Panel, design: str) -> EvaluationPlan:
    """The plan a simulated panel implies: its treated units, each from its own start."""
    adoption = panel.adoption
    start = min(adoption.values())
    return EvaluationPlan(
        outcome="the share not ready for school",
        treated_units=sorted(adoption),
        start=start,
        starts={unit: s for unit, s in adoption.items() if s != start},
        design=Design(design),
        hypotheses="The programme lowers the share of children not ready for school.",
    )
