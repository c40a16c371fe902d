"""A background job as the people who start it see it: what it is, who started it, how far it
has gone and how it ended. The task writes it as it goes; the job's page reads it."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JobState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Job(models.Model):
    # A short name of the work (``feed_import``, ``release_import``); a new kind of job needs no
    # migration, only its task function.
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    # What the work ended with, as labelled counts, and where to read its outcome.
    summary = models.JSONField(default=dict, blank=True)
    result_url = models.CharField(max_length=300, blank=True)
    result_label = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("-started_at", "-id")

    def __str__(self) -> str:
        return f"{self.title} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def version(self) -> str:
        """Changes whenever what the job's page shows changes."""
        return f"{self.state}:{self.done}:{self.total}:{self.step}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0
