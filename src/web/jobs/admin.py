"""The admin site holds only models whose changes the governance log records; raw task results
are not one of them, and each job's own page shows what people need of them."""

from __future__ import annotations

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

admin.site.unregister(DBTaskResult)
