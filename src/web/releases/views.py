"""Release history: every imported release, what each holds and what changed between two.
Analysts and administrators can choose which release the pages show (a rollback)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from web.accounts.access import may_open
from web.accounts.models import User
from web.releases.comparison import area_counts, compare_releases, release_before
from web.releases.forms import CompareForm
from web.releases.importer import set_current_release
from web.releases.models import Release


def history(request: HttpRequest) -> HttpResponse:
    releases = list(Release.objects.all())
    counts = area_counts(releases)
    rows = [(release, *counts.get(release.id, (0, 0))) for release in releases]
    initial = {}
    if len(releases) >= 2:
        initial = {"earlier": releases[1].id, "later": releases[0].id}
    form = CompareForm(releases=releases, initial=initial)
    return render(request, "releases/history.html", {"rows": rows, "form": form})


def detail(request: HttpRequest, release_id: str) -> HttpResponse:
    release = get_object_or_404(Release, pk=release_id)
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
        },
    )


def compare(request: HttpRequest) -> HttpResponse:
    releases = list(Release.objects.all())
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
    release = get_object_or_404(Release, pk=release_id)
    actor = request.user if isinstance(request.user, User) else None
    set_current_release(release.id, actor=actor)
    messages.success(request, f"Every page now shows {release.title} ({release.id}).")
    return redirect("releases:detail", release_id=release.id)
