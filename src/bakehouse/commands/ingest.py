"""`bakehouse ingest`: agency extracts into the custodian and analysis zones."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from bakehouse.commands.options import WORKSPACE

if TYPE_CHECKING:
    from bakehouse.ingest import IngestOptions

console = Console(stderr=True)

DEFAULT_PURPOSE = "school-readiness"


def ingest(
    sources: Path = typer.Option(
        Path("data/world"), help="Folder of extracts, or a world folder (its extracts/ only)."
    ),
    workspace: Path = WORKSPACE,
    purpose: str | None = typer.Option(
        None,
        show_default=DEFAULT_PURPOSE,
        help="The recipe this run serves; every agreement must list it. With --recipe, the "
        "recipe's id (or leave it out).",
    ),
    recipe: str | None = typer.Option(
        None,
        help="Take in the sources this recipe declares, whatever else the folder holds, for its "
        "id as the purpose, as `bakehouse run` does: a built-in or installed recipe's id, or a "
        "recipe folder. A declared source with no extract is missing (see --accept). Not with "
        "--only: a run rebuilds both zones, so a narrower one would leave the recipe without "
        "sources it reads (use --purpose with --only for that).",
    ),
    specs: Path | None = typer.Option(
        None, file_okay=False, help="Folder of source specifications (default: shipped ones)."
    ),
    agreements: Path | None = typer.Option(
        None, file_okay=False, help="Folder of data sharing agreements (default: shipped ones)."
    ),
    key_file: Path | None = typer.Option(
        None,
        help="Custodian key file (default: $BAKEHOUSE_CUSTODIAN_KEY_FILE or "
        "~/.config/bakehouse/custodian.key).",
    ),
    only: list[str] = typer.Option(
        [], help="Ingest only these sources (repeatable); not with --recipe."
    ),
    postcodes: Path | None = typer.Option(
        None,
        dir_okay=False,
        help="Postcode to LSOA lookup (Parquet or CSV with postcode, "
        "lsoa11cd) instead of the shipped Essex one.",
    ),
    accept: list[str] = typer.Option(
        [],
        help="Go on although this source is missing, empty or far smaller than last time "
        "(repeatable); recorded in the audit log and the manifest for the model's documents.",
    ),
    as_at: datetime | None = typer.Option(
        None,
        formats=["%Y-%m-%d"],
        help="The date the extracts were taken: any date after it is in the future (default: "
        "today).",
    ),
    force: bool = typer.Option(False, help="Rebuild even if nothing changed since last run."),
) -> None:
    """Check agreements, validate and quarantine, pseudonymise, and split every extract into the
    custodian zone (identifiers) and the analysis zone (attributes), all at once or not at all."""
    from bakehouse.ingest import IngestOptions, RichReporter
    from bakehouse.ingest import ingest as run_ingest

    options = IngestOptions(
        sources=sources,
        workspace=workspace,
        purpose=purpose or DEFAULT_PURPOSE,
        specs=specs,
        agreements=agreements,
        key_file=key_file,
        only=tuple(only),
        force=force,
        postcodes=postcodes,
        accept=tuple(accept),
        as_at=None if as_at is None else as_at.date(),
    )
    if recipe is not None:
        options = _for_recipe(recipe, purpose, options)
    with RichReporter(console) as reporter:
        result = run_ingest(options, reporter)
    if result.not_taken:
        why = (
            f"recipe {options.recipe} does not read them"
            if options.recipe
            else "not named by --only"
        )
        console.print(f"Not taken in ({why}): {', '.join(result.not_taken)}.")
    if result.unchanged:
        console.print(f"Unchanged: the workspace already holds run {result.run_id}.")
        return
    table = Table(title=f"Run {result.run_id}: reconciliation")
    for column in (
        "source",
        "file",
        "rows in",
        "accepted",
        "quarantined",
        "withheld",
        "reconciled",
    ):
        table.add_column(column, justify="left" if column in ("source", "file") else "right")
    for count in result.files:
        withheld = count.withheld_optout + count.withheld_erasure
        table.add_row(
            count.source,
            count.file,
            f"{count.rows_in:,}",
            f"{count.accepted:,}",
            f"{count.quarantined:,}",
            f"{withheld:,}",
            "yes" if count.reconciled else "NO",
        )
    console.print(table)
    rate = result.rows_in / result.seconds if result.seconds else 0.0
    console.print(
        f"{result.rows_in:,} rows in {result.seconds:.1f} s ({rate:,.0f} rows/s). "
        f"Quality report: {result.report_html}"
    )


def _for_recipe(name_or_path: str, purpose: str | None, options: IngestOptions) -> IngestOptions:
    """The run ``--recipe`` asks for, refusing a --purpose or --only that contradicts it."""
    from bakehouse.errors import ConfigError
    from bakehouse.recipes import load_recipe

    loaded = load_recipe(name_or_path, options.workspace)
    if purpose is not None and purpose != loaded.id:
        raise ConfigError(
            f"--purpose '{purpose}' is not the purpose of recipe '{loaded.id}'",
            field="--purpose",
            fix=f"Leave --purpose out (--recipe {name_or_path} serves '{loaded.id}'), or leave "
            f"--recipe out to take in sources for '{purpose}'",
        )
    if options.only:
        raise ConfigError(
            "--recipe takes in every source the recipe declares, so --only cannot narrow it",
            field="--only",
            fix=f"Leave --only out, or take in some sources with --purpose {loaded.id} "
            f"{' '.join(f'--only {name}' for name in options.only)} in place of --recipe",
        )
    return options.for_recipe(loaded.recipe)
