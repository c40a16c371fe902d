"""``manage.py import_release PATH``: verify a signed release and import it as a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.jobs.progress import PrintedProgress
from web.releases.importer import import_release, imported_as
from web.releases.management.actor import account_named
from web.releases.verification import ReleaseRefused


class Command(BaseCommand):
    help = (
        "Verify a release folder written by `bakehouse publish` (its signature by a trusted "
        "key, sizes, file hashes, the disclosure rule against the floor, the table schemas, "
        "and the output checker run again) and import it in one transaction, as a draft the "
        "public does not see until a custodian publishes it. A tampered, unsigned, unchecked "
        "or malformed release is refused with every reason. Earlier releases are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The release folder (holds manifest.json).")
        parser.add_argument(
            "--skip-if-imported",
            action="store_true",
            help="Do nothing, successfully, when this very release is already imported "
            "(same id, same file hashes): for scripts such as `make demo` run again.",
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="The account importing it, for the governance log (default: command line).",
        )

    def handle(
        self,
        *args: Any,
        path: Path,
        skip_if_imported: bool,
        by: str,
        **options: Any,
    ) -> None:
        actor = account_named(by)
        if skip_if_imported and (existing := imported_as(path)) is not None:
            self.stdout.write(f"{existing.id} is already imported; nothing to do.")
            return
        try:
            release = import_release(path, actor=actor, progress=PrintedProgress(self.stdout.write))
        except ReleaseRefused as refusal:
            raise CommandError(str(refusal)) from None
        flagged = release.areas.filter(flagged=True).count()
        self.stdout.write(
            f"Imported {release.id} ({release.title}): {release.areas.count()} areas, "
            f"{flagged} flagged."
        )
        self.stdout.write(
            f"It is a draft, signed by key {release.signed_by}: nobody outside the custodians "
            f"sees it until a custodian publishes it (`manage.py publish_release {release.id}`)."
        )
