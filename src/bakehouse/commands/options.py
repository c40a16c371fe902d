"""Options several commands share."""

from __future__ import annotations

import typer

WORKSPACE_ENV = "BAKEHOUSE_WORKSPACE"

# Required: no command writes to a workspace the user did not name.
WORKSPACE = typer.Option(
    ...,
    envvar=WORKSPACE_ENV,
    show_envvar=True,
    file_okay=False,
    help="Workspace folder: the two zones, reports, registers and audit log.",
)
