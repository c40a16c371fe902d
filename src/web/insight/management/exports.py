"""What the commands that export a recipe's community insight for the pipeline share: the
same options, the same rule on who may export, and one entry in the governance log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.accounts.access import INSIGHT_STAFF
from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.releases.management.actor import account_named


class InsightExportCommand(BaseCommand):
    """``--recipe ID --out FILE [--by USERNAME]``: written by a partner analyst or an
    administrator (or the command line), and logged as an export."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--recipe", required=True, help="The recipe's id.")
        parser.add_argument("--out", type=Path, required=True, help="The file to write.")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="The partner analyst or administrator exporting it, for the governance log "
            "(default: the command line).",
        )

    def exporter(self, by: str) -> User | None:
        actor = account_named(by)
        if actor is not None and actor.role not in INSIGHT_STAFF:
            raise CommandError(
                f"--by {by}: only a partner analyst or an administrator may export it."
            )
        return actor

    def logged(self, actor: User | None, detail: dict[str, Any]) -> None:
        record_event(Action.DATA_EXPORTED, actor=actor, detail=detail)
