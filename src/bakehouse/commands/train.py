"""`bakehouse train`: a recipe's model, validated over time, audited, explained and documented."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bakehouse.commands.options import RECIPE, WORKSPACE
from bakehouse.errors import ConfigError

console = Console(stderr=True)


def _as_at(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            "Not a date", field="--as-at", fix="Give the extract date as YYYY-MM-DD"
        ) from None


def _interval(values: list[float]) -> str:
    return f"({values[0]:.3f} to {values[1]:.3f})"


def train(
    recipe: str = RECIPE,
    workspace: Path = WORKSPACE,
    truth: Path | None = typer.Option(
        None,
        file_okay=False,
        help="A synthetic world's truth/ folder: measure the gap to the best achievable AUC.",
    ),
    as_at: str | None = typer.Option(
        None, help="The extract date (YYYY-MM-DD); default: the latest event date in the data."
    ),
    force: bool = typer.Option(False, help="Train again even if an identical run exists."),
    iod: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="The IoD 2019 folder (File 2 and File 6) for an area outside Essex (Essex's are "
        "shipped): the deprivation the model is compared with. Without real figures it is "
        "simulated and the model card says so.",
    ),
) -> None:
    """Build features as of each child's prediction date, fit and calibrate the candidate models
    on older cohorts, test on the latest ones, audit fairness, refit and score the cohorts to
    come, and write the model card and transparency record."""
    from bakehouse.ingest import RichReporter
    from bakehouse.modelling import TrainOptions
    from bakehouse.modelling import train as run_train
    from bakehouse.recipes import load_recipe

    options = TrainOptions(
        workspace=workspace,
        recipe=load_recipe(recipe, workspace),
        truth=truth,
        as_at=_as_at(as_at),
        force=force,
        iod_dir=iod,
    )
    with RichReporter(console) as reporter:
        result = run_train(options, reporter)
    record = result.record
    head = record["headline"]
    split = record["split"]
    console.print(
        f"Run {result.run_id[:16]} ({'reused' if result.reused else 'new'}): "
        f"{head['chosen']} chosen; trained on cohorts {split['development']}, tested on "
        f"{split['test']}, scored {split['future']}."
    )
    table = Table(title="Test cohorts (95% bootstrap intervals)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("AUC", f"{head['test_auc']:.4f} {_interval(head['test_auc_interval'])}")
    table.add_row("ECE", f"{head['test_ece']:.4f} {_interval(head['test_ece_interval'])}")
    if "test_ece_by_chance_interval" in head:
        table.add_row(
            "ECE of a perfectly calibrated model, by chance",
            f"{head['test_ece_by_chance']:.4f} {_interval(head['test_ece_by_chance_interval'])}",
        )
    table.add_row("Brier score", f"{head['test_brier']:.4f}")
    table.add_row("Average precision", f"{head['test_average_precision']:.4f}")
    for name, value in head.items():
        if name.startswith("test_precision_top_"):
            table.add_row(f"Precision, top {name.rsplit('_', 1)[1]}%", f"{value:.3f}")
    for kind, value in head["candidates_test_auc"].items():
        table.add_row(f"AUC, {kind}", f"{value:.4f}")
    if "best_achievable_auc" in head:
        table.add_row("Best achievable AUC (truth)", f"{head['best_achievable_auc']:.4f}")
        table.add_row("Gap to best", f"{head['gap_to_best']:.4f}")
        table.add_row("AUC with hindsight (truth)", f"{head['hindsight_auc']:.4f}")
        table.add_row("ECE of true probabilities", f"{head['ece_of_true_probabilities']:.4f}")
    if "best_baseline" in head:
        difference = head["auc_minus_best_baseline"]
        table.add_row(
            f"AUC minus the best baseline ({head['best_baseline'].replace('_', ' ')})",
            f"{difference['value']:.4f} {_interval([difference['low'], difference['high']])}",
        )
    table.add_row("Fairness flags", str(head["fairness_flags"]))
    console.print(table)
    console.print(f"Artefacts: {result.folder}")
