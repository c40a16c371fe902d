"""Pages of the asset register: the public directory of services, and for staff, uploading an
ORUK feed and reading what became of it."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from web.accounts.models import User
from web.assets.directory import categories, entries
from web.assets.feeds import import_feed
from web.assets.forms import DirectorySearchForm, FeedUploadForm
from web.assets.models import FeedImport
from web.assets.search import services_matching

# Services on one page of the directory.
PER_PAGE = 20


def upload(request: HttpRequest) -> HttpResponse:
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        actor = request.user if isinstance(request.user, User) else None
        report = import_feed(form.parsed_feed(), actor=actor)
        return redirect("assets:feed_import", import_id=report.pk)
    recent = FeedImport.objects.all()[:10]
    return render(request, "assets/upload.html", {"form": form, "recent": recent})


def feed_import(request: HttpRequest, import_id: int) -> HttpResponse:
    report = get_object_or_404(FeedImport, pk=import_id)
    return render(
        request,
        "assets/feed_import.html",
        {"report": report, "refusals": report.refusals.all()[:200]},
    )


def directory(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None, categories=categories())
    wanted = {"search": "", "taxonomy_term_id": ""}
    if form.is_bound and form.is_valid():
        wanted = {
            "search": form.cleaned_data["search"],
            "taxonomy_term_id": form.cleaned_data["category"],
        }
    found = services_matching(wanted).select_related("organization")
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assets/directory.html",
        {
            "form": form,
            "page": page,
            "entries": entries(page.object_list),
        },
    )
