"""The need-and-provision page of a recipe and its download. Thin: the work is in ``need``."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from web.accounts.models import User
from web.areas.views import recipe_release
from web.assets.need import NeedAnalysis, csv_rows, need_analysis, need_rows
from web.assets.need_map import need_map, need_map_data
from web.governance.models import Action
from web.governance.services import record_event
from web.releases.models import Release

NO_RELEASE = "releases/no_release.html"
PAGE_TITLE = "Need and provision"


def _analysis(recipe: str) -> tuple[Release | None, NeedAnalysis | None]:
    release = recipe_release(recipe)
    return release, need_analysis(release) if release is not None else None


def need_page(request: HttpRequest, recipe: str) -> HttpResponse:
    release, analysis = _analysis(recipe)
    if release is None:
        return render(request, NO_RELEASE, {"page_title": PAGE_TITLE, "recipe": recipe})
    rows = need_rows(analysis) if analysis is not None else []
    return render(
        request,
        "assets/need.html",
        {
            "release": release,
            "analysis": analysis,
            "rows": rows,
            "map": need_map(analysis) if analysis is not None else None,
        },
    )


def need_csv(request: HttpRequest, recipe: str) -> HttpResponse:
    release, analysis = _analysis(recipe)
    if release is None or analysis is None:
        raise Http404("No need-and-provision figures are published for this topic now.")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    rows = list(csv_rows(analysis))
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    filename = f"need-and-provision-{release.id}.csv"
    actor = request.user if isinstance(request.user, User) else None
    record_event(
        Action.DATA_EXPORTED,
        actor=actor,
        subject=release,
        detail={"download": filename, "recipe": release.recipe, "rows": len(rows) - 2},
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def need_map_file(request: HttpRequest, recipe: str, release_id: str) -> HttpResponse:
    release, analysis = _analysis(recipe)
    if release is None or analysis is None or release.id != release_id:
        raise Http404("No map data for this release of this topic.")
    return HttpResponse(need_map_data(analysis), content_type="application/json")
