"""Surveys: composing one, opening and closing it, and receiving a respondent's answers. Every
free-text answer is screened before it is stored and held for a moderator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from web.accounts.models import User
from web.fieldwork.models import (
    Answer,
    Question,
    QuestionKind,
    Survey,
    SurveyResponse,
    TextAnswer,
)
from web.fieldwork.screening import screened
from web.insight import private_link
from web.insight.models import ContributionState, Round, RoundStatus
from web.releases.models import Release


class SurveyNotEditable(ValueError):
    """Questions change only while the survey is a draft: answers name options by position."""


@dataclass(frozen=True)
class SurveyPlan:
    title: str
    intro: str
    recipe: str
    round: Round | None
    opens_on: date
    closes_on: date
    retention_days: int


@dataclass(frozen=True)
class QuestionPlan:
    kind: str
    prompt: str
    hint: str = ""
    options: tuple[str, ...] = ()
    low_label: str = ""
    high_label: str = ""
    required: bool = True


@dataclass(frozen=True)
class Given:
    """A respondent's answers by question, before screening. ``chosen`` holds option
    positions; ``places`` LSOA codes; ``points`` the optional (latitude, longitude) inside a
    place."""

    chosen: dict[int, list[int]] = field(default_factory=dict)
    scales: dict[int, int] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    places: dict[int, str] = field(default_factory=dict)
    points: dict[int, tuple[float, float]] = field(default_factory=dict)


def create_survey(plan: SurveyPlan, actor: User) -> Survey:
    return Survey.objects.create(
        title=plan.title,
        intro=plan.intro,
        recipe=plan.recipe,
        round=plan.round,
        opens_on=plan.opens_on,
        closes_on=plan.closes_on,
        retention_days=plan.retention_days,
        created_by=actor,
    )


def add_question(survey: Survey, plan: QuestionPlan) -> Question:
    if survey.status != RoundStatus.DRAFT:
        raise SurveyNotEditable(survey.pk)
    last = survey.questions.aggregate(last=Max("position"))["last"]
    return Question.objects.create(
        survey=survey,
        position=(last or 0) + 1,
        kind=plan.kind,
        prompt=plan.prompt,
        hint=plan.hint,
        options=list(plan.options) if plan.kind in CHOICE_KINDS else [],
        low_label=plan.low_label if plan.kind == QuestionKind.SCALE else "",
        high_label=plan.high_label if plan.kind == QuestionKind.SCALE else "",
        required=plan.required,
    )


def remove_question(question: Question) -> None:
    if question.survey.status != RoundStatus.DRAFT:
        raise SurveyNotEditable(question.survey_id)
    question.delete()


def set_status(survey: Survey, status: RoundStatus) -> Survey:
    survey.status = status
    survey.save(update_fields=["status"])
    return survey


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


def receive(survey: Survey, given: Given) -> tuple[SurveyResponse, str]:
    """Store one respondent's answers; each free text only as screened and masked, held.
    Returns the response and its private link's key, which is never stored and cannot be
    shown again."""
    key, digest = private_link.new_key()
    with transaction.atomic():
        response = SurveyResponse.objects.create(survey=survey, token_digest=digest)
        _store_answers(response, given)
    return response, key


def change(response: SurveyResponse, given: Given) -> SurveyResponse:
    """The respondent's new answers replace all the old ones: the old free text is deleted,
    the new is screened and held for a moderator again."""
    with transaction.atomic():
        response.answers.all().delete()
        response.text_answers.all().delete()
        _store_answers(response, given)
        response.edited_at = timezone.now()
        response.save(update_fields=["edited_at"])
    return response


def delete_response(response: SurveyResponse) -> None:
    """The respondent's own deletion: the response and every answer go; moderators' decisions
    about its free text stay, naming only the answer's number."""
    with transaction.atomic():
        response.delete()


def _store_answers(response: SurveyResponse, given: Given) -> None:
    for question in response.survey.questions.all():
        key = question.pk
        if question.kind in CHOICE_KINDS and given.chosen.get(key):
            Answer.objects.create(response=response, question=question, chosen=given.chosen[key])
        elif question.kind == QuestionKind.SCALE and key in given.scales:
            Answer.objects.create(response=response, question=question, scale=given.scales[key])
        elif question.kind == QuestionKind.LOCATION and given.places.get(key):
            latitude, longitude = given.points.get(key, (None, None))
            Answer.objects.create(
                response=response,
                question=question,
                lsoa11cd=given.places[key],
                latitude=latitude,
                longitude=longitude,
            )
        elif question.kind == QuestionKind.TEXT and given.texts.get(key, "").strip():
            text = screened("text", given.texts[key])
            TextAnswer.objects.create(
                response=response,
                question=question,
                text=text.masked,
                findings=text.findings,
                state=ContributionState.HELD,
            )


def release_of(survey: Survey) -> Release | None:
    """The recipe's current release: its areas are the places offered, and its disclosure
    threshold protects the published counts."""
    return Release.objects.current(survey.recipe)
