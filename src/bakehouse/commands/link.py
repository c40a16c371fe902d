"""`bakehouse link`: person and household ids from the custodian zone, with a quality report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bakehouse.commands.options import WORKSPACE

console = Console(stderr=True)


def link(
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
    zone only pseudonymous ids (person_links, household_episodes) and write a quality report."""
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
