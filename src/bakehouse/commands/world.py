"""`bakehouse world`: build a synthetic local authority and its truth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from bakehouse.errors import ConfigError
from bakehouse.geography import AREAS
from bakehouse.world.config import WorldConfig, load_interventions, parse_intervention
from bakehouse.world.noise import NoiseLevel

console = Console()


def world(
    area: str = typer.Option("basildon", help=f"The area to simulate: {', '.join(sorted(AREAS))}."),
    seed: int = typer.Option(1, min=0, help="Random seed: the same seed gives the same bytes."),
    out: Path = typer.Option(Path("data/world"), help="Folder to write (replaced when done)."),
    noise: NoiseLevel = typer.Option(
        NoiseLevel.DEFAULT,
        case_sensitive=False,
        help="Rate of data errors in the extracts: none, default or high (see docs/world.md).",
    ),
    national_ids: bool = typer.Option(
        True,
        "--national-ids/--no-national-ids",
        help="Without national ids, extracts hold no NHS number, UPN or NINO, as a partnership "
        "without them would; ingest them with --specs OUT/specs.",
    ),
    scale: float = typer.Option(
        1.0,
        min=0.01,
        max=4.0,
        help="Multiply the real population: 1.0 gives the area's mid-2015 residents.",
    ),
    iod: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="Folder with the official IoD 2019 CSV files (File 2 and File 6), for an area "
        "outside Essex (Essex's are shipped). Without either, deprivation and population are "
        "simulated.",
    ),
    as_at: str = typer.Option("2025-09-30", help="The date the extracts are taken (YYYY-MM-DD)."),
    intervention: list[str] = typer.Option(
        [],
        help="A true effect to inject, e.g. 'areas=E01021237,E01021238;from=2022;"
        "effect=+0.06'. Repeatable.",
    ),
    intervention_file: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="YAML list of interventions."
    ),
    reuse: bool = typer.Option(
        False,
        "--reuse",
        help="Keep the world already in OUT when it was built with the same options by a "
        "Bakehouse that writes worlds the same way; otherwise build it.",
    ),
) -> None:
    """Build a synthetic local authority: agency extracts in OUT/extracts, truth in OUT/truth."""
    from bakehouse.world.generate import generate, is_current

    plans = [parse_intervention(text) for text in intervention]
    if intervention_file is not None:
        plans += load_interventions(intervention_file)
    try:
        config = WorldConfig(
            area=area,
            seed=seed,
            scale=scale,
            noise=noise,
            national_ids=national_ids,
            iod_dir=iod,
            as_at=date.fromisoformat(as_at),
            interventions=plans,
        )
    except ValueError as error:
        problems = (
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            if isinstance(error, ValidationError)
            else str(error)
        )
        raise ConfigError(
            f"Invalid world options ({problems})", fix="See `bakehouse world --help`"
        ) from None
    if reuse and is_current(config, out):
        console.print(f"The world in {out} was built with these options: kept.")
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        summary = generate(config, out, report)
    _print_summary(summary.manifest, out)


def _print_summary(manifest: dict[str, object], out: Path) -> None:
    counts = manifest["counts"]
    assert isinstance(counts, dict)
    table = Table(title=f"World written to {out}", show_header=False)
    table.add_row("LSOAs", f"{counts['lsoas']:,}")
    table.add_row("People (ever)", f"{counts['people_ever']:,}")
    table.add_row("Residents at the as-at date", f"{counts['residents_at_as_at']:,}")
    table.add_row("Children born in the world", f"{counts['children_born']:,}")
    table.add_row("Children with an EYFSP result", f"{counts['children_assessed']:,}")
    table.add_row(
        "Domestic abuse index incidents (escalated)",
        f"{counts['da_index_incidents']:,} ({counts['da_escalations']:,})",
    )
    table.add_row(
        "Households on 1 April, summed over years (approached)",
        f"{counts['homelessness_index_rows']:,} ({counts['homelessness_approaches']:,})",
    )
    for source, rows in counts["extract_rows"].items():
        table.add_row(f"Extract rows: {source}", f"{rows:,}")
    console.print(table)
