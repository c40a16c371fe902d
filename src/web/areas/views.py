"""The map, the area profile and the list of areas that could use additional support, from
the current release. Thin: the work is in ``services``, ``profile`` and ``flagged``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from web.accounts.models import User
from web.areas import flagged
from web.areas.forms import MeasureForm, PostcodeForm
from web.areas.measures import MEASURES
from web.areas.profile import profile_page
from web.areas.services import map_data, map_table, release_areas
from web.releases.models import Release

NO_RELEASE = "releases/no_release.html"


def map_page(request: HttpRequest) -> HttpResponse:
    release = Release.objects.current()
    if release is None:
        return render(request, NO_RELEASE, {"page_title": "Map of need"})
    form = MeasureForm(request.GET or None)
    table = map_table(release, MEASURES[form.chosen()])
    return render(
        request,
        "areas/map.html",
        {
            "release": release,
            "form": form,
            "table": table,
            "map_data_url": reverse("areas:map_data", kwargs={"release_id": release.id}),
            "postcode_form": PostcodeForm(release=release),
        },
    )


def map_data_file(request: HttpRequest, release_id: str) -> HttpResponse:
    """The map's GeoJSON for one published release. Its figures never change, but the release
    can be withdrawn, so browsers and proxies keep it only while they ask again each time: the
    answer is a small 304 while it is published, and 404 from the moment it is withdrawn."""
    release = get_object_or_404(Release.objects.public(), pk=release_id)
    etag = f'"{release.cache_key}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(map_data(release), content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"
    return response


def find_area(request: HttpRequest) -> HttpResponse:
    release = Release.objects.current()
    if release is None:
        return render(request, NO_RELEASE, {"page_title": "Find your area"})
    form = PostcodeForm(request.GET or None, release=release)
    if form.is_bound and form.is_valid():
        return redirect("areas:profile", lsoa11cd=form.lsoa11cd)
    return render(request, "areas/find.html", {"release": release, "form": form})


def profile(request: HttpRequest, lsoa11cd: str) -> HttpResponse:
    release = Release.objects.current()
    page = profile_page(release, lsoa11cd, request) if release is not None else None
    if page is None:
        raise Http404("No area with this code in the current release.")
    found, sections = page
    return render(
        request,
        "areas/profile.html",
        {"release": release, "profile": found, "sections": sections},
    )


def _ordering(request: HttpRequest) -> tuple[str, bool]:
    key = request.GET.get("sort", flagged.DEFAULT_SORT)
    if key not in flagged.SORT_KEYS:
        key = flagged.DEFAULT_SORT
    order = request.GET.get("order", "")
    descending = (
        order == "desc" if order in {"asc", "desc"} else flagged.SORT_KEYS[key].descending_first
    )
    return key, descending


def flagged_list(request: HttpRequest) -> HttpResponse:
    release = Release.objects.current()
    if release is None:
        return render(request, NO_RELEASE, {"page_title": "Areas that could use support"})
    key, descending = _ordering(request)
    rows = flagged.sorted_rows(flagged.flagged_rows(release), key, descending)
    return render(
        request,
        "areas/flagged.html",
        {
            "release": release,
            "rows": rows,
            "headers": flagged.sort_headers(key, descending),
            "csv_query": f"?sort={key}&order={'desc' if descending else 'asc'}",
            "area_count": len(release_areas(release)),
        },
    )


def flagged_csv(request: HttpRequest) -> HttpResponse:
    release = Release.objects.current()
    if release is None:
        raise Http404("No release has been published yet.")
    key, descending = _ordering(request)
    rows = flagged.sorted_rows(flagged.flagged_rows(release), key, descending)
    actor = request.user if isinstance(request.user, User) else None
    response = HttpResponse(
        flagged.export_flagged_csv(release, rows, actor), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{flagged.csv_filename(release)}"'
    return response
