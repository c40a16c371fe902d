"""Surveys and fieldwork records for tests, built in code over an imported release."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from web.fieldwork import records, surveys
from web.fieldwork.models import FieldworkKind, FieldworkRecord, QuestionKind, Survey, TextAnswer
from web.insight.models import RoundStatus
from web.insight.tests.factories import round_organiser
from web.releases.models import Release

# One question of each kind, as staff compose them.
QUESTIONS = (
    surveys.QuestionPlan(
        kind=QuestionKind.SINGLE,
        prompt="How often do you use the family centre?",
        options=("Every week", "Now and then", "Never"),
    ),
    surveys.QuestionPlan(
        kind=QuestionKind.MULTIPLE,
        prompt="What would help most?",
        options=("Play sessions", "Advice on feeding", "A bus to the centre"),
    ),
    surveys.QuestionPlan(
        kind=QuestionKind.SCALE,
        prompt="How easy is it to reach services for young children?",
        low_label="Very hard",
        high_label="Very easy",
    ),
    surveys.QuestionPlan(
        kind=QuestionKind.TEXT, prompt="What else should we know?", required=False
    ),
    surveys.QuestionPlan(kind=QuestionKind.LOCATION, prompt="Which area do you live in?"),
)


def make_survey(
    release: Release, *, status: RoundStatus = RoundStatus.OPEN, retention_days: int = 90
) -> Survey:
    """A survey of the release's recipe with one question of each kind, open from yesterday."""
    today = timezone.localdate()
    made = surveys.create_survey(
        surveys.SurveyPlan(
            title="Getting to services for young children",
            intro="Tell us how easy it is to reach the family centre.",
            recipe=release.recipe,
            round=None,
            opens_on=today - timedelta(days=1),
            closes_on=today + timedelta(days=28),
            retention_days=retention_days,
        ),
        round_organiser(),
    )
    for plan in QUESTIONS:
        surveys.add_question(made, plan)
    if status != RoundStatus.DRAFT:
        surveys.set_status(made, status)
    return made


def answer_text(survey: Survey, text: str) -> TextAnswer:
    """One response whose only answer is the free text."""
    question = survey.questions.get(kind=QuestionKind.TEXT)
    surveys.receive(survey, surveys.Given(texts={question.pk: text}))
    return TextAnswer.objects.filter(question=question).latest("pk")


def make_record(
    release: Release, notes: str = "Parents said the bus stops before the centre."
) -> FieldworkRecord:
    return records.write(
        records.Fieldwork(
            kind=FieldworkKind.WORKSHOP,
            held_on=timezone.localdate() - timedelta(days=3),
            place="Family hub, Vange",
            recipe=release.recipe,
            area=None,
            round=None,
            residents=6,
            practitioners=2,
            community_leaders=1,
            consent=("recorded", "summary"),
            notes=notes,
            themes=(),
            retention_days=180,
        ),
        round_organiser(),
    )


def fieldwork_samples(release: Release) -> dict[str, object]:
    """URL parameters pointing at an open survey of ``release``'s recipe, its first question,
    a held free-text answer and a fieldwork record. A respondent's private link needs none: its
    key is a query parameter."""
    survey = make_survey(release)
    return {
        "survey_id": survey.pk,
        "question_id": survey.questions.first().pk,  # type: ignore[union-attr]
        "answer_id": answer_text(survey, "The bus stops too early in the evening.").pk,
        "record_id": make_record(release).pk,
    }
