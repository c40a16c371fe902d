"""Options several commands share."""

from __future__ import annotations

import typer

WORKSPACE_ENV = "BAKEHOUSE_WORKSPACE"

RECIPE = typer.Option(
    "school-readiness",
    help="A recipe's id: one installed in the workspace from a pack (`bakehouse recipe import`), "
    "else a built-in one (`bakehouse recipes list`); or a recipe folder of your own.",
)

# Required: no command writes to a workspace the user did not name.
WORKSPACE = typer.Option(
    ...,
    envvar=WORKSPACE_ENV,
    show_envvar=True,
    file_okay=False,
    help="Workspace folder: the two zones, reports, registers and audit log.",
)
