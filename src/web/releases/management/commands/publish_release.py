"""``manage.py publish_release ID``: a custodian publishes an imported draft."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.accounts.roles import Role
from web.releases.lifecycle import ReleaseNotFound, TransitionRefused, publish_release
from web.releases.management.actor import account_named
from web.releases.models import Release


class Command(BaseCommand):
    help = (
        "Publish an imported draft release: from now on the public sees it, and (unless "
        "--not-current) every page of its recipe shows it; other recipes' current releases "
        "stay as they are. Logged in the governance log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("release_id", help="The release id, as `import_release` printed it.")
        parser.add_argument(
            "--not-current",
            action="store_true",
            help="Publish without showing it on the pages yet (`set_current_release` later).",
        )
        parser.add_argument(
            "--skip-if-published",
            action="store_true",
            help="Do nothing, successfully, when it is already published: for scripts such as "
            "`make demo` run again.",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="The custodian publishing it, for the governance log (default: command line).",
        )

    def handle(
        self,
        *args: Any,
        release_id: str,
        not_current: bool,
        skip_if_published: bool,
        by: str,
        **options: Any,
    ) -> None:
        actor = account_named(by, role=Role.CUSTODIAN)
        published = Release.objects.public().filter(pk=release_id).exists()
        if skip_if_published and published:
            self.stdout.write(f"{release_id} is already published; nothing to do.")
            return
        try:
            release = publish_release(release_id, actor=actor, make_current=not not_current)
        except (ReleaseNotFound, TransitionRefused) as refusal:
            raise CommandError(str(refusal)) from None
        shown = (
            f"every page of {release.about.title} shows it"
            if release.is_current
            else "it is not shown on the pages yet"
        )
        self.stdout.write(f"Published {release.id} ({release.title}); {shown}.")
