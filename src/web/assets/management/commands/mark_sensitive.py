"""``manage.py mark_sensitive LOCATION_ID``: keep a location's address out of every public page
and feed (a refuge, a safe house)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from web.assets.models import Location
from web.governance.models import Action
from web.governance.services import record_event
from web.releases.management.actor import account_named


class Command(BaseCommand):
    help = (
        "Mark a location of the asset register sensitive: it, and the services' presence at "
        "it, never appear in a public page, the ORUK API or an export. --clear lifts the mark."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("location_id", help="The location's ORUK id.")
        parser.add_argument("--clear", action="store_true", help="Publish it again.")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="The account making the change, for the governance log (default: command line).",
        )

    def handle(self, *args: Any, location_id: str, clear: bool, by: str, **options: Any) -> None:
        actor = account_named(by)
        location = Location.objects.filter(pk=location_id).first()
        if location is None:
            raise CommandError(f"No location has id {location_id}: check the id in the feed.")
        location.sensitive = not clear
        location.save(update_fields=["sensitive", "updated_at"])
        record_event(
            Action.ADMIN_CHANGE,
            actor=actor,
            subject=location,
            detail={"sensitive": location.sensitive},
        )
        state = "sensitive: never published" if location.sensitive else "published"
        self.stdout.write(f"Location {location_id} is now {state}.")
