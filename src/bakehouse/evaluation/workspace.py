"""A partnership's own panel: observed outcome rates per LSOA and cohort from the workspace, and
the results kept there for publication (:func:`keep_result`).

The counts are the areas stage's (:func:`bakehouse.areas.counts.count_population` over the latest
model run's units with a known outcome), so an evaluation and the area estimates rest on the same
figures. The counts stay here: the panel carries rates and populations, and a
:class:`~bakehouse.evaluation.result.Result` carries neither counts nor populations, only
estimates and group means.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bakehouse.areas.counts import count_population, geography_of
from bakehouse.areas.predictions import read_predictions
from bakehouse.errors import ConfigError
from bakehouse.evaluation.panel import Columns, Panel, panel_from_frame
from bakehouse.evaluation.plan import EvaluationPlan
from bakehouse.evaluation.report import write_json, write_plots
from bakehouse.evaluation.result import Result
from bakehouse.geography import load_area
from bakehouse.recipes.loader import LoadedRecipe
from bakehouse.release.evaluations import (
    FILES,
    MIN_AREAS,
    disclosure_problems,
    evaluation_folder,
)
from bakehouse.release.preview import latest_model_run


@dataclass(frozen=True)
class WorkspacePanel:
    panel: Panel
    model_run: str
    units_left_out: int  # LSOAs with no unit of known outcome in some cohort


def panel_from_workspace(
    workspace: Path, loaded: LoadedRecipe, plan: EvaluationPlan, area: str = "basildon"
) -> WorkspacePanel:
    """LSOA by cohort outcome rates, populations as weights, treatment from ``plan``.

    Cohorts without results count nowhere (the areas stage's rule), so a plan starting in such a
    cohort is first seen in the next cohort with results. An LSOA with nobody of known outcome in
    some cohort has no rate there: it is left out (a balanced panel is needed) and counted."""
    run_id, folder = latest_model_run(workspace, loaded.recipe.id)
    geography = geography_of(load_area(area))
    predictions, _ = read_predictions(folder / "predictions.parquet").within(geography.codes)
    counts = count_population(predictions, geography)
    if not counts.observed_cohorts:
        raise ConfigError(
            "The latest model run has no unit with a known outcome",
            file=folder / "predictions.parquet",
            fix="Evaluate once outcomes of the cohorts after the start are in the workspace",
        )
    population = counts.observed_population
    complete = (population > 0).all(axis=1)
    codes = np.asarray(geography.codes, dtype=object)
    adoption = plan.adoption()
    gaps = [code for code in adoption if code in set(codes[~complete])]
    if gaps:
        raise ConfigError(
            f"Treated LSOA {gaps[0]} has nobody of known outcome in some cohort, so no rate",
            field="treated_units",
            fix="Leave it out of the plan's treated units, or evaluate a larger area grouping",
        )
    rows = []
    for i in np.flatnonzero(complete):
        start = adoption.get(str(codes[i]))
        for j, cohort in enumerate(counts.observed_cohorts):
            rows.append(
                {
                    "unit": str(codes[i]),
                    "period": cohort,
                    "outcome": counts.observed_events[i, j] / population[i, j],
                    "treated": int(start is not None and cohort >= start),
                    "weight": float(population[i, j]),
                }
            )
    frame = pd.DataFrame(rows)
    columns = Columns("unit", "period", "outcome", "treated", weight="weight")
    panel = panel_from_frame(frame, columns, source=f"{workspace} (model run {run_id[:16]})")
    return WorkspacePanel(panel, run_id, int((~complete).sum()))


def keep_result(workspace: Path, recipe_id: str, result: Result) -> Path:
    """Keep ``result`` for publication: its JSON, plots and tables in the workspace's folder for
    its plan (:mod:`bakehouse.release.evaluations`), which the recipe's next release carries.
    The folder is written beside and renamed into place, replacing an earlier evaluation of the
    same plan; a result over too few areas to publish is refused and nothing is kept."""
    problems = disclosure_problems(result.to_dict())
    if problems:
        raise ConfigError(
            f"This evaluation cannot be published: {'; '.join(problems)}",
            field="treated_units" if result.n_treated < MIN_AREAS else "comparison_pool",
            fix="Leave out --publish (the result is still written with --json), or evaluate a "
            f"plan with at least {MIN_AREAS} areas in each group",
        )
    target = evaluation_folder(workspace, recipe_id, result.plan_hash)
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    write_json(result, staging / FILES["result"][0])
    write_plots(result, staging)
    retired = target.with_name(f".{target.name}.replaced")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)
    return target
