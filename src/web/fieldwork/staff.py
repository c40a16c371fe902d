"""Staff pages: fieldwork records, composing surveys, their results, and moderating survey
answers and fieldwork notes with insight's moderation (one queue, one decision log). Thin: the
work is in ``records``, ``surveys``, ``results`` and ``web.insight.moderation``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from web.accounts.models import User
from web.fieldwork import records, surveys
from web.fieldwork.forms import FieldworkForm, MaskForm, QuestionForm, SurveyForm
from web.fieldwork.models import FieldworkRecord, Question, Survey, TextAnswer
from web.fieldwork.results import survey_results
from web.insight import moderation
from web.insight.forms import ApproveForm, RejectForm
from web.insight.models import ContributionState, RejectReason, RoundStatus


def _staff(request: HttpRequest) -> User:
    # The access table lets only signed-in staff roles here.
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def record_list(request: HttpRequest) -> HttpResponse:
    found = FieldworkRecord.objects.all()
    return render(request, "fieldwork/staff/records.html", {"records": found})


def _fieldwork(form: FieldworkForm) -> records.Fieldwork:
    data = form.cleaned_data
    return records.Fieldwork(
        kind=data["kind"],
        held_on=data["held_on"],
        place=data["place"],
        recipe=data["recipe"],
        area=form.chosen_area(),
        round=data["round"],
        residents=data["residents"],
        practitioners=data["practitioners"],
        community_leaders=data["community_leaders"],
        consent=tuple(data["consent"]),
        notes=None if form.kept_notes else data["notes"],
        themes=tuple(data["themes"]),
        retention_days=data["retention_days"],
    )


def record_create(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    form = FieldworkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = records.write(_fieldwork(form), actor)
        messages.success(request, "Record saved. Its notes wait for a moderator.")
        return redirect("fieldwork:record", record_id=made.pk)
    return render(request, "fieldwork/staff/record_form.html", {"form": form, "record": None})


def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    record = get_object_or_404(FieldworkRecord.objects.select_related("written_by"), pk=record_id)
    return render(
        request,
        "fieldwork/staff/record.html",
        {
            "record": record,
            "may_read_notes": records.may_read_notes(record, _staff(request)),
            "themes": record.themes.all(),
        },
    )


def record_edit(request: HttpRequest, record_id: int) -> HttpResponse:
    record = get_object_or_404(FieldworkRecord, pk=record_id)
    # Staff who may not read the held notes change the rest and leave the notes as they are.
    kept_notes = bool(record.notes) and not records.may_read_notes(record, _staff(request))
    initial: dict[str, Any] = {
        "kind": record.kind,
        "held_on": record.held_on,
        "place": record.place,
        "recipe": record.recipe,
        "area": f"{record.recipe}:{record.lsoa11cd}" if record.lsoa11cd else "",
        "round": record.round_id,
        "residents": record.residents,
        "practitioners": record.practitioners,
        "community_leaders": record.community_leaders,
        "consent": record.consent,
        "notes": "" if kept_notes else record.notes,
        "themes": list(record.themes.all()),
        "retention_days": record.retention_days,
    }
    form = FieldworkForm(request.POST or None, initial=initial, kept_notes=kept_notes)
    if request.method == "POST" and form.is_valid():
        records.change(record, _fieldwork(form))
        messages.success(
            request,
            "Record changed." if kept_notes else "Record changed. Its notes wait for a moderator.",
        )
        return redirect("fieldwork:record", record_id=record.pk)
    return render(request, "fieldwork/staff/record_form.html", {"form": form, "record": record})


def survey_list(request: HttpRequest) -> HttpResponse:
    found = Survey.objects.annotate(
        received=Count("responses", distinct=True),
        held=Count(
            "questions__text_answers",
            filter=Q(questions__text_answers__state=ContributionState.HELD),
            distinct=True,
        ),
    )
    return render(request, "fieldwork/staff/surveys.html", {"surveys": found})


def survey_create(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = surveys.create_survey(
            surveys.SurveyPlan(
                title=data["title"],
                intro=data["intro"],
                recipe=data["recipe"],
                round=data["round"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                retention_days=data["retention_days"],
            ),
            actor,
        )
        messages.success(request, "Survey created. Add its questions, then open it.")
        return redirect("fieldwork:survey", survey_id=made.pk)
    return render(request, "fieldwork/staff/survey_create.html", {"form": form})


def survey_detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=survey_id)
    form = QuestionForm(request.POST or None)
    if request.method == "POST":
        if survey.status != RoundStatus.DRAFT:
            return HttpResponse("Questions change only while the survey is a draft.", status=409)
        if form.is_valid():
            data = form.cleaned_data
            surveys.add_question(
                survey,
                surveys.QuestionPlan(
                    kind=data["kind"],
                    prompt=data["prompt"],
                    hint=data["hint"],
                    options=data["options"],
                    low_label=data["low_label"],
                    high_label=data["high_label"],
                    required=data["required"],
                ),
            )
            messages.success(request, "Question added.")
            return redirect("fieldwork:survey", survey_id=survey.pk)
    return render(
        request,
        "fieldwork/staff/survey.html",
        {
            "survey": survey,
            "questions": survey.questions.all(),
            "form": form,
            "open_link": request.build_absolute_uri(reverse("fieldwork:answer", args=[survey.pk])),
        },
    )


@require_POST
def question_remove(request: HttpRequest, question_id: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.select_related("survey"), pk=question_id)
    try:
        surveys.remove_question(question)
    except surveys.SurveyNotEditable:
        return HttpResponse("Questions change only while the survey is a draft.", status=409)
    messages.success(request, "Question removed.")
    return redirect("fieldwork:survey", survey_id=question.survey_id)


@require_POST
def survey_status(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=survey_id)
    wanted = request.POST.get("status", "")
    if wanted in (RoundStatus.OPEN, RoundStatus.CLOSED) and wanted != survey.status:
        if wanted == RoundStatus.OPEN and not survey.questions.exists():
            messages.error(request, "Add a question before opening the survey.")
        else:
            surveys.set_status(survey, RoundStatus(wanted))
            messages.success(request, f"The survey is {RoundStatus(wanted).label.lower()}.")
    return redirect("fieldwork:survey", survey_id=survey.pk)


def survey_results_page(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=survey_id)
    return render(
        request,
        "fieldwork/staff/results.html",
        {
            "survey": survey,
            "received": survey.responses.count(),
            "results": survey_results(survey, None),
        },
    )


def _moderate(
    request: HttpRequest, item: TextAnswer | FieldworkRecord, context: dict[str, Any]
) -> HttpResponse:
    """Approve, reject or hide more in one item, with insight's moderation."""
    forms = {
        "approve": ApproveForm(prefix="approve"),
        "reject": RejectForm(prefix="reject"),
        "mask": MaskForm(prefix="mask"),
    }
    if request.method == "POST":
        actor = _staff(request)
        action = request.POST.get("action", "")
        if action in forms:
            form = type(forms[action])(request.POST, prefix=action)
            forms[action] = form
            if form.is_valid():
                data = form.cleaned_data
                if action == "approve":
                    moderation.approve(item, actor, data["note"])
                    messages.success(request, "Published.")
                    return redirect("insight:queue")
                if action == "reject":
                    moderation.reject(item, actor, RejectReason(data["reason"]), data["note"])
                    messages.success(request, "It will not be published.")
                    return redirect("insight:queue")
                field = item.text_fields[0]
                try:
                    moderation.mask(item, actor, field, data["words"], data["kind"])
                except moderation.NotInText:
                    form.add_error("words", "These words are not in the text")
                else:
                    messages.success(request, "Hidden.")
                    return redirect(request.path)
    return render(
        request,
        "fieldwork/staff/moderate.html",
        {"item": item, "text": getattr(item, item.text_fields[0]), "forms": forms, **context},
    )


def moderate_answer(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = get_object_or_404(
        TextAnswer.objects.select_related("question__survey", "response"), pk=answer_id
    )
    return _moderate(
        request,
        answer,
        {
            "title": f"Survey answer {answer.pk}",
            "about": f"{answer.question.survey.title}: {answer.question.prompt}",
            "received_at": answer.response.received_at,
        },
    )


def moderate_record(request: HttpRequest, record_id: int) -> HttpResponse:
    record = get_object_or_404(FieldworkRecord, pk=record_id)
    return _moderate(
        request,
        record,
        {
            "title": f"Fieldwork notes {record.pk}",
            "about": str(record),
            "received_at": record.edited_at or record.written_at,
        },
    )
