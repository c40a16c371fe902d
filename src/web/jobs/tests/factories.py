"""Jobs for tests that need one without running its work."""

from __future__ import annotations

from web.accounts.models import User
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.jobs.models import Job, JobState


def job_samples() -> dict[str, object]:
    """URL parameters pointing at a finished job, started by the first partner analyst (in the
    URL walk, the analyst it signs in as; administrators see every job)."""
    starter = User.objects.filter(role=Role.PARTNER_ANALYST).order_by("pk").first()
    job = Job.objects.create(
        kind="feed_import",
        title="Import of services.json",
        started_by=starter or make_user(Role.PARTNER_ANALYST),
        state=JobState.DONE,
        done=2,
        total=2,
        step="Storing the records that meet it",
        summary={"Records received": 2, "Stored": 2, "Refused": 0},
    )
    return {"job_id": job.pk}
