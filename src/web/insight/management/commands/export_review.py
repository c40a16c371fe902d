"""``manage.py export_review --recipe ID --out FILE``: the areas marked for review, for the
next release's model card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bakehouse.insight.review import write_review
from web.accounts.access import INSIGHT_STAFF
from web.governance.models import Action
from web.governance.services import record_event
from web.insight.review import review_list
from web.releases.management.actor import account_named


class Command(BaseCommand):
    help = (
        "Write the areas validation rounds on the recipe's releases marked for review, with "
        "each round, the published verdict counts and the partnership's response (no text a "
        "participant typed), as JSON for `bakehouse run --review FILE`. Logged as an export."
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
        found = review_list(recipe, timezone.now())
        try:
            write_review(found, out)
        except OSError as error:
            raise CommandError(f"{out}: cannot be written ({error.strerror}).") from None
        record_event(
            Action.DATA_EXPORTED,
            actor=actor,
            detail={
                "export": "areas marked for review",
                "recipe": recipe,
                "areas": len(found.areas),
                "file": str(out),
            },
        )
        self.stdout.write(f"Wrote {len(found.areas)} area(s) marked for review to {out}.")
