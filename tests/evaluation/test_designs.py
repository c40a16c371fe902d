"""Each design recovers a large known effect on a seeded simulated panel, and finds none when
there is none."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bakehouse.errors import ConfigError
from bakehouse.evaluation import Panel, evaluate
from bakehouse.evaluation.simulate import Scenario, plan_for

from .conftest import SMALL, small_panel

EFFECT = -0.15
STAGGERED = replace(SMALL, treated=8, starts=(2020, 2022))
# Synthetic control: the treated areas as one series, placebo groups of as many areas.
SINGLE = SMALL


CASES = [("did", SMALL), ("staggered", STAGGERED), ("synthetic-control", SINGLE)]


@pytest.mark.parametrize(("design", "scenario"), CASES)
def test_a_large_effect_is_found_and_its_interval_holds_it(design: str, scenario: Scenario) -> None:
    panel = small_panel(EFFECT, seed=5, scenario=scenario)
    result = evaluate(panel, plan_for(panel, design), placebos=39)
    assert result.low <= EFFECT <= result.high
    assert result.p_value < 0.05
    assert result.verdict.startswith("an effect of -")
    assert result.design == design


@pytest.mark.parametrize(("design", "scenario"), CASES)
def test_no_effect_is_called_no_evidence_with_what_the_study_could_detect(
    design: str, scenario: Scenario
) -> None:
    panel = small_panel(0.0, seed=11, scenario=scenario)
    result = evaluate(panel, plan_for(panel, design), placebos=39)
    assert result.low <= 0 <= result.high
    assert result.verdict.startswith("no evidence of an effect")
    assert f"could detect effects of {result.mde * 100:.1f} percentage points" in result.verdict


def test_the_did_event_study_and_pre_trend_test_come_with_the_result() -> None:
    panel = small_panel(EFFECT, seed=6)
    result = evaluate(panel, plan_for(panel, "did"))
    times = [row["event_time"] for row in result.event_study]
    assert times == list(range(-7, 5))
    reference = next(row for row in result.event_study if row["event_time"] == -1)
    assert reference["estimate"] == 0.0
    assert result.pretrend_p is not None and 0 <= result.pretrend_p <= 1
    assert [row["period"] for row in result.trajectories] == panel.periods


def test_a_trend_before_the_start_earns_a_caveat() -> None:
    panel = small_panel(0.0, seed=7, scenario=replace(SMALL, population=(200, 300)))
    frame = panel.frame.copy()
    drift = frame["unit"].isin(panel.treated_units) * (frame["period"] - 2014) * 0.02
    frame["outcome"] = frame["outcome"] + drift
    drifting = Panel(frame, panel.source, panel.outcome_name, panel.weighted)
    result = evaluate(drifting, plan_for(drifting, "did"))
    assert result.pretrend_p is not None and result.pretrend_p < 0.1
    assert any("trends differed" in caveat for caveat in result.caveats)


def test_the_result_json_holds_estimates_and_no_populations() -> None:
    panel = small_panel(EFFECT, seed=8)
    data = json.loads(evaluate(panel, plan_for(panel, "did")).to_json())
    assert {"effect", "low", "high", "p_value", "design", "mde", "verdict", "caveats"} <= set(data)
    text = json.dumps(data)
    assert "population" not in text and "weight" not in text


def test_a_panel_whose_treatment_differs_from_the_plan_is_refused() -> None:
    panel = small_panel(EFFECT, seed=9)
    plan = plan_for(panel, "did")
    other = plan.model_copy(update={"treated_units": [*plan.treated_units[:-1], "A0039"]})
    with pytest.raises(ConfigError, match="differs from the plan"):
        evaluate(panel, other)


def test_did_with_staggered_starts_asks_for_the_staggered_design() -> None:
    panel = small_panel(EFFECT, seed=10, scenario=STAGGERED)
    with pytest.raises(ConfigError, match="needs one start"):
        evaluate(panel, plan_for(panel, "did"))


def test_too_few_placebos_to_reach_the_level_is_said() -> None:
    panel = small_panel(EFFECT, seed=12, scenario=replace(SMALL, units=12, treated=1))
    result = evaluate(panel, plan_for(panel, "synthetic-control"), placebos=39)
    assert result.placebos == 11
    assert result.p_value >= 1 / 12
    assert any("Only 11 placebos" in caveat for caveat in result.caveats)
