"""`bakehouse ingest`: agency extracts into the custodian and analysis zones."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from bakehouse.commands.options import WORKSPACE

console = Console(stderr=True)


def ingest(
    sources: Path = typer.Option(
        Path("data/world"), help="Folder of extracts, or a world folder (its extracts/ only)."
    ),
    workspace: Path = WORKSPACE,
    purpose: str = typer.Option(
        "school-readiness", help="The recipe this run serves; every agreement must list it."
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
    only: list[str] = typer.Option([], help="Ingest only these sources (repeatable)."),
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
        purpose=purpose,
        specs=specs,
        agreements=agreements,
        key_file=key_file,
        only=tuple(only),
        force=force,
        postcodes=postcodes,
        accept=tuple(accept),
        as_at=None if as_at is None else as_at.date(),
    )
    with RichReporter(console) as reporter:
        result = run_ingest(options, reporter)
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
