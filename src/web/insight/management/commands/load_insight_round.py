"""``manage.py load_insight_round ROUND.json --release ID --by USERNAME``: a finished round."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bakehouse.errors import BakehouseError
from web.accounts.access import INSIGHT_STAFF
from web.insight.round_file import APPROVAL_NOTE, load_round_file
from web.releases.management.actor import account_named
from web.releases.models import Release


class Command(BaseCommand):
    help = (
        "Load a round file written by `bakehouse insight-round` (round.json, format 1) as a "
        "closed round of the release: every item is screened and stored as a contribution sent "
        "on the web would be; items where screening found nothing are approved by the account "
        "named with --by, the rest wait in the moderation queue. Loading the same file for the "
        "same release again changes nothing. round_truth.json is never loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The round file (round.json).")
        parser.add_argument("--release", required=True, help="The release's id.")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            required=True,
            help="The partner analyst or administrator who creates the round and moderates "
            "it, for the governance log.",
        )

    def handle(self, *args: Any, path: Path, release: str, by: str, **options: Any) -> None:
        moderator = account_named(by)
        if moderator is None or moderator.role not in INSIGHT_STAFF:
            raise CommandError(
                f"--by {by}: only a partner analyst or an administrator may run and moderate "
                "a round."
            )
        found = Release.objects.filter(pk=release).first()
        if found is None:
            raise CommandError(
                f"--release {release}: no such release is imported (`manage.py import_release`)."
            )
        try:
            loaded = load_round_file(path, found, moderator, today=timezone.localdate())
        except BakehouseError as refusal:
            raise CommandError(str(refusal)) from None
        made = loaded.round
        if not loaded.created:
            self.stdout.write(
                f"{path} is already loaded for {found.id} as round {made.pk}; nothing changed."
            )
            return
        for refused in loaded.refused:
            self.stderr.write(
                f"Refused {refused.item} (file {path}, field '{refused.field}'): {refused.why}"
            )
        self.stdout.write(
            f"Round {made.pk} of {found.id}, closed, over {made.areas.count()} areas: "
            f"{loaded.read} in = {loaded.stored} stored + {len(loaded.refused)} refused."
        )
        self.stdout.write(
            f"{loaded.approved} approved by {moderator.username} ({APPROVAL_NOTE.lower()}); "
            f"{loaded.held} held in the moderation queue, where screening found personal details."
        )
