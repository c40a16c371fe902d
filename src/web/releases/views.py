"""Release history: every published or withdrawn release, what each holds and what changed
between two of the same recipe; analysts choose which published release of a recipe its pages
show (a rollback). Custodians review imported drafts, publish them, and withdraw a published
release found unsafe."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from web.accounts.access import may_open
from web.accounts.models import User
from web.jobs.services import recent_jobs, start_job
from web.releases.comparison import area_counts, compare_releases, release_before
from web.releases.forms import CompareForm, PublishForm, ReleaseUploadForm, WithdrawForm
from web.releases.lifecycle import (
    TransitionRefused,
    publish_release,
    set_current_release,
    withdraw_release,
)
from web.releases.models import Release, ReleaseStatus
from web.releases.tasks import KIND, import_release_task


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def history(request: HttpRequest) -> HttpResponse:
    releases = list(Release.objects.listed())
    published = [release for release in releases if release.is_public]
    counts = area_counts(published)
    rows = [(release, *counts.get(release.id, (0, 0))) for release in releases]
    initial = {}
    pair = _latest_pair(published)
    if pair is not None:
        initial = {"earlier": pair[1].id, "later": pair[0].id}
    form = CompareForm(releases=published, initial=initial)
    may_review = may_open(request.user, "releases:drafts")
    return render(
        request,
        "releases/history.html",
        {
            "rows": rows,
            "form": form,
            "comparable": pair is not None,
            "may_upload": may_open(request.user, "releases:upload"),
            "drafts": Release.objects.filter(status=ReleaseStatus.DRAFT).count()
            if may_review
            else None,
        },
    )


def upload(request: HttpRequest) -> HttpResponse:
    """Upload a zipped release; a worker verifies and imports it while the job's page shows how
    far it has gone."""
    form = ReleaseUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        archive = form.cleaned_data["release"]
        job = start_job(
            import_release_task,
            kind=KIND,
            title=f"Import of the release {archive.name}",
            starter=_actor(request),
            upload=archive,
            source=archive.name,
        )
        return redirect("jobs:detail", job_id=job.pk)
    return render(
        request, "releases/upload.html", {"form": form, "jobs": recent_jobs(request.user, KIND)}
    )


def _latest_pair(published: list[Release]) -> tuple[Release, Release] | None:
    """The two newest published releases of the recipe published most recently, if it has two:
    only releases of one recipe compare."""
    for newest in published:
        same = [release for release in published if release.recipe == newest.recipe]
        if len(same) >= 2:
            return same[0], same[1]
    return None


def detail(request: HttpRequest, release_id: str) -> HttpResponse:
    release = get_object_or_404(Release.objects.listed(), pk=release_id)
    if release.status == ReleaseStatus.WITHDRAWN:
        return render(request, "releases/withdrawn.html", {"release": release})
    previous = release_before(release)
    return render(
        request,
        "releases/detail.html",
        {
            "release": release,
            "manifest": release.manifest,
            "files": sorted(release.manifest.get("files", {}).items()),
            "previous": previous,
            "comparison": compare_releases(previous, release) if previous else None,
            "counts": area_counts([release]).get(release.id, (0, 0)),
            "may_make_current": not release.is_current
            and may_open(request.user, "releases:make_current"),
            "may_withdraw": may_open(request.user, "releases:withdraw"),
        },
    )


def compare(request: HttpRequest) -> HttpResponse:
    releases = list(Release.objects.public())
    form = CompareForm(request.GET or None, releases=releases)
    comparison = None
    if form.is_bound and form.is_valid():
        comparison = compare_releases(*form.chosen())
    return render(
        request,
        "releases/compare.html",
        {"form": form, "comparison": comparison, "enough": len(releases) >= 2},
    )


@require_POST
def make_current(request: HttpRequest, release_id: str) -> HttpResponse:
    release = get_object_or_404(Release.objects.public(), pk=release_id)
    set_current_release(release.id, actor=_actor(request))
    messages.success(
        request,
        f"Every page of {release.recipe_title.lower()} now shows {release.title} ({release.id}).",
    )
    return redirect("releases:detail", release_id=release.id)


def drafts(request: HttpRequest) -> HttpResponse:
    releases = list(Release.objects.filter(status=ReleaseStatus.DRAFT))
    counts = area_counts(releases)
    rows = [(release, *counts.get(release.id, (0, 0))) for release in releases]
    return render(request, "releases/drafts.html", {"rows": rows})


def _earlier_format(release: Release) -> str:
    return (
        f"This release was imported under release format {release.format_version}, which gives "
        "the pages no words for its figures, so it cannot be published. Ask the analyst to "
        "publish the run again with this version of Bakehouse and import that release."
    )


def publish(request: HttpRequest, release_id: str) -> HttpResponse:
    release = get_object_or_404(Release.objects.filter(status=ReleaseStatus.DRAFT), pk=release_id)
    form = PublishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not release.is_current_format:
        form.add_error(None, _earlier_format(release))
    elif request.method == "POST" and form.is_valid():
        try:
            publish_release(release.id, actor=_actor(request))
        except TransitionRefused as refusal:  # published by someone else meanwhile
            raise Http404(str(refusal)) from None
        messages.success(
            request,
            f"Published: every page of {release.recipe_title.lower()} now shows {release.title}.",
        )
        return redirect("releases:detail", release_id=release.id)
    return render(
        request,
        "releases/publish.html",
        {
            "release": release,
            "manifest": release.manifest,
            "form": form,
            "counts": area_counts([release]).get(release.id, (0, 0)),
        },
    )


def withdraw(request: HttpRequest, release_id: str) -> HttpResponse:
    release = get_object_or_404(Release.objects.public(), pk=release_id)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_release(release.id, reason=form.cleaned_data["reason"], actor=_actor(request))
        except TransitionRefused as refusal:
            raise Http404(str(refusal)) from None
        messages.success(request, f"Withdrawn: {release.title} is no longer shown anywhere.")
        return redirect("releases:detail", release_id=release.id)
    return render(request, "releases/withdraw.html", {"release": release, "form": form})
