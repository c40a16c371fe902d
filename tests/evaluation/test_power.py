"""The minimum detectable effect a plan freezes is that of its own design, and it is what a
simulation finds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bakehouse.evaluation import evaluate
from bakehouse.evaluation.estimators import estimate, twfe
from bakehouse.evaluation.panel import Columns, Panel, panel_from_frame
from bakehouse.evaluation.plan import Design
from bakehouse.evaluation.power import PowerAnalysis, minimum_detectable_effect
from bakehouse.evaluation.simulate import Scenario, plan_for, simulate_panel

BASILDON = Scenario(trend=0.0)
STAGGERED = replace(BASILDON, starts=(2019, 2021, 2023))
# Fewer areas than the bench's keep the staggered and synthetic control fits quick (about 1 s
# and 0.3 s of processor time a panel), so the slow power tests stay within their timeout.
SCENARIOS = {
    Design.DID: BASILDON,
    Design.STAGGERED: replace(STAGGERED, units=40),
    Design.SYNTHETIC_CONTROL: replace(BASILDON, units=30, treated=4),
}
PLACEBOS = 39  # the bench's: a p-value of 1/40 reaches 0.05 only above every placebo


def _analysis(
    panel: Panel, design: Design, adoption: dict[str, int] | None = None
) -> PowerAnalysis:
    adoption = adoption if adoption is not None else panel.adoption
    return minimum_detectable_effect(
        panel, adoption, panel.comparison_units, design=design, placebos=PLACEBOS
    )


def test_the_mde_grows_as_the_treated_areas_get_fewer() -> None:
    panel = simulate_panel(BASILDON, 1)
    adoption = {unit: 2021 for unit in panel.treated_units}
    many = minimum_detectable_effect(panel, adoption, panel.comparison_units)
    few = minimum_detectable_effect(panel, dict(list(adoption.items())[:3]), panel.comparison_units)
    assert few.mde is not None and many.mde is not None
    assert few.mde > 1.5 * many.mde
    assert many.icc is not None and 0 <= many.icc < 0.05


@pytest.mark.parametrize("design", list(Design))
def test_every_design_needs_a_larger_effect_from_fewer_treated_areas(design: Design) -> None:
    panel = simulate_panel(SCENARIOS[design], 1)
    # Every other treated area, so a staggered plan keeps areas in each of its starts.
    half = dict(sorted(panel.adoption.items())[::2])
    many = _analysis(panel, design)
    few = _analysis(panel, design, half)
    assert many.mde is not None and few.mde is not None
    assert few.mde > 1.2 * many.mde


@pytest.mark.parametrize("design", list(Design))
def test_every_design_s_power_rises_with_the_effect_and_is_eighty_percent_at_its_mde(
    design: Design,
) -> None:
    analysis = _analysis(simulate_panel(SCENARIOS[design], 1), design)
    assert analysis.mde is not None
    powers = [analysis.power_at(-analysis.mde * share) for share in (0.0, 0.5, 1.0, 1.5)]
    assert powers == sorted(powers) and powers[-1] > 0.9
    assert powers[0] <= analysis.alpha + 1e-9
    assert powers[2] == pytest.approx(0.8, abs=0.005)


def test_a_staggered_plan_needs_a_larger_effect_than_a_difference_in_differences() -> None:
    # Callaway-Sant'Anna compares each start with the one period before it, not all of them.
    panel = simulate_panel(STAGGERED, 1)
    did = minimum_detectable_effect(panel, panel.adoption, panel.comparison_units)
    staggered = _analysis(panel, Design.STAGGERED)
    assert did.mde is not None and staggered.mde is not None
    assert staggered.mde > 1.5 * did.mde
    assert staggered.freedom is not None and staggered.freedom < 12  # few areas per start


def test_a_synthetic_control_with_too_few_placebos_can_detect_no_effect() -> None:
    panel = simulate_panel(replace(BASILDON, units=16, treated=1), 4)
    analysis = _analysis(panel, Design.SYNTHETIC_CONTROL)
    assert analysis.mde is None and analysis.power_at(-1.0) == 0.0
    assert analysis.reason is not None and "smallest p-value possible is 0.062" in analysis.reason


def test_the_result_of_a_small_synthetic_control_says_no_effect_was_detectable() -> None:
    panel = simulate_panel(replace(BASILDON, units=16, treated=1, effect=-0.05), 4)
    result = evaluate(panel, plan_for(panel, "synthetic-control"), placebos=PLACEBOS)
    assert result.mde is None
    assert "the study could detect no effect, with 15 placebos" in result.verdict
    assert '"mde": null' in result.to_json()


@pytest.mark.parametrize("design", [Design.STAGGERED, Design.SYNTHETIC_CONTROL])
def test_the_result_states_its_own_design_s_mde(design: Design) -> None:
    panel = simulate_panel(SCENARIOS[design], 5)
    result = evaluate(panel, plan_for(panel, design.value), placebos=PLACEBOS)
    assert result.mde == pytest.approx(_analysis(panel, design).mde)
    assert not any("difference-in-differences on the same" in note for note in result.caveats)


def test_clustered_areas_raise_the_icc_and_the_mde() -> None:
    calm = simulate_panel(BASILDON, 2)
    shaken = simulate_panel(replace(BASILDON, shock_sd=0.5), 2)
    adoption = {unit: 2021 for unit in calm.treated_units}
    quiet = minimum_detectable_effect(calm, adoption, calm.comparison_units)
    loud = minimum_detectable_effect(shaken, adoption, shaken.comparison_units)
    assert loud.icc is not None and quiet.icc is not None and loud.icc > quiet.icc
    assert loud.mde is not None and quiet.mde is not None and loud.mde > quiet.mde


@pytest.mark.slow
def test_simulated_power_at_the_mde_is_the_claimed_eighty_percent() -> None:
    first = simulate_panel(BASILDON, 1)
    adoption = {unit: 2021 for unit in first.treated_units}
    mde = minimum_detectable_effect(first, adoption, first.comparison_units).mde
    assert mde is not None
    detected = [
        twfe(simulate_panel(replace(BASILDON, effect=-mde), 300 + seed), 2021, 0.05).p_value < 0.05
        for seed in range(150)
    ]
    assert abs(float(np.mean(detected)) - 0.8) < 0.1


@pytest.mark.slow
@pytest.mark.parametrize("design", [Design.STAGGERED, Design.SYNTHETIC_CONTROL])
def test_each_design_s_simulated_power_at_its_mde_is_near_the_claimed(design: Design) -> None:
    scenario = SCENARIOS[design]
    first = simulate_panel(scenario, 1)
    analysis = _analysis(first, design)
    assert analysis.mde is not None
    start = min(first.adoption.values())
    detected = [
        estimate(
            simulate_panel(replace(scenario, effect=-analysis.mde), 300 + seed),
            design,
            start,
            0.05,
            placebos=PLACEBOS,
        ).p_value
        < 0.05
        for seed in range(100)
    ]
    assert abs(float(np.mean(detected)) - analysis.power_at(analysis.mde)) < 0.12


def test_the_mde_is_computed_before_any_outcome_after_the_start() -> None:
    full = simulate_panel(BASILDON, 3)
    adoption = {unit: 2021 for unit in full.treated_units}
    past = full.frame[full.frame["period"] < 2021].rename(
        columns={"treated": "treatment", "weight": "population"}
    )
    columns = Columns("unit", "period", "outcome", "treatment", weight="population")
    planned = panel_from_frame(past, columns, planning=True)
    before = minimum_detectable_effect(planned, adoption, full.comparison_units, post_periods=5)
    after = minimum_detectable_effect(full, adoption, full.comparison_units)
    assert before.mde == pytest.approx(after.mde)
    assert before.post_periods == 5


@pytest.mark.parametrize("design", [Design.STAGGERED, Design.SYNTHETIC_CONTROL])
def test_each_design_s_mde_is_the_same_before_the_start_as_after(design: Design) -> None:
    full = simulate_panel(SCENARIOS[design], 3)
    earliest = min(full.adoption.values())
    past = full.frame[full.frame["period"] < earliest].rename(
        columns={"treated": "treatment", "weight": "population"}
    )
    columns = Columns("unit", "period", "outcome", "treatment", weight="population")
    planned = panel_from_frame(past, columns, planning=True)
    after = sum(1 for period in full.periods if period >= earliest)
    before = minimum_detectable_effect(
        planned,
        full.adoption,
        full.comparison_units,
        design=design,
        post_periods=after,
        placebos=PLACEBOS,
    )
    assert before.mde == pytest.approx(_analysis(full, design).mde)
