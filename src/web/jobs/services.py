"""Starting a job and running one. A kind of job is one task function: it calls ``run_job``
with the work to do, which reports its progress and returns its ``Outcome``, or raises
``JobFailed`` saying what was wrong and what to do.

    @task()
    def import_feed_task(job_id: int, path: str) -> dict[str, Any]:
        return run_job(job_id, lambda job, progress: ...)

    job = start_job(import_feed_task, kind="feed_import", title=..., starter=user, upload=file)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.text import get_valid_filename
from django_tasks.base import Task

from web.accounts.models import User
from web.accounts.roles import Role
from web.jobs.models import Job, JobState
from web.jobs.progress import JobProgress, Progress


class JobFailed(Exception):
    """The work cannot be done as asked; the message, shown on the job's page, says what was
    wrong (file, row, field) and what to do. It names no person."""


@dataclass(frozen=True)
class Outcome:
    """What finished work shows: labelled counts, and where to read the rest."""

    url: str
    label: str
    summary: dict[str, int | str] = field(default_factory=dict)


# The work of a job: given the job (who started it) and where to report its progress.
Work = Callable[[Job, Progress], Outcome]

UNEXPECTED = (
    "The job stopped on an error this service did not expect. "
    "Try again, and if it stops again, tell the administrator (job {job_id}: the error is "
    "in the worker's log)."
)


def upload_folder(job_id: int) -> Path:
    """Where a job's upload waits until the job has read it."""
    return Path(settings.UPLOAD_DIR) / f"job-{job_id}"


def start_job(
    task: Task[..., Any],
    *,
    kind: str,
    title: str,
    starter: User | None,
    upload: UploadedFile[bytes] | None = None,
    **arguments: Any,
) -> Job:
    """Record the job, keep its upload (passed to the task as ``path``) and queue the task with
    the job's id first."""
    job = Job.objects.create(kind=kind, title=title[:300], started_by=starter)
    if upload is not None:
        folder = upload_folder(job.pk)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _file_name(upload.name)
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        arguments["path"] = str(path)
    result = task.enqueue(job.pk, **arguments)
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
    job.refresh_from_db()
    return job


def _file_name(name: str | None) -> str:
    """The upload's name made safe for a file; the task is told the name as uploaded."""
    try:
        return get_valid_filename(Path(name or "upload").name)
    except SuspiciousFileOperation:
        return "upload"


def run_job(job_id: int, work: Work) -> dict[str, Any]:
    """Run ``work`` for the job, writing its progress and how it ended; the job's upload is
    removed whatever happens. Returns the task's result: the job's id, state and summary."""
    Job.objects.filter(pk=job_id).update(state=JobState.RUNNING)
    try:
        outcome = work(Job.objects.get(pk=job_id), JobProgress(job_id))
    except JobFailed as failure:
        _finish(job_id, state=JobState.FAILED, error=str(failure))
        return {"job": job_id, "state": JobState.FAILED.value}
    except Exception:
        # Kept in the task's result and the worker's log; the page says only what to do.
        _finish(job_id, state=JobState.FAILED, error=UNEXPECTED.format(job_id=job_id))
        raise
    finally:
        shutil.rmtree(upload_folder(job_id), ignore_errors=True)
    _finish(
        job_id,
        state=JobState.DONE,
        summary=outcome.summary,
        result_url=outcome.url,
        result_label=outcome.label,
    )
    return {"job": job_id, "state": JobState.DONE.value, "summary": outcome.summary}


def _finish(job_id: int, **fields: Any) -> None:
    Job.objects.filter(pk=job_id).update(finished_at=timezone.now(), **fields)


def may_see_every_job(user: User | AnonymousUser) -> bool:
    return isinstance(user, User) and user.is_active and user.role == Role.ADMINISTRATOR


def may_see(user: User | AnonymousUser, job: Job) -> bool:
    """The person who started a job sees it, and administrators see every job."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return job.started_by_id == user.pk or may_see_every_job(user)


def recent_jobs(user: User | AnonymousUser, kind: str, count: int = 10) -> list[Job]:
    """The newest jobs of ``kind`` that ``user`` may see, for the page that starts them."""
    if not isinstance(user, User) or not user.is_active:
        return []
    jobs = Job.objects.filter(kind=kind).select_related("started_by")
    if not may_see_every_job(user):
        jobs = jobs.filter(started_by=user)
    return list(jobs[:count])
