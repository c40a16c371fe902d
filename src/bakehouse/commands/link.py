"""`bakehouse link`: person and household ids from the custodian zone, with a quality report;
`bakehouse link review ...`: the custodian's clerical review of the model's pairs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bakehouse.commands.options import WORKSPACE

console = Console(stderr=True)


def link(
    ctx: typer.Context,
    workspace: Path = WORKSPACE,
    settings: Path | None = typer.Option(
        None,
        dir_okay=False,
        help="Linkage settings YAML, or a recipe with a `linkage:` section (default: shipped).",
    ),
    threshold: float | None = typer.Option(
        None,
        min=0.0,
        max=1.0,
        help="Match probability that joins two records (overrides the settings).",
    ),
    backend: str | None = typer.Option(
        None, help="Where Splink runs: duckdb or spark (overrides the settings)."
    ),
    truth: Path | None = typer.Option(
        None,
        file_okay=False,
        help="A synthetic world's truth/ folder: measure precision, recall and F1 against it.",
    ),
    key_file: Path | None = typer.Option(
        None,
        help="Custodian key file (default: $BAKEHOUSE_CUSTODIAN_KEY_FILE or "
        "~/.config/bakehouse/custodian.key).",
    ),
) -> None:
    """Link every record to a person and a household in the custodian zone; give the analysis
    zone only pseudonymous ids (person_links, household_episodes) and write a quality report.
    `bakehouse link review --help` for the clerical review."""
    if ctx.invoked_subcommand is not None:
        return
    from bakehouse.ingest import RichReporter
    from bakehouse.linkage import LinkOptions
    from bakehouse.linkage import link as run_link

    options = LinkOptions(
        workspace=workspace,
        settings=settings,
        threshold=threshold,
        backend=backend,
        truth=truth,
        key_file=key_file,
    )
    with RichReporter(console) as reporter:
        result = run_link(options, reporter)
    counts = result.counts
    console.print(
        f"Run {result.run_id}: {counts['person_rows']:,} person rows from "
        f"{counts['identities']:,} distinct identities -> {counts['persons']:,} persons in "
        f"{counts['households']:,} households, in {result.seconds['total']:.1f} s."
    )
    if result.measured is not None:
        table = Table(title="Measured against the truth")
        for column in ("what", "precision", "recall", "F1"):
            table.add_column(column, justify="left" if column == "what" else "right")
        for name, score in result.measured["scores"].items():
            table.add_row(
                name,
                *(
                    f"{score[k]:.4f}" if score[k] is not None else "–"
                    for k in ("precision", "recall", "f1")
                ),
            )
        console.print(table)
        children = result.measured["children"]
        if children["children"]:
            for name, count in children["correct"].items():
                console.print(
                    f"Children, {name} at the prediction date: {count:,} of "
                    f"{children['children']:,} ({count / children['children']:.2%})"
                )
        console.print(result.measured["note"], highlight=False)
    console.print(f"Quality report: {result.report_html}")


def review_sample(
    workspace: Path = WORKSPACE,
    size: int = typer.Option(50, min=1, help="Pairs to draw from each stratum."),
    seed: int = typer.Option(1, min=0, help="Random seed: the same seed draws the same pairs."),
    replace: bool = typer.Option(
        False, "--replace", help="Replace an earlier sample even when it holds labels."
    ),
) -> None:
    """Draw a stratified sample of the last run's pairs (links and non-links, well above, just
    above, just below and well below the threshold) into the custodian zone."""
    from bakehouse.linkage.review import sample

    result = sample(workspace, size=size, seed=seed, replace=replace)
    table = Table(title=f"Review sample {result.sample_id}")
    for column in ("stratum", "pairs", "sampled"):
        table.add_column(column, justify="left" if column == "stratum" else "right")
    for row in result.strata:
        table.add_row(row["stratum"], f"{row['pairs']:,}", f"{row['sampled']:,}")
    console.print(table)
    console.print("Next: `bakehouse link review export` and label the pairs.")


def review_export(
    workspace: Path = WORKSPACE,
    out: Path | None = typer.Option(
        None,
        dir_okay=False,
        help="CSV file to write, in the custodian's folder (default: WORKSPACE/review/).",
    ),
) -> None:
    """Write the sampled pairs side by side to a CSV file for the custodian to label (the
    `label` column: match, non-match or unsure). It holds identifiers: keep it in the
    custodian's folder."""
    from bakehouse.linkage.review import export

    target = export(workspace, out)
    console.print(f"Pairs to review: {target}")


def review_import(
    file: Path = typer.Argument(..., dir_okay=False, help="The labelled CSV file."),
    workspace: Path = WORKSPACE,
) -> None:
    """Read the labels of a reviewed file into the custodian zone (checked strictly)."""
    from bakehouse.linkage.review import import_labels

    counts = import_labels(workspace, file)
    console.print(", ".join(f"{label}: {count:,}" for label, count in counts.items()))


def review_estimate(
    workspace: Path = WORKSPACE,
    truth: Path | None = typer.Option(
        None,
        file_okay=False,
        help="A synthetic world's truth/ folder: measure the same figures beside the estimate.",
    ),
) -> None:
    """Estimate precision and recall from the labels, with 95% intervals, into the linkage
    report."""
    from bakehouse.linkage.review import estimate

    result = estimate(workspace, truth)
    if result.get("not_estimated"):
        console.print(f"Not estimated: {result['not_estimated']}")
        return
    measured = result.get("measured") or {}
    for name in ("precision", "recall"):
        low, high = result[f"{name}_interval"]
        line = f"{name}: {result[name]:.4f} (95% interval {low:.4f} to {high:.4f})"
        if measured.get(name) is not None:
            line += f"; measured {measured[name]:.4f}"
        console.print(line)


REVIEW_COMMANDS: dict[str, Callable[..., None]] = {
    "sample": review_sample,
    "export": review_export,
    "import": review_import,
    "estimate": review_estimate,
}
