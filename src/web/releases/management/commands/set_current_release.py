"""``manage.py set_current_release ID``: choose the release the pages of its recipe show
(rollback)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.releases.lifecycle import ReleaseNotFound, TransitionRefused, set_current_release
from web.releases.management.actor import account_named
from web.releases.models import Release


class Command(BaseCommand):
    help = (
        "Make a published release the current one of its recipe, the one every page of that "
        "recipe shows: a rollback when it is an earlier release. Other recipes are untouched. "
        "Logged in the governance log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("release_id", help="The release id, as `import_release` printed it.")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="The account making the change, for the governance log (default: command line).",
        )

    def handle(self, *args: Any, release_id: str, by: str, **options: Any) -> None:
        actor = account_named(by)
        try:
            previous = set_current_release(release_id, actor=actor)
        except ReleaseNotFound as missing:
            known = ", ".join(Release.objects.values_list("id", flat=True)) or "none"
            raise CommandError(f"{missing} Imported releases: {known}.") from None
        except TransitionRefused as refusal:
            raise CommandError(str(refusal)) from None
        if previous is not None and previous.id == release_id:
            self.stdout.write(
                f"{release_id} is already the current release of its recipe; nothing changed."
            )
            return
        was = f" (was {previous.id})" if previous is not None else ""
        self.stdout.write(f"{release_id} is now the current release of its recipe{was}.")
