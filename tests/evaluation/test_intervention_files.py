"""The demo's interventions: the analyst's files load with the library's loader and carry no
effect size, and the world's truth places the same interventions in the same areas from the
plans' starts, with enough cohorts of results before and after."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bakehouse.errors import ConfigError
from bakehouse.evaluation.intervention import load_intervention
from bakehouse.evaluation.plan import EvaluationPlan, plan_hash
from bakehouse.geography import load_area
from bakehouse.recipes import load_recipe
from bakehouse.world.childhood import CENSUS_FROM, NO_EYFSP_COHORTS
from bakehouse.world.config import load_interventions

DEMO = Path(__file__).parents[2] / "demo" / "interventions"
WORLD = DEMO / "world.yaml"
ANALYST_FILES = sorted(path for path in DEMO.glob("*.yaml") if path != WORLD)
LAST_RESULTS = 2025  # the demo world's extracts are as at 2025-09-30


def keys(data: object) -> list[str]:
    if isinstance(data, dict):
        return [str(k) for k in data] + [k for v in data.values() for k in keys(v)]
    if isinstance(data, list):
        return [k for item in data for k in keys(item)]
    return []


def test_the_demo_has_one_intervention_with_an_effect_and_one_without() -> None:
    truth = load_interventions(WORLD)
    assert sorted(plan.effect for plan in truth) == [0.0, 0.1]
    assert len(ANALYST_FILES) == len(truth)


@pytest.mark.parametrize("path", ANALYST_FILES, ids=lambda path: path.stem)
def test_each_analyst_file_loads_and_its_plan_hashes_as_the_web_app_computes_it(
    path: Path,
) -> None:
    described = load_intervention(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert plan_hash(described.plan) == plan_hash(EvaluationPlan.model_validate(raw["plan"]))
    assert set(raw["plan"]) == set(EvaluationPlan.model_fields)
    assert load_recipe(described.recipe).recipe.id == described.recipe
    assert set(described.plan.treated_units) <= set(load_area("basildon").lsoa_codes)
    assert not any("effect" in key for key in keys(raw))  # the analyst does not know the truth


@pytest.mark.parametrize("path", ANALYST_FILES, ids=lambda path: path.stem)
def test_the_truth_matches_each_plan_with_two_cohorts_of_results_either_side(path: Path) -> None:
    plan = load_intervention(path).plan
    [truth] = [t for t in load_interventions(WORLD) if set(t.areas) == set(plan.treated_units)]
    assert truth.from_cohort == plan.start
    results = [c for c in range(CENSUS_FROM, LAST_RESULTS + 1) if c not in NO_EYFSP_COHORTS]
    assert len([c for c in results if c < plan.start]) >= 2
    after = [c for c in results if c >= plan.start]
    assert len(after) >= 2
    assert load_intervention(path).post_periods == len(after)


def test_an_intervention_file_with_an_unknown_field_and_a_bad_state_names_both(
    tmp_path: Path,
) -> None:
    raw = yaml.safe_load(ANALYST_FILES[0].read_text(encoding="utf-8"))
    raw["effect"] = -0.1
    raw["updates"][0]["state"] = "rumoured"
    path = tmp_path / "intervention.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_intervention(path)
    assert "effect: Extra inputs are not permitted" in refused.value.what
    assert "updates.0.state" in refused.value.what
