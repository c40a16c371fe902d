"""Staff pages of the asset register: uploading an ORUK feed and reading what became of it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from web.accounts.models import User
from web.assets.feeds import import_feed
from web.assets.forms import FeedUploadForm
from web.assets.models import FeedImport


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
