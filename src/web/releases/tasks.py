"""Importing an uploaded release as a background job: the upload page queues it, a worker
unpacks and verifies it step by step (the job's page shows each), and imports it as a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse
from django_tasks import task

from web.jobs.models import Job
from web.jobs.progress import Progress
from web.jobs.services import JobFailed, Outcome, run_job
from web.releases.importer import import_release
from web.releases.trust import Trust
from web.releases.unpack import unpack_release
from web.releases.verification import ReleaseRefused

KIND = "release_import"


@task()
def import_release_task(job_id: int, path: str, source: str) -> dict[str, Any]:
    """Unpack the zipped release kept at ``path`` (uploaded as ``source``) and import it."""

    def work(job: Job, progress: Progress) -> Outcome:
        archive = Path(path)
        try:
            folder = unpack_release(
                archive, archive.parent / "release", source, Trust.from_settings()
            )
            release = import_release(folder, actor=job.started_by, progress=progress)
        except ReleaseRefused as refusal:
            raise JobFailed(refused(source, refusal)) from None
        return Outcome(
            url=reverse("releases:publish", args=[release.pk]),
            label="Review and publish it (custodians)",
            summary={
                "Release": release.pk,
                "Title": release.title,
                "Areas": release.areas.count(),
                "Flagged": release.areas.filter(flagged=True).count(),
                "Signed by key": release.signed_by,
                "Status": "a draft: nobody outside the custodians sees it until a custodian "
                "publishes it",
            },
        )

    return run_job(job_id, work)


def refused(source: str, refusal: ReleaseRefused) -> str:
    """Every problem, without the server's folder the upload was unpacked into."""
    listed = "\n".join(f"- {problem}" for problem in refusal.problems)
    return (
        f"The release {source} was refused and nothing of it was stored "
        f"({len(refusal.problems)} problem(s)):\n{listed}"
    )
