"""A partnership's own panel: observed rates per LSOA and cohort, from the areas' counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bakehouse.areas.counts import count_population, geography_of
from bakehouse.areas.predictions import read_predictions
from bakehouse.cli import app
from bakehouse.custody.workspace import LATEST, MODELS
from bakehouse.errors import ConfigError
from bakehouse.evaluation import Design, EvaluationPlan, evaluate
from bakehouse.evaluation.intervention import load_intervention
from bakehouse.evaluation.plan import plan_hash
from bakehouse.evaluation.workspace import panel_from_workspace
from bakehouse.geography import load_area
from bakehouse.recipes import load_recipe
from bakehouse.release.evaluations import kept_evaluations

RECIPE = load_recipe("school-readiness")
CODES = load_area("basildon").lsoa_codes
RUN = "0123456789abcdef0123"
OBSERVED = [2017, 2018, 2019, 2022, 2023, 2024, 2025]  # 2020 and 2021: no results


def predictions(children_per_cell: float, seed: int) -> pa.Table:
    """A model run's predictions: children per LSOA and observed cohort, each with an outcome."""
    rng = np.random.default_rng(seed)
    lsoa, cohort, p, observed = [], [], [], []
    for code in CODES:
        level = rng.normal(-0.7, 0.5)
        for year in OBSERVED:
            n = int(rng.poisson(children_per_cell)) + 1
            probs = 1 / (1 + np.exp(-(level + rng.normal(0, 0.8, n))))
            lsoa += [code] * n
            cohort += [year] * n
            p += probs.tolist()
            observed += (rng.random(n) < probs).tolist()
    return pa.table(
        {
            "lsoa11cd": pa.array(lsoa, pa.string()),
            "cohort": pa.array(cohort, pa.int32()),
            "p_outcome": pa.array(p, pa.float64()),
            "observed_outcome": pa.array(observed, pa.bool_()),
        }
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / MODELS / RECIPE.recipe.id / RUN[:16]
    folder.mkdir(parents=True)
    pq.write_table(predictions(30, seed=2), folder / "predictions.parquet")
    pointer = {"run_id": RUN, "folder": str(folder.relative_to(tmp_path))}
    (tmp_path / MODELS / RECIPE.recipe.id / LATEST).write_text(json.dumps(pointer))
    return tmp_path


def plan(start: int, treated: list[str]) -> EvaluationPlan:
    return EvaluationPlan(
        outcome="children not reaching a good level of development",
        treated_units=treated,
        start=start,
        design=Design.DID,
        hypotheses="Family hubs lower the share not reaching a good level of development.",
    )


def test_the_panel_holds_the_areas_observed_rates_and_populations(workspace: Path) -> None:
    start = OBSERVED[-2]
    built = panel_from_workspace(workspace, RECIPE, plan(start, CODES[:10]))
    counts = count_population(
        read_predictions(next(workspace.rglob("predictions.parquet"))),
        geography_of(load_area("basildon")),
    )
    frame = built.panel.frame
    row = frame[(frame["unit"] == CODES[0]) & (frame["period"] == OBSERVED[0])].iloc[0]
    assert row["weight"] == counts.observed_population[0, 0]
    assert row["outcome"] == pytest.approx(
        counts.observed_events[0, 0] / counts.observed_population[0, 0]
    )
    assert built.panel.periods == counts.observed_cohorts
    assert built.panel.adoption == {code: start for code in CODES[:10]}
    assert built.units_left_out == 0


def test_an_evaluation_of_the_workspace_carries_rates_not_counts(workspace: Path) -> None:
    frozen = plan(OBSERVED[-2], CODES[:10])
    built = panel_from_workspace(workspace, RECIPE, frozen)
    values = json.loads(evaluate(built.panel, frozen).to_json())
    assert values["verdict"].startswith("no evidence of an effect")
    keys = set(values) | {key for row in values["trajectories"] for key in row}
    assert not {key for key in keys if "population" in key or "count" in key or "events" in key}
    for row in values["trajectories"]:
        assert 0 <= row["treated"] <= 1 and 0 <= row["comparison"] <= 1
    assert set(values["balance"]) == {
        "treated_pre_mean",
        "comparison_pre_mean",
        "difference",
        "standardised_difference",
    }


def test_a_workspace_without_a_model_run_says_to_train(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No model run"):
        panel_from_workspace(tmp_path, RECIPE, plan(2023, CODES[:2]))


DEMO = Path(__file__).parents[2] / "demo" / "interventions"


def test_a_demo_intervention_is_evaluated_and_kept_for_the_recipe_s_next_release(
    workspace: Path,
) -> None:
    intervention = DEMO / "talk-and-play-at-home.yaml"
    arguments = ["evaluate", "--workspace", str(workspace), "--intervention", str(intervention)]
    done = CliRunner().invoke(app, [*arguments, "--exploratory", "--publish"])

    assert done.exit_code == 0, done.output
    [kept] = kept_evaluations(workspace, RECIPE.recipe.id)
    assert kept.plan_hash == plan_hash(load_intervention(intervention).plan)
    assert kept.registration == "exploratory: not pre-registered"
    result = json.loads(kept.path("result").read_text())
    assert result["n_treated"] == 8
    assert any("not frozen" in caveat for caveat in result["caveats"])


def test_an_intervention_file_is_not_evaluated_as_pre_registered(workspace: Path) -> None:
    intervention = DEMO / "library-story-sessions.yaml"
    arguments = ["evaluate", "--workspace", str(workspace), "--intervention", str(intervention)]
    done = CliRunner().invoke(app, [*arguments, "--publish"])

    assert done.exit_code != 0
    assert "never frozen" in " ".join(done.output.split())
    assert not (workspace / "evaluations").exists()


def test_publishing_needs_a_workspace(tmp_path: Path) -> None:

    panel = tmp_path / "panel.csv"
    panel.write_text("unit,period,outcome,treatment\n")
    done = CliRunner().invoke(app, ["evaluate", "--panel", str(panel), "--publish"])

    assert done.exit_code != 0
    assert "give --workspace WS" in " ".join(done.output.split())
