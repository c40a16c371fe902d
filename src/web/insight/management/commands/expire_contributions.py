from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from web.insight.retention import expire_contributions, expire_others


class Command(BaseCommand):
    help = (
        "Delete community contributions, survey responses and fieldwork records whose retention "
        "period has ended (run daily)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        deleted = expire_contributions(today)
        self.stdout.write(f"{deleted} contributions deleted after their retention period.")
        others = expire_others(today)
        self.stdout.write(
            f"{others} other records (survey responses, fieldwork records) deleted after their "
            "retention period."
        )
