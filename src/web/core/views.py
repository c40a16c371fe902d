from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from web.releases.models import Release


def home(request: HttpRequest) -> HttpResponse:
    """The partnership, finding an area, and every recipe with a current release."""
    return render(request, "core/home.html", {"releases": Release.objects.current_releases()})


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form came back without its security token, usually because the page was open too
    long or cookies are blocked."""
    return render(request, "core/csrf_failure.html", status=HTTPStatus.FORBIDDEN)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, rendered without the request: the fault may lie in what the context
    processors read (the database, the session), so this page reads nothing but settings."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"partnership_name": settings.PARTNERSHIP_NAME}))
