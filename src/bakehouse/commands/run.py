"""`bakehouse run`: a recipe from agency extracts to a checked release, in one command."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bakehouse.commands.options import RECIPE, WORKSPACE
from bakehouse.commands.release import SIGNING_KEY

console = Console(stderr=True)


def run(
    recipe: str = RECIPE,
    sources: Path = typer.Option(
        Path("data/world"), help="Folder of extracts, or a world folder (its extracts/ only)."
    ),
    workspace: Path = WORKSPACE,
    specs: Path | None = typer.Option(
        None, file_okay=False, help="Folder of source specifications (default: shipped ones)."
    ),
    agreements: Path | None = typer.Option(
        None,
        file_okay=False,
        help="Folder of data sharing agreements (default: shipped ones); each must list the "
        "recipe's id as a purpose.",
    ),
    out: Path = typer.Option(Path("data/releases"), help="Folder that holds the releases."),
    area: str = typer.Option("basildon", help="The area the release covers."),
    key_file: Path | None = typer.Option(
        None,
        help="Custodian key file (default: $BAKEHOUSE_CUSTODIAN_KEY_FILE or "
        "~/.config/bakehouse/custodian.key).",
    ),
    truth: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="A synthetic world's truth/ folder: measure linkage and the model against it.",
    ),
    iod: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="Folder with the official IoD 2019 files (File 2 and File 6), for an area outside "
        "Essex: deprivation deciles and the shrinkage prior. Essex needs none (shipped).",
    ),
    postcodes: Path | None = typer.Option(
        None, dir_okay=False, help="Postcode to LSOA lookup instead of the shipped Essex one."
    ),
    accept: list[str] = typer.Option(
        [],
        help="Go on although this source is missing, empty or far smaller than last time "
        "(repeatable); the model's documents say what it lacked.",
    ),
    review: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="The areas validation rounds marked for review (`manage.py export_review`): the "
        "release's model card and transparency record list them and what was found.",
    ),
    replace: bool = typer.Option(False, help="Replace a release of the same id."),
    write_path: Path | None = typer.Option(
        None, dir_okay=False, help="Also write the release folder's path to this file (scripts)."
    ),
    signing_key: Path | None = SIGNING_KEY,
) -> None:
    """Ingest, link, train and publish: from the agencies' extracts to a disclosure-checked
    release, with one progress display. Stages already done for the same inputs are reused."""
    from bakehouse.ingest import RichReporter
    from bakehouse.recipes import load_recipe
    from bakehouse.release.signing import load_signing_key
    from bakehouse.run import RunOptions
    from bakehouse.run import run as run_recipe

    options = RunOptions(
        sources=sources,
        workspace=workspace,
        out=out,
        recipe=load_recipe(recipe, workspace),
        area=area,
        key_file=key_file,
        truth=truth,
        iod_dir=iod,
        postcodes=postcodes,
        replace=replace,
        signing_key=load_signing_key(signing_key),
        accept=tuple(accept),
        specs=specs,
        agreements=agreements,
        review=review,
    )
    with RichReporter(console) as reporter:
        result = run_recipe(options, reporter)
    release = result.release
    head = result.headline
    table = Table(title=f"Release {release.release_id}")
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("Areas", f"{release.areas:,}")
    table.add_row("Areas that could use additional support", f"{release.flagged:,}")
    table.add_row("Counts withheld", f"{release.withheld_counts:,}")
    table.add_row("Output checks passed", f"{release.checks_passed}")
    table.add_row("Model", f"{head.get('chosen')} (run {result.train_run_id[:16]})")
    if "test_auc" in head:
        low, high = head["test_auc_interval"]
        table.add_row("Test AUC", f"{head['test_auc']:.3f} ({low:.3f} to {high:.3f})")
    if "gap_to_best" in head:
        table.add_row("Gap to the best achievable AUC", f"{head['gap_to_best']:.3f}")
    for stage, seconds in result.seconds.items():
        peak = result.peak_bytes[stage] / 1024**3
        table.add_row(f"Seconds and peak memory, {stage}", f"{seconds:.1f} s, {peak:.2f} GB")
    console.print(table)
    console.print(f"Each stage's time and memory: {result.report}")
    if write_path is not None:
        write_path.parent.mkdir(parents=True, exist_ok=True)
        write_path.write_text(f"{release.path}\n", encoding="utf-8")
    console.print(
        f"Written to {release.path}"
        + (" (identical to the release already there)" if release.reused else "")
    )
