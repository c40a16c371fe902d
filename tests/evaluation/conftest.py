"""Panels for the evaluation tests: simulated the way the world draws outcomes, seeded."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bakehouse.evaluation.panel import Panel
from bakehouse.evaluation.simulate import Scenario, simulate_panel

SMALL = Scenario(units=40, treated=6)


def small_panel(effect: float = 0.0, seed: int = 1, scenario: Scenario = SMALL) -> Panel:
    return simulate_panel(replace(scenario, effect=effect), seed)


def write_csv(panel: Panel, path: Path) -> Path:
    """The panel as an analyst's CSV: unit, period, outcome, treatment, population."""
    frame = panel.frame.rename(columns={"treated": "treatment", "weight": "population"})
    frame.to_csv(path, index=False)
    return path
