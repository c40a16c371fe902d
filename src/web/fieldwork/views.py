"""Public pages of surveys: answering through the open link, the thank-you page and the
published report. Thin: the work is in ``surveys`` and ``results``. The abuse controls are
validation rounds' (``web.core.abuse``, the same device cookie and limits)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from web.accounts.client_ip import client_ip_address
from web.core.abuse import within_limit
from web.fieldwork import surveys
from web.fieldwork.forms import AnswerForm
from web.fieldwork.models import Survey
from web.fieldwork.results import public_threshold, survey_results
from web.insight.models import RoundStatus
from web.insight.views import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_SECONDS,
    PER_ADDRESS_PER_HOUR,
    PER_DEVICE_PER_ROUND,
    device_id,
)


def _public_survey(survey_id: int) -> Survey:
    """A survey the public may open: not a draft, about a recipe with a published release."""
    survey = get_object_or_404(Survey, pk=survey_id)
    if survey.status == RoundStatus.DRAFT or surveys.release_of(survey) is None:
        raise Http404("No such survey")
    return survey


def _may_send(request: HttpRequest, survey: Survey, device: str) -> bool:
    address = client_ip_address(request) or "unknown"
    return within_limit("survey:address", address, PER_ADDRESS_PER_HOUR, 3600) and within_limit(
        f"survey:device:{survey.pk}", device, PER_DEVICE_PER_ROUND, DEVICE_COOKIE_SECONDS
    )


def answer(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _public_survey(survey_id)
    if not survey.accepting:
        return render(request, "fieldwork/closed.html", {"survey": survey})
    release = surveys.release_of(survey)
    assert release is not None  # _public_survey refuses a survey without one
    form = AnswerForm(request.POST or None, survey=survey, release=release)
    device, new_device = device_id(request)
    if request.method == "POST" and form.is_valid():
        if not _may_send(request, survey, device):
            response = render(request, "fieldwork/throttled.html", {"survey": survey}, status=429)
        else:
            # A robot that filled the hidden box is told it worked, and nothing is kept.
            if not form.is_robot():
                surveys.receive(survey, form.given())
            response = redirect("fieldwork:answered", survey_id=survey.pk)
    else:
        response = render(
            request,
            "fieldwork/answer.html",
            {"form": form, "survey": survey, "release": release},
        )
    if new_device:
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=DEVICE_COOKIE_SECONDS,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


def answered(request: HttpRequest, survey_id: int) -> HttpResponse:
    return render(request, "fieldwork/answered.html", {"survey": _public_survey(survey_id)})


def report(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The survey's published results: counts at or above the release's threshold, and free
    text a moderator published."""
    survey = _public_survey(survey_id)
    threshold = public_threshold(survey)
    assert threshold is not None
    return render(
        request,
        "fieldwork/report.html",
        {
            "survey": survey,
            "threshold": threshold,
            "results": survey_results(survey, threshold),
        },
    )
