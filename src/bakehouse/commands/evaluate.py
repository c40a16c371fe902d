"""`bakehouse evaluate`: an intervention's effect from a panel of areas by periods, under a plan."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from bakehouse.errors import ConfigError
from bakehouse.evaluation.plan import EXPLORATORY, Design, EvaluationPlan, load_plan_file

if TYPE_CHECKING:
    from bakehouse.evaluation.panel import Panel

console = Console(stderr=True)


def evaluate(
    panel: Path | None = typer.Option(
        None,
        "--panel",
        exists=True,
        dir_okay=False,
        help="CSV or Parquet panel: one row per unit and period.",
    ),
    unit: str = typer.Option("unit", help="The panel's unit (area) column."),
    period: str = typer.Option("period", help="The panel's period column (whole numbers)."),
    outcome: str = typer.Option("outcome", help="The panel's outcome column."),
    treatment: str = typer.Option(
        "treatment",
        help="The panel's treatment column: 1 in a treated unit's rows from its first treated "
        "period on, 0 elsewhere.",
    ),
    weight: str | None = typer.Option(
        None, help="The panel's population column, if any: weights, and the ICC for power."
    ),
    design: Design | None = typer.Option(
        None, help="did, staggered or synthetic-control (the plan's, when a plan is given)."
    ),
    plan: Path | None = typer.Option(
        None, "--plan", exists=True, dir_okay=False, help="The frozen evaluation plan (YAML)."
    ),
    intervention: Path | None = typer.Option(
        None,
        "--intervention",
        exists=True,
        dir_okay=False,
        help="An intervention file (recipe, title, TIDieR, timeline, plan): its plan, as "
        "written and never frozen, evaluated with --exploratory.",
    ),
    exploratory: bool = typer.Option(
        False,
        "--exploratory",
        help="Run a plan that is not frozen, or changed since it was: the result says it is "
        "exploratory, not pre-registered.",
    ),
    workspace: Path | None = typer.Option(
        None,
        file_okay=False,
        help="Evaluate the workspace's own outcomes per LSOA and cohort (needs --plan).",
    ),
    recipe: str = typer.Option("school-readiness", help="The recipe whose outcome is evaluated."),
    area: str = typer.Option("basildon", help="The area of the workspace's LSOAs."),
    json_out: Path | None = typer.Option(None, "--json", help="Where to write the result as JSON."),
    publish: bool = typer.Option(
        False,
        "--publish",
        help="Keep the result, its plots and tables in the workspace (evaluations/<recipe>/"
        "<plan hash>/): the recipe's next release carries them (needs --workspace).",
    ),
    plots: Path | None = typer.Option(
        None, file_okay=False, help="Folder for the plots (SVG) and their tables (CSV)."
    ),
    placebos: int = typer.Option(
        99,
        min=39,
        help="Synthetic control: placebo fits (p can be no smaller than 1/(n+1)).",
    ),
) -> None:
    """Estimate an intervention's effect with its interval, p-value, minimum detectable effect,
    checks of trends before the start and of balance, and a verdict in plain words."""
    from bakehouse.evaluation import Columns, read_panel
    from bakehouse.evaluation import evaluate as run_evaluation
    from bakehouse.evaluation.report import write_json, write_plots

    if (panel is None) == (workspace is None):
        raise ConfigError(
            "Give either --panel FILE or --workspace WS", fix="One panel per evaluation"
        )
    if publish and workspace is None:
        raise ConfigError(
            "--publish keeps the result in a workspace: give --workspace WS",
            field="--publish",
            fix="A panel from a file is evaluated, not published",
        )
    if json_out is None and not publish:
        raise ConfigError("Give --json FILE, --publish, or both", field="--json")
    if plan is not None and intervention is not None:
        raise ConfigError("Give --plan or --intervention, not both", fix="One plan per evaluation")
    registration = EXPLORATORY
    planned: EvaluationPlan | None = None
    if plan is not None:
        plan_file = load_plan_file(plan)
        if not exploratory:
            plan_file.check_frozen()
        planned, registration = plan_file.plan, plan_file.registration()
    elif intervention is not None:
        planned = _intervention_plan(intervention, recipe, exploratory)
    if planned is not None and design is not None and design is not planned.design:
        raise ConfigError(
            f"--design {design.value} differs from the plan's design {planned.design.value}",
            file=plan,
            field="design",
            fix="The frozen plan decides the design: leave --design out",
        )
    if workspace is not None:
        from bakehouse.evaluation.workspace import panel_from_workspace
        from bakehouse.recipes import load_recipe

        if planned is None:
            raise ConfigError(
                "A workspace panel needs --plan or --intervention: the plan says which LSOAs "
                "were treated and when"
            )
        built = panel_from_workspace(workspace, load_recipe(recipe), planned, area)
        data = built.panel
        if built.units_left_out:
            console.print(
                f"{built.units_left_out} LSOAs had nobody of known outcome in some cohort: "
                "left out of the comparison"
            )
    else:
        assert panel is not None
        data = read_panel(panel, Columns(unit, period, outcome, treatment, weight))
    caveats: list[str] = []
    if planned is None:
        if design is None:
            raise ConfigError("Give --design (did, staggered or synthetic-control) or --plan")
        planned = _plan_from_panel(data, design)
        caveats.append(
            "No pre-registered plan: the treated units and starts were read from the panel."
        )
    elif registration == EXPLORATORY:
        caveats.append(
            "The plan was not frozen, or changed after it was: the design and the areas may "
            "have been chosen after seeing the outcomes."
        )
    if planned.design is Design.SYNTHETIC_CONTROL:
        with Progress(
            TextColumn("placebo fits"), BarColumn(), MofNCompleteColumn(), console=console
        ) as progress:
            task = progress.add_task("placebos", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            result = run_evaluation(data, planned, placebos=placebos, progress=advance)
    else:
        result = run_evaluation(data, planned)
    result = replace(result, caveats=caveats + result.caveats, registration=registration)
    if json_out is not None:
        write_json(result, json_out)
    console.print(f"[bold]{registration[0].upper()}{registration[1:]}.[/bold]", highlight=False)
    console.print(f"[bold]{result.verdict[0].upper()}{result.verdict[1:]}.[/bold]")
    console.print(
        f"{result.n_treated} treated and {result.n_comparison} comparison units, "
        f"{len(result.periods)} periods; {result.estimator}."
    )
    if result.pretrend_p is not None:
        console.print(
            f"Trends before the start: p = {result.pretrend_p:.3f} ({result.pretrend_test})."
        )
    for caveat in result.caveats:
        console.print(f"  - {caveat}", highlight=False)
    if plots is not None:
        write_plots(result, plots)
        console.print(f"Plots and their tables: {plots}")
    if json_out is not None:
        console.print(f"Result: {json_out} (plan {result.plan_hash[:12]})")
    if publish:
        from bakehouse.evaluation.workspace import keep_result

        assert workspace is not None
        kept = keep_result(workspace, recipe, result)
        console.print(
            f"Kept for publication in {kept} (plan {result.plan_hash[:12]}): the next release "
            f"of {recipe} carries it ({registration})."
        )


def _intervention_plan(path: Path, recipe: str, exploratory: bool) -> EvaluationPlan:
    """The plan of an intervention file, which is never frozen: only an exploratory evaluation
    may run it."""
    from bakehouse.evaluation.intervention import load_intervention

    described = load_intervention(path)
    if described.recipe != recipe:
        raise ConfigError(
            f"The intervention is of recipe {described.recipe}, not {recipe}",
            file=path,
            field="recipe",
            fix=f"Give --recipe {described.recipe}",
        )
    if not exploratory:
        raise ConfigError(
            "An intervention file holds its plan as written, never frozen: an evaluation of it "
            "would not be pre-registered",
            file=path,
            field="plan",
            fix="Evaluate the frozen plan file the web app serves (--plan), or give "
            "--exploratory to run this one as an exploratory analysis",
        )
    return described.plan


def _plan_from_panel(data: Panel, design: Design) -> EvaluationPlan:
    """The plan a panel implies: its treated units and their starts, read from its treatment."""
    adoption = data.adoption
    start = min(adoption.values())
    return EvaluationPlan(
        outcome=data.outcome_name,
        treated_units=sorted(adoption),
        start=start,
        starts={unit: s for unit, s in adoption.items() if s != start},
        design=design,
        hypotheses=f"The treatment changes {data.outcome_name}.",
    )
