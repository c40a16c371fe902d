"""A job's page: its progress while it runs, then how it ended. Asked again by htmx every two
seconds while the job runs, it answers with the status alone (nothing when nothing changed since
the version the page shows), and stops the asking once the job has finished; without
JavaScript, a link refreshes the page."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django_htmx.http import HttpResponseStopPolling

from web.jobs.models import Job
from web.jobs.services import may_see, may_see_every_job


def detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    if not may_see(request.user, job):
        raise PermissionDenied("Only the person who started a job and administrators see it.")
    # Administrators find the job's task in the worker's log by its id.
    context = {"job": job, "show_task": may_see_every_job(request.user)}
    if getattr(request, "htmx", False):
        if not job.finished and request.GET.get("seen") == job.version:
            # Nothing new: htmx swaps nothing, so a screen reader announces nothing.
            return HttpResponse(status=HTTPStatus.NO_CONTENT)
        response = render(request, "jobs/includes/status.html", context)
        if job.finished:
            return HttpResponseStopPolling(response.content)
        return response
    return render(request, "jobs/job.html", context)
