from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from web.governance.forms import AuditTrailFilterForm
from web.governance.models import Event
from web.governance.services import search_events

EVENTS_PER_PAGE = 50


def audit_trail(request: HttpRequest) -> HttpResponse:
    """The governance log, newest first, filtered by the query string. Every filter is
    optional, so the bare address lists every event."""
    form = AuditTrailFilterForm(request.GET)
    events = search_events(form.event_filter()) if form.is_valid() else Event.objects.none()
    paginator = Paginator(events, EVENTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "governance/audit_trail.html",
        {
            "form": form,
            "page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
            "ellipsis": Paginator.ELLIPSIS,
        },
    )
