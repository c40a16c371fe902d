"""``manage.py export_insight_summary --recipe ID --out FILE``: what the public pages publish of
the recipe's closed rounds and surveys, for its recipe pack (``bakehouse recipe export
--insight FILE``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bakehouse.packs.insight import summary_bytes
from web.accounts.access import INSIGHT_STAFF
from web.governance.models import Action
from web.governance.services import record_event
from web.insight.summary import UnknownFigure, insight_summary
from web.releases.management.actor import account_named


class Command(BaseCommand):
    help = (
        "Write what the public pages publish of the recipe's closed validation rounds and "
        "surveys (verdict counts per area, themes, who was heard, survey counts, each after "
        "disclosure control; no one's words) as the community insight summary for `bakehouse "
        "recipe export --insight FILE`. Logged as an export."
    )

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

    def handle(self, *args: Any, recipe: str, out: Path, by: str, **options: Any) -> None:
        actor = account_named(by)
        if actor is not None and actor.role not in INSIGHT_STAFF:
            raise CommandError(
                f"--by {by}: only a partner analyst or an administrator may export it."
            )
        try:
            summary = insight_summary(recipe, timezone.now())
        except UnknownFigure as error:
            raise CommandError(
                f"A public page shows {error}, which the summary cannot carry: nothing was "
                "written. Report it to the web app's maintainers."
            ) from None
        if summary is None:
            raise CommandError(
                f"Nothing of {recipe}'s community insight is published: no closed round on a "
                "published release and no closed survey with a public report. Nothing was "
                "written; export the pack without --insight, and its evidence summary says so."
            )
        try:
            out.write_bytes(summary_bytes(summary))
        except OSError as error:
            raise CommandError(f"{out}: cannot be written ({error.strerror}).") from None
        record_event(
            Action.DATA_EXPORTED,
            actor=actor,
            detail={
                "export": "community insight summary",
                "recipe": recipe,
                "rounds": len(summary.rounds),
                "surveys": len(summary.surveys),
                "threshold": summary.threshold,
                "file": str(out),
            },
        )
        self.stdout.write(
            f"Wrote the community insight summary of {len(summary.rounds)} closed round(s) and "
            f"{len(summary.surveys)} survey(s), published figures only (threshold "
            f"{summary.threshold}), to {out}."
        )
