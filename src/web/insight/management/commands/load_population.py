"""``manage.py load_population FILE``: the areas' population, for who a round heard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bakehouse.errors import BakehouseError
from web.insight.population import COLUMNS, load_population


class Command(BaseCommand):
    help = (
        f"Load counts of the areas' population from a CSV ({','.join(COLUMNS)}; measures "
        "age_band, ethnic_group, children_under_five), such as the census.csv `bakehouse world` "
        "writes or one made from the 2021 Census tables (web.insight README). The counts of the "
        "LSOAs in the file replace those loaded before; a file with any bad row loads nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The population CSV.")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            loaded = load_population(path)
        except BakehouseError as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write(
            f"Loaded {loaded.rows} counts for {loaded.areas} areas from {path} "
            f"({loaded.replaced} earlier counts of those areas replaced)."
        )
