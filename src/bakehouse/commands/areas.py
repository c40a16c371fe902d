"""`bakehouse areas`: small-area estimates from the latest model run, for analysts to read
before anything is published."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bakehouse.commands.options import RECIPE, WORKSPACE
from bakehouse.geography import AREAS

console = Console(stderr=True)


def _between(value: float | None, low: float | None, high: float | None, percent: bool) -> str:
    if value is None or low is None or high is None:
        return "withheld"
    if percent:
        return f"{value:.1%} ({low:.1%} to {high:.1%})"
    return f"{value:.1f} ({low:.1f} to {high:.1f})"


def areas(
    recipe: str = RECIPE,
    workspace: Path = WORKSPACE,
    area: str = typer.Option("basildon", help=f"The area: {', '.join(sorted(AREAS))}."),
    iod: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="Folder with the official IoD 2019 files (File 2 and File 6), for an area outside "
        "Essex: deprivation deciles and the shrinkage prior. Essex needs none (shipped).",
    ),
    top: int = typer.Option(10, min=1, help="How many areas to list by expected need."),
) -> None:
    """Estimate every LSOA's need from the latest model run of the recipe (expected numbers and
    rates with intervals, shrunken past rates, ranks, comparisons, hotspots, flags), under the
    release's disclosure rule, and write the tables into the workspace."""
    from bakehouse.ingest import RichReporter
    from bakehouse.recipes import load_recipe
    from bakehouse.release.preview import estimate_areas

    loaded = load_recipe(recipe, workspace)
    with RichReporter(console) as reporter:
        result = estimate_areas(workspace, loaded, area, iod, reporter)
    rows = result.tables.areas.to_pylist()
    shown = [r for r in rows if r["expected_events"] is not None]
    shown.sort(key=lambda r: -r["expected_events"])
    words = result.words
    table = Table(
        title=f"Expected {words.events} in {words.coming}: the top {min(top, len(shown))}"
    )
    for column in ("LSOA", "expected number", "expected rate", "rank", "hotspot", "flagged"):
        table.add_column(column, justify="left" if column == "LSOA" else "right")
    for row in shown[:top]:
        table.add_row(
            f"{row['lsoa11nm']} ({row['lsoa11cd']})",
            _between(row["expected_events"], row["expected_low"], row["expected_high"], False),
            _between(
                row["expected_rate"], row["expected_rate_low"], row["expected_rate_high"], True
            ),
            f"{row['rank']} ({row['rank_low']} to {row['rank_high']})",
            row["hotspot"] if row["hotspot"] in ("hot", "cold") else "",
            "yes" if row["flagged"] else "",
        )
    console.print(table)
    flagged = [r for r in rows if r["flagged"]]
    hotspots = sum(1 for r in rows if r["hotspot"] == "hot")
    console.print(
        f"{len(rows)} LSOAs, {len(shown)} with published estimates; {hotspots} in significant "
        f"clusters of high need; {len(flagged)} could use additional support "
        f"(rule: {result.settings.flag.describe(words)})."
    )
    for row in flagged:
        console.print(f"  {row['lsoa11nm']}: {row['flag_reasons']}", highlight=False)
    console.print(
        f"Shrinkage prior: {result.settings.prior.value}; disclosure: {result.rules.rule}. "
        f"Tables: {result.folder} (not a release: `bakehouse publish` makes one)."
    )
