"""Public pages of the asset register: the directory of services, each service's page, and
reporting that one is wrong. Thin: the work is in ``finder``, ``directory`` and ``reports``.
Staff pages are in ``staff``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from web.accounts.access import may_open
from web.accounts.client_ip import client_ip_address
from web.accounts.models import User
from web.assets.directory import categories, entries, service_page
from web.assets.export import public_records
from web.assets.finder import DirectoryQuery, Found, access_choices, find
from web.assets.forms import DirectorySearchForm, ErrorReportForm, FeedUploadForm
from web.assets.freshness import cached, current_version
from web.assets.maps import KNOWN_DISTRICTS, boundaries, map_points, served_districts
from web.assets.models import FeedImport, Service
from web.assets.reports import may_report, part_choices, receive_report
from web.assets.tasks import KIND, import_feed_task
from web.jobs.services import recent_jobs, start_job

# Services on one page of the directory.
PER_PAGE = 20


def upload(request: HttpRequest) -> HttpResponse:
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["feed"]
        job = start_job(
            import_feed_task,
            kind=KIND,
            title=f"Import of {upload.name}",
            starter=request.user if isinstance(request.user, User) else None,
            upload=upload,
            source=upload.name,
            feed_kind=form.cleaned_data["kind"] or None,
        )
        return redirect("jobs:detail", job_id=job.pk)
    recent = FeedImport.objects.all()[:10]
    jobs = recent_jobs(request.user, KIND)
    return render(request, "assets/upload.html", {"form": form, "recent": recent, "jobs": jobs})


def feed_import(request: HttpRequest, import_id: int) -> HttpResponse:
    report = get_object_or_404(FeedImport, pk=import_id)
    return render(
        request,
        "assets/feed_import.html",
        {"report": report, "refusals": report.refusals.all()[:200]},
    )


def directory(request: HttpRequest) -> HttpResponse:
    """The directory. Its costly parts, the filters' choices and the page's body (the filters
    as asked and the results), are kept in the shared cache under the register's version
    (``freshness``): drawn once per query and page until the register next changes. The rest
    of the page (errors, who is signed in) is drawn for each request."""
    version = current_version()
    kinds, access = cached("choices", version, (), lambda: (categories(), access_choices()))
    form = DirectorySearchForm(request.GET or None, categories=kinds, access=access)
    query = form.query() if form.is_bound and form.is_valid() else DirectoryQuery()
    if form.errors:
        body = _body(request, form, query, [])
    else:
        # The whole query string: the form shows it and the page links repeat it.
        asked = sorted(request.GET.lists())
        body = cached("directory", version, asked, lambda: _body(request, form, query, find(query)))
    return render(
        request,
        "assets/directory.html",
        {"form": form, "body": body, "staff": may_open(request.user, "assets:staff")},
    )


def _body(
    request: HttpRequest, form: DirectorySearchForm, query: DirectoryQuery, found: list[Found]
) -> str:
    """The filters as asked, and the results: how many, the map of the page's places, the
    page of services and the links to the other pages."""
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    shown = entries(page.object_list)
    points = map_points(shown, query.postcode)
    return render_to_string(
        "assets/includes/directory_body.html",
        {
            "form": form,
            "page": page,
            "entries": shown,
            "query": query,
            "points": points,
            "districts": ",".join(served_districts()) if points["places"] else "",
        },
        request=request,
    )


def map_boundaries(request: HttpRequest) -> HttpResponse:
    """The directory map's background: the small areas of the districts named (codes the
    geography knows; others are left out). The same address always gives the same bytes."""
    wanted = tuple(sorted(set(request.GET.get("districts", "").split(",")) & KNOWN_DISTRICTS))
    response = HttpResponse(boundaries(wanted), content_type="application/json")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _public_service(service_id: str) -> Service:
    service: Service = get_object_or_404(public_records("service"), pk=service_id)
    return service


def service(request: HttpRequest, service_id: str) -> HttpResponse:
    found = _public_service(service_id)
    return render(
        request,
        "assets/service.html",
        {"page": service_page(found, timezone.localdate())},
    )


def report(request: HttpRequest, service_id: str) -> HttpResponse:
    found = _public_service(service_id)
    form = ErrorReportForm(request.POST or None, parts=part_choices(found))
    if request.method == "POST" and form.is_valid():
        if not may_report(client_ip_address(request)):
            return render(request, "assets/report_throttled.html", {"service": found}, status=429)
        # A robot that filled the hidden box is told it worked, and nothing is kept.
        if not form.is_robot():
            receive_report(found, form.cleaned_data["part"], form.cleaned_data["what_is_wrong"])
        return redirect("assets:report_sent", service_id=found.pk)
    return render(request, "assets/report.html", {"form": form, "service": found})


def report_sent(request: HttpRequest, service_id: str) -> HttpResponse:
    return render(request, "assets/report_sent.html", {"service": _public_service(service_id)})
