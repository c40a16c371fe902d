"""Every change made in the admin site becomes a governance event.

Django keeps its own admin history (LogEntry), which administrators can read and which is
written in bulk for bulk deletions without signals. The governance log must catch every change
and be readable by the custodian alone, so admin classes write to it directly.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from web.governance.models import Action
from web.governance.services import record_event


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        self._record(Action.ADMIN_ADDITION, request, obj, entry.get_change_message())
        return entry

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        self._record(Action.ADMIN_CHANGE, request, obj, entry.get_change_message())
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._record(Action.ADMIN_DELETION, request, obj, "")
        return entries

    @staticmethod
    def _record(action: Action, request: HttpRequest, obj: models.Model, change: str) -> None:
        record_event(
            action,
            actor=request.user,  # type: ignore[arg-type]
            subject=obj,
            detail={"record": str(obj), "change": change} if change else {"record": str(obj)},
        )
