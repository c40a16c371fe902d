from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from web.insight.retention import expire_everything


class Command(BaseCommand):
    help = (
        "Delete community contributions, survey responses and fieldwork records whose retention "
        "period has ended (run daily)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = expire_everything(timezone.localdate())
        self.stdout.write(f"{deleted} records deleted after their retention period.")
