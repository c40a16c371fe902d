"""Importing an uploaded feed as a background job: the upload page queues it, a worker runs it,
and the job's page shows the records checked and stored, then a link to the import's report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse
from django_tasks import task

from web.assets.feeds import FeedRefused, import_feed
from web.assets.tables import read_feed_file
from web.jobs.models import Job
from web.jobs.progress import Progress
from web.jobs.services import JobFailed, Outcome, run_job

KIND = "feed_import"


@task()
def import_feed_task(
    job_id: int, path: str, source: str, feed_kind: str | None = None
) -> dict[str, Any]:
    """Import the feed kept at ``path`` (uploaded as ``source``) for the job."""

    def work(job: Job, progress: Progress) -> Outcome:
        try:
            feed = read_feed_file(Path(path).read_bytes(), source, feed_kind)
        except FeedRefused as refusal:
            raise JobFailed(str(refusal)) from None
        report = import_feed(feed, actor=job.started_by, progress=progress)
        return Outcome(
            url=reverse("assets:feed_import", args=[report.pk]),
            label="Read the import's report: every record refused, where and why",
            summary={
                "Records received": report.received,
                "Stored": report.stored,
                "Already in the register as published": report.unchanged,
                "Refused": report.refused,
            },
        )

    return run_job(job_id, work)
