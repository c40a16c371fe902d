"""``manage.py load_interventions FILE... --by USERNAME``: interventions written as YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bakehouse.errors import BakehouseError
from web.accounts.access import INTERVENTION_STAFF
from web.interventions.intervention_file import load_intervention_file
from web.releases.management.actor import account_named


class Command(BaseCommand):
    help = (
        "Create interventions from YAML files (recipe, title, tidier, updates, milestones, "
        "post_periods, plan), their areas being the plan's treated areas of the recipe's current "
        "release. Each plan is stored unfrozen: freeze it on its page. A file whose intervention "
        "(recipe and title) exists already changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            required=True,
            help="The partner analyst or administrator who records them, for the governance log.",
        )

    def handle(self, *args: Any, paths: list[Path], by: str, **options: Any) -> None:
        actor = account_named(by)
        if actor is None or actor.role not in INTERVENTION_STAFF:
            raise CommandError(
                f"--by {by}: only a partner analyst or an administrator records interventions."
            )
        for path in paths:
            try:
                loaded = load_intervention_file(path, actor)
            except BakehouseError as refusal:
                raise CommandError(str(refusal)) from None
            made = loaded.intervention
            if loaded.created:
                self.stdout.write(
                    f"{path}: intervention {made.pk} '{made.title}' created over "
                    f"{len(made.lsoa_codes)} areas, its plan unfrozen."
                )
            else:
                self.stdout.write(
                    f"{path}: intervention {made.pk} '{made.title}' exists already; "
                    "nothing changed."
                )
            if loaded.outcomes_after_start:
                cohorts = ", ".join(str(cohort) for cohort in loaded.outcomes_after_start)
                self.stdout.write(
                    f"{path}: the current release already publishes observed outcomes for "
                    f"{cohorts}, on or after the plan's start: the plan cannot be frozen as "
                    "pre-registered, and an evaluation of it is exploratory."
                )
