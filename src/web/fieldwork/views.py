"""Public pages of surveys: answering through the open link, the thank-you page with the
respondent's private link, the pages that link opens, and the published report. Thin: the
work is in ``surveys``, ``respondent`` and ``results``. The abuse controls and the private link
are validation rounds' (``web.core.abuse``, the same device cookie and limits;
``web.insight.private_link``)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from web.accounts.client_ip import client_ip_address
from web.core.abuse import within_limit
from web.fieldwork import respondent, surveys
from web.fieldwork.forms import AnswerForm
from web.fieldwork.models import Survey, SurveyResponse
from web.fieldwork.results import public_threshold, survey_results
from web.insight import private_link
from web.insight.models import RoundStatus
from web.insight.views import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_SECONDS,
    PER_ADDRESS_PER_HOUR,
    PER_DEVICE_PER_ROUND,
    device_id,
)

# Where the thank-you page finds the private link's key, once.
NEW_KEY = private_link.OnceInSession("survey_new_key")


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
                _, key = surveys.receive(survey, form.given())
                NEW_KEY.keep(request, key)
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
    survey = _public_survey(survey_id)
    key = NEW_KEY.take(request)
    links = private_links(key) if key else None
    return render(request, "fieldwork/answered.html", {"survey": survey, "links": links})


def private_links(key: str) -> dict[str, str]:
    return private_link.links("fieldwork:response", "fieldwork:delete_response", key)


def _own(request: HttpRequest) -> tuple[SurveyResponse, str] | None:
    """The response the link's key opens; None when the link has no key or a key that opens
    nothing (a mistyped or deleted link): both are told to open the link they were given."""
    key = private_link.key_given(request)
    found = respondent.find_by_key(key) if key else None
    return (found, key) if found is not None else None


def _no_link(request: HttpRequest) -> HttpResponse:
    # A key that opens nothing is not found; no key at all is a question, answered.
    status = 404 if private_link.key_given(request) else 200
    return render(request, "fieldwork/no_link.html", status=status)


@require_http_methods(["GET", "POST"])
def your_answers(request: HttpRequest) -> HttpResponse:
    """The respondent's own answers: what is kept (free text masked), and changing them while
    the survey is open."""
    opened = _own(request)
    if opened is None:
        return _no_link(request)
    own, key = opened
    survey = own.survey
    release = surveys.release_of(survey)
    form = None
    if survey.accepting and release is not None:
        form = AnswerForm(
            request.POST or None,
            survey=survey,
            release=release,
            ask_consent=False,
            initial=respondent.initial_answers(own),
        )
        if request.method == "POST" and form.is_valid():
            surveys.change(own, form.given())
            return redirect(private_links(key)["view"])
    elif request.method == "POST":
        return HttpResponse(status=405)
    return render(
        request,
        "fieldwork/response.html",
        {
            "own": own,
            "survey": survey,
            "release": release,
            "kept": respondent.kept_answers(own),
            "form": form,
            "links": private_links(key),
        },
    )


@require_http_methods(["GET", "POST"])
def delete_your_answers(request: HttpRequest) -> HttpResponse:
    opened = _own(request)
    if opened is None:
        return _no_link(request)
    own, key = opened
    if request.method == "POST":
        survey = own.survey
        surveys.delete_response(own)
        return render(request, "fieldwork/deleted.html", {"survey": survey})
    return render(request, "fieldwork/delete.html", {"own": own, "links": private_links(key)})


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
