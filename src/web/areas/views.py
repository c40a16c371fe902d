"""The recipes and, for each, its overview, map, area profiles and list of areas that could use
additional support, from the recipe's current release; and one area across every recipe. Thin:
the work is in ``services``, ``profile``, ``flagged`` and ``across``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from web.accounts.access import PAGES
from web.accounts.models import User
from web.areas import flagged
from web.areas.across import area_across_recipes
from web.areas.forms import MeasureForm, PostcodeForm
from web.areas.measures import MEASURES
from web.areas.profile import profile_page
from web.areas.services import map_data, map_table, release_areas
from web.releases.models import Release

NO_RELEASE = "releases/no_release.html"


def recipe_release(recipe: str) -> Release | None:
    """The recipe's current release; None when it has none now (its pages say so). A recipe
    this site has never listed a release of is not found."""
    release = Release.objects.current(recipe)
    if release is None and not Release.objects.listed().filter(recipe=recipe).exists():
        raise Http404("No results have been published for this topic.")
    return release


def _no_release(request: HttpRequest, recipe: str, page_title: str) -> HttpResponse:
    return render(request, NO_RELEASE, {"page_title": page_title, "recipe": recipe})


def moved(request: HttpRequest, to: str) -> HttpResponse:
    """An address from before there were several recipes: to the recipe's page when one recipe
    has a current release, else to the list of topics to choose from."""
    releases = Release.objects.current_releases()
    if len(releases) == 1:
        return redirect(to, recipe=releases[0].recipe)
    return redirect("areas:recipes")


def recipes(request: HttpRequest) -> HttpResponse:
    return render(request, "areas/recipes.html", {"releases": Release.objects.current_releases()})


def recipe_overview(request: HttpRequest, recipe: str) -> HttpResponse:
    release = recipe_release(recipe)
    if release is None:
        return _no_release(request, recipe, "Topic")
    areas = release_areas(release)
    rows = flagged.sorted_rows(flagged.flagged_rows(release), "rank", descending=False)
    return render(
        request,
        "areas/recipe.html",
        {
            "release": release,
            "area_count": len(areas),
            "rows": rows,
            "postcode_form": PostcodeForm(releases=[release]),
        },
    )


def map_page(request: HttpRequest, recipe: str) -> HttpResponse:
    release = recipe_release(recipe)
    if release is None:
        return _no_release(request, recipe, "Map of need")
    form = MeasureForm(request.GET or None, words=release.words)
    table = map_table(release, MEASURES[form.chosen()])
    return render(
        request,
        "areas/map.html",
        {
            "release": release,
            "form": form,
            "table": table,
            "map_data_url": reverse(
                "areas:map_data", kwargs={"recipe": recipe, "release_id": release.id}
            ),
            "postcode_form": PostcodeForm(releases=[release]),
        },
    )


def map_data_file(request: HttpRequest, recipe: str, release_id: str) -> HttpResponse:
    """The map's GeoJSON for one published release. Its figures never change, but the release
    can be withdrawn, so browsers and proxies keep it only while they ask again each time: the
    answer is a small 304 while it is published, and 404 from the moment it is withdrawn."""
    release = get_object_or_404(Release.objects.public().filter(recipe=recipe), pk=release_id)
    etag = f'"{release.cache_key}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(map_data(release), content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"
    return response


def find_area(request: HttpRequest) -> HttpResponse:
    releases = Release.objects.current_releases()
    if not releases:
        return render(request, NO_RELEASE, {"page_title": "Find your area"})
    form = PostcodeForm(request.GET or None, releases=releases)
    if form.is_bound and form.is_valid():
        return redirect("areas:area", lsoa11cd=form.lsoa11cd)
    return render(request, "areas/find.html", {"form": form})


def area(request: HttpRequest, lsoa11cd: str) -> HttpResponse:
    """The area with every recipe's figures."""
    found = area_across_recipes(lsoa11cd)
    if found is None:
        raise Http404("No current release covers an area with this code.")
    return render(request, "areas/area.html", {"area": found})


def profile(request: HttpRequest, recipe: str, lsoa11cd: str) -> HttpResponse:
    release = recipe_release(recipe)
    page = profile_page(release, lsoa11cd, request) if release is not None else None
    if page is None:
        raise Http404("No area with this code in the current release of this topic.")
    found, sections = page
    return render(
        request,
        "areas/profile.html",
        {
            "release": release,
            "profile": found,
            "sections": sections,
            "may_plan": PAGES["interventions:create"].allows(request.user),
        },
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


def flagged_list(request: HttpRequest, recipe: str) -> HttpResponse:
    release = recipe_release(recipe)
    if release is None:
        return _no_release(request, recipe, "Areas that could use support")
    key, descending = _ordering(request)
    rows = flagged.sorted_rows(flagged.flagged_rows(release), key, descending)
    return render(
        request,
        "areas/flagged.html",
        {
            "release": release,
            "rows": rows,
            "headers": flagged.sort_headers(key, descending, release.words),
            "csv_query": f"?sort={key}&order={'desc' if descending else 'asc'}",
            "area_count": len(release_areas(release)),
        },
    )


def flagged_csv(request: HttpRequest, recipe: str) -> HttpResponse:
    release = recipe_release(recipe)
    if release is None:
        raise Http404("No release of this topic is published now.")
    key, descending = _ordering(request)
    rows = flagged.sorted_rows(flagged.flagged_rows(release), key, descending)
    actor = request.user if isinstance(request.user, User) else None
    response = HttpResponse(
        flagged.export_flagged_csv(release, rows, actor), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{flagged.csv_filename(release)}"'
    return response
