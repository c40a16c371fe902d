"""``manage.py import_recipe_pack PACK``: verify a recipe pack and serve it on the recipes page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.recipes.importer import PackRefused, import_pack
from web.releases.management.actor import account_named


class Command(BaseCommand):
    help = (
        "Verify a recipe pack written by `bakehouse recipe export` (its signature by a trusted "
        "release key, every entry's SHA-256, the safety scan run again, the disclosure rule "
        "against this web app's floor) and serve it for download on the recipes page, in place "
        "of the recipe's earlier pack. A pack already served is left as it is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The pack file (.zip).")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="The account importing it (default: command line).",
        )

    def handle(self, *args: Any, path: Path, by: str, **options: Any) -> None:
        try:
            outcome = import_pack(path, actor=account_named(by))
        except PackRefused as refusal:
            raise CommandError(str(refusal)) from None
        pack = outcome.pack
        if not outcome.changed:
            self.stdout.write(f"{pack} is already served; nothing to do.")
            return
        self.stdout.write(
            f"Imported {pack}: {pack.size:,} bytes, SHA-256 {pack.sha256}, signed by key "
            f"{pack.signed_by}. Anyone may download it from the recipes page."
        )
