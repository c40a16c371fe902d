"""The minimum detectable effect a plan freezes is what a simulation finds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bakehouse.evaluation.estimators import twfe
from bakehouse.evaluation.panel import Columns, panel_from_frame
from bakehouse.evaluation.power import minimum_detectable_effect
from bakehouse.evaluation.simulate import Scenario, simulate_panel

BASILDON = Scenario(trend=0.0)


def test_the_mde_grows_as_the_treated_areas_get_fewer() -> None:
    panel = simulate_panel(BASILDON, 1)
    adoption = {unit: 2021 for unit in panel.treated_units}
    many = minimum_detectable_effect(panel, adoption, panel.comparison_units)
    few = minimum_detectable_effect(panel, dict(list(adoption.items())[:3]), panel.comparison_units)
    assert few.mde > 1.5 * many.mde
    assert many.icc is not None and 0 <= many.icc < 0.05


def test_clustered_areas_raise_the_icc_and_the_mde() -> None:
    calm = simulate_panel(BASILDON, 2)
    shaken = simulate_panel(replace(BASILDON, shock_sd=0.5), 2)
    adoption = {unit: 2021 for unit in calm.treated_units}
    quiet = minimum_detectable_effect(calm, adoption, calm.comparison_units)
    loud = minimum_detectable_effect(shaken, adoption, shaken.comparison_units)
    assert loud.icc is not None and quiet.icc is not None and loud.icc > quiet.icc
    assert loud.mde > quiet.mde


@pytest.mark.slow
def test_simulated_power_at_the_mde_is_the_claimed_eighty_percent() -> None:
    first = simulate_panel(BASILDON, 1)
    adoption = {unit: 2021 for unit in first.treated_units}
    mde = minimum_detectable_effect(first, adoption, first.comparison_units).mde
    detected = [
        twfe(simulate_panel(replace(BASILDON, effect=-mde), 300 + seed), 2021, 0.05).p_value < 0.05
        for seed in range(150)
    ]
    assert abs(float(np.mean(detected)) - 0.8) < 0.1


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
