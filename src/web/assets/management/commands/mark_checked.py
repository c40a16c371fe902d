"""``manage.py mark_checked RECORD_ID``: record that a person has confirmed a register record
is right today (or on ``--on``), as the directory then shows."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from web.assets.records import KINDS
from web.governance.models import Action
from web.governance.services import record_event
from web.releases.management.actor import account_named


class Command(BaseCommand):
    help = (
        "Record when a person last confirmed a record of the asset register (a service, a "
        "location, an organisation, ...): its last_checked, shown beside it in the directory."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("record_id", help="The record's ORUK id.")
        parser.add_argument(
            "--on", type=date.fromisoformat, help="The day it was checked (default: today)."
        )
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            default="",
            help="The account that checked it, for the governance log (default: command line).",
        )

    def handle(self, *args: Any, record_id: str, on: date | None, by: str, **options: Any) -> None:
        actor = account_named(by)
        if on is not None and on > timezone.localdate():
            raise CommandError(f"--on {on}: a check cannot be in the future.")
        checked = (
            timezone.now()
            if on is None or on == timezone.localdate()
            else timezone.make_aware(datetime.combine(on, time(12)))
        )
        for kind in KINDS.values():
            record = kind.model._default_manager.filter(pk=record_id).first()
            if record is None:
                continue
            record.last_checked = checked
            record.save(update_fields=["last_checked", "updated_at"])
            record_event(
                Action.ASSET_RECORD_CHECKED,
                actor=actor,
                subject=record,
                detail={"last_checked": checked.isoformat()},
            )
            self.stdout.write(f"{kind.name} {record_id} checked on {checked:%d %B %Y}.")
            return
        raise CommandError(f"No record of the register has id {record_id}: check the id.")
