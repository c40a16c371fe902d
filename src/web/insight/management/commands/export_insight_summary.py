"""``manage.py export_insight_summary --recipe ID --out FILE``: what the public pages publish of
the recipe's closed rounds and surveys, for its recipe pack (``bakehouse recipe export
--insight FILE``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from bakehouse.packs.insight import summary_bytes
from web.insight.management.exports import InsightExportCommand
from web.insight.summary import UnknownFigure, insight_summary


class Command(InsightExportCommand):
    help = (
        "Write what the public pages publish of the recipe's closed validation rounds and "
        "surveys (verdict counts per area, themes, who was heard, survey counts, each after "
        "disclosure control; no one's words) as the community insight summary for `bakehouse "
        "recipe export --insight FILE`. Logged as an export."
    )

    def handle(self, *args: Any, recipe: str, out: Path, by: str, **options: Any) -> None:
        actor = self.exporter(by)
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
        self.logged(
            actor,
            {
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
