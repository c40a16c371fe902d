"""Staggered adoption: diff-diff's Callaway-Sant'Anna with each start's variance taken from its
own few areas, and an interval on the starts' degrees of freedom."""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from diff_diff import CallawaySantAnna
from scipy import stats
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.evaluation import evaluate
from bakehouse.evaluation.estimators import (
    callaway_santanna,
    staggered_frame,
    start_areas,
    start_weights,
    welch_freedom,
)
from bakehouse.evaluation.simulate import Scenario, plan_for, simulated

from .conftest import SMALL, small_panel, write_csv

# Three starts of two, two and one areas: the last start is a single area.
UNEVEN = replace(SMALL, treated=5, starts=(2019, 2021, 2023))
BASILDON = replace(Scenario(), starts=(2019, 2021, 2023))  # 12 treated areas, 4 per start


def test_three_equal_starts_of_four_areas_give_nine_degrees_of_freedom() -> None:
    assert welch_freedom(np.array([0.01, 0.01, 0.01]), np.array([4.0, 4.0, 4.0])) == (
        pytest.approx(9.0)
    )


def test_a_start_carrying_the_variance_gives_about_its_own_areas_less_one() -> None:
    freedom = welch_freedom(np.array([0.05, 0.001, 0.001]), np.array([4.0, 30.0, 30.0]))
    assert 3.0 <= freedom < 3.1


def test_the_start_weights_rebuild_the_overall_effect_diff_diff_reports() -> None:
    panel = small_panel(-0.1, seed=3, scenario=replace(SMALL, treated=7, starts=(2019, 2021, 2023)))
    frame = staggered_frame(panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = CallawaySantAnna(control_group="never_treated", estimation_method="reg").fit(
            frame, outcome="outcome", unit="unit", time="period", first_treat="first_treat"
        )
        starts = fitted.aggregate("group").to_dataframe()
    first = starts["label"].astype(int).to_numpy()
    areas = start_areas(frame, first)
    assert areas.tolist() == [3.0, 2.0, 2.0]
    weight = start_weights(areas, first, len(panel.periods))
    assert float(weight @ starts["att"].to_numpy(dtype=float)) == pytest.approx(
        float(fitted.overall_att), abs=1e-12
    )


def test_the_interval_is_t_on_the_starts_degrees_of_freedom_not_the_normal() -> None:
    drawn = simulated(replace(BASILDON, effect=-0.08), 1000)
    found = callaway_santanna(drawn.panel, 0.05)
    freedom = float(found.estimator.split("t on ")[1].split(" degrees")[0])
    assert 2.0 < freedom < 11.0  # fewer than the 11 of treated areas - 1: the starts are uneven
    half = (found.high - found.low) / 2
    se = half / stats.t.ppf(0.975, freedom)
    # The degrees of freedom are read as printed (one decimal), hence the tolerance.
    assert found.p_value == pytest.approx(2 * stats.t.sf(abs(found.effect) / se, freedom), rel=0.01)
    assert half > stats.norm.ppf(0.975) * se


def test_a_start_of_a_single_area_still_gives_an_interval_and_a_caveat() -> None:
    panel = small_panel(-0.15, seed=4, scenario=UNEVEN)
    result = evaluate(panel, plan_for(panel, "staggered"))
    assert np.isfinite(result.low) and np.isfinite(result.high)
    assert result.low < result.effect < result.high
    assert any("A single treated unit starts in 2023" in caveat for caveat in result.caveats)


def test_starts_of_several_areas_earn_no_single_unit_caveat() -> None:
    panel = small_panel(-0.15, seed=4, scenario=replace(UNEVEN, treated=6))
    result = evaluate(panel, plan_for(panel, "staggered"))
    assert not any("A single treated unit" in caveat for caveat in result.caveats)


@pytest.mark.slow
def test_intervals_hold_the_injected_effect_in_about_95_of_200_panels() -> None:
    """The issue's standard: over 200 Basildon-like panels (the bench's seeds), coverage between
    0.90 and 0.98, bias under a tenth of the effect, and false alarms at most 0.06."""
    covered, errors, alarms = 0, [], 0
    for seed in range(200):
        drawn = simulated(replace(BASILDON, effect=-0.08), 1000 + seed)
        found = callaway_santanna(drawn.panel, 0.05)
        covered += found.low <= drawn.effect <= found.high
        errors.append(found.effect - drawn.effect)
        null = simulated(replace(BASILDON, effect=0.0), 5000 + seed).panel
        alarms += callaway_santanna(null, 0.05).p_value < 0.05
    assert 0.90 <= covered / 200 <= 0.98
    assert abs(float(np.mean(errors))) < 0.008
    assert alarms / 200 <= 0.06


def test_the_command_writes_a_staggered_result_with_the_did_result_s_fields(
    tmp_path: Path,
) -> None:
    def run(design: str, scenario: Scenario) -> dict[str, object]:
        panel = write_csv(small_panel(-0.15, seed=5, scenario=scenario), tmp_path / "panel.csv")
        out = tmp_path / f"{design}.json"
        arguments = ["evaluate", "--panel", str(panel), "--unit", "unit", "--period", "period"]
        arguments += ["--outcome", "outcome", "--treatment", "treatment", "--design", design]
        result = CliRunner().invoke(app, [*arguments, "--json", str(out)])
        assert result.exit_code == 0, result.output
        data: dict[str, object] = json.loads(out.read_text())
        return data

    staggered = run("staggered", replace(SMALL, treated=8, starts=(2020, 2022)))
    assert set(staggered) == set(run("did", SMALL))
    assert staggered["design"] == "staggered"
    assert "degrees of freedom" in str(staggered["estimator"])
    assert staggered["event_study"]
