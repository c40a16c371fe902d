"""``manage.py export_review --recipe ID --out FILE``: the areas marked for review, for the
next release's model card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone

from bakehouse.insight.review import write_review
from web.insight.management.exports import InsightExportCommand
from web.insight.review import review_list


class Command(InsightExportCommand):
    help = (
        "Write the areas validation rounds on the recipe's releases marked for review, with "
        "each round, the published verdict counts and the partnership's response (no text a "
        "participant typed), as JSON for `bakehouse run --review FILE`. Logged as an export."
    )

    def handle(self, *args: Any, recipe: str, out: Path, by: str, **options: Any) -> None:
        actor = self.exporter(by)
        found = review_list(recipe, timezone.now())
        try:
            write_review(found, out)
        except OSError as error:
            raise CommandError(f"{out}: cannot be written ({error.strerror}).") from None
        self.logged(
            actor,
            {
                "export": "areas marked for review",
                "recipe": recipe,
                "areas": len(found.areas),
                "file": str(out),
            },
        )
        self.stdout.write(f"Wrote {len(found.areas)} area(s) marked for review to {out}.")
