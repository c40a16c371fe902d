from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from web.insight.retention import expire_contributions


class Command(BaseCommand):
    help = "Delete community contributions whose round's retention period has ended (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = expire_contributions(timezone.localdate())
        self.stdout.write(f"{deleted} contributions deleted after their retention period.")
