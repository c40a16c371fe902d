"""Staff compose a survey with questions of every kind; respondents answer through the open
link without an account, under the rounds' abuse controls; staff see every count and the public
only counts at or above the release's disclosure threshold."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from shapely.geometry import shape

from web.accounts.roles import Role
from web.fieldwork import surveys
from web.fieldwork.models import Answer, QuestionKind, Survey, SurveyResponse, TextAnswer
from web.fieldwork.results import public_threshold, survey_results
from web.fieldwork.tests.factories import make_survey
from web.insight import views as insight_views
from web.insight.models import ContributionState, RoundStatus
from web.insight.moderation import approve
from web.insight.tests.factories import round_organiser
from web.releases.models import Release


@pytest.fixture(autouse=True)
def fresh_counters() -> None:
    cache.clear()


def _answers(survey: Survey, release: Release, **overrides: object) -> dict[str, object]:
    """A whole response: option 0, options 0 and 2, 4 on the scale, a text and the first area."""
    by_kind = {question.kind: question.field_name for question in survey.questions.all()}
    area = release.areas.order_by("lsoa11cd").first()
    assert area is not None
    data: dict[str, object] = {
        by_kind[QuestionKind.SINGLE]: "0",
        by_kind[QuestionKind.MULTIPLE]: ["0", "2"],
        by_kind[QuestionKind.SCALE]: "4",
        by_kind[QuestionKind.TEXT]: "The last bus leaves before the evening session ends.",
        by_kind[QuestionKind.LOCATION]: area.lsoa11cd,
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def test_staff_compose_a_survey_with_one_question_of_each_kind_and_open_it(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    analyst = client_for(Role.PARTNER_ANALYST)
    today = timezone.localdate()
    created = analyst.post(
        reverse("fieldwork:survey_create"),
        {
            "title": "Reaching the family centre",
            "intro": "",
            "recipe": release.recipe,
            "round": "",
            "opens_on_day": today.day,
            "opens_on_month": today.month,
            "opens_on_year": today.year,
            "closes_on_day": today.day,
            "closes_on_month": today.month,
            "closes_on_year": today.year + 1,
            "retention_days": "120",
        },
    )
    survey = Survey.objects.get()
    assert created.headers["Location"] == reverse("fieldwork:survey", args=[survey.pk])
    page = reverse("fieldwork:survey", args=[survey.pk])
    questions = [
        {"kind": "single", "prompt": "How often?", "options": "Weekly\nNever"},
        {"kind": "multiple", "prompt": "What helps?", "options": "Play\nAdvice\nBuses"},
        {"kind": "scale", "prompt": "How easy?", "low_label": "Hard", "high_label": "Easy"},
        {"kind": "text", "prompt": "Anything else?"},
        {"kind": "location", "prompt": "Where do you live?"},
    ]
    for question in questions:
        assert analyst.post(page, {"required": "on", **question}).status_code == 302
    refused = analyst.post(page, {"kind": "single", "prompt": "Only one?", "options": "Yes"})
    assert "Enter at least two options, one a line" in refused.content.decode()
    analyst.post(reverse("fieldwork:survey_status", args=[survey.pk]), {"status": "open"})

    survey.refresh_from_db()
    assert survey.status == RoundStatus.OPEN
    assert [q.kind for q in survey.questions.all()] == [q["kind"] for q in questions]
    assert survey.questions.get(kind="multiple").options == ["Play", "Advice", "Buses"]
    # Answers name options by position, so the questions are fixed once the survey is open.
    late = analyst.post(page, {"kind": "text", "prompt": "One more?"})
    assert late.status_code == 409
    assert survey.questions.count() == 5


def test_resident_answers_every_kind_of_question_without_an_account(release: Release) -> None:
    survey = make_survey(release)
    resident = Client()
    form = resident.get(reverse("fieldwork:answer", args=[survey.pk])).content.decode()
    assert "How easy is it to reach services for young children?" in form
    assert "1: Very hard" in form and "5: Very easy" in form
    # The place is chosen from a list: no map is needed.
    assert '<select name="q' in form

    sent = resident.post(reverse("fieldwork:answer", args=[survey.pk]), _answers(survey, release))

    assert sent.status_code == 302
    response = SurveyResponse.objects.get()
    kept = {answer.question.kind: answer for answer in response.answers.all()}
    assert kept[QuestionKind.SINGLE].chosen == [0]
    assert kept[QuestionKind.MULTIPLE].chosen == [0, 2]
    assert kept[QuestionKind.SCALE].scale == 4
    assert (
        kept[QuestionKind.LOCATION].lsoa11cd
        == _answers(survey, release)[survey.questions.get(kind=QuestionKind.LOCATION).field_name]
    )
    text = response.text_answers.get()
    assert text.state == ContributionState.HELD


def test_a_missing_answer_is_named_in_the_error_summary_and_nothing_is_kept(
    release: Release,
) -> None:
    survey = make_survey(release)
    single = survey.questions.get(kind=QuestionKind.SINGLE)

    page = Client().post(
        reverse("fieldwork:answer", args=[survey.pk]),
        _answers(survey, release, **{single.field_name: ""}),
    )

    body = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in body
    assert f"Answer the question ‘{single.prompt}’" in body
    assert not SurveyResponse.objects.exists()


def test_a_respondent_over_the_device_limit_is_throttled(release: Release) -> None:
    survey = make_survey(release)
    device = Client()
    url = reverse("fieldwork:answer", args=[survey.pk])
    for _ in range(insight_views.PER_DEVICE_PER_ROUND):
        assert device.post(url, _answers(survey, release)).status_code == 302

    refused = device.post(url, _answers(survey, release))

    assert refused.status_code == 429
    assert "Too many answers sent" in refused.content.decode()
    assert SurveyResponse.objects.count() == insight_views.PER_DEVICE_PER_ROUND


def test_a_robot_filling_the_hidden_box_is_thanked_and_nothing_is_kept(release: Release) -> None:
    survey = make_survey(release)

    sent = Client().post(
        reverse("fieldwork:answer", args=[survey.pk]),
        _answers(survey, release, website="http://cheap.example"),
    )

    assert sent.status_code == 302
    assert not SurveyResponse.objects.exists()


def test_a_draft_survey_is_not_public_and_a_closed_one_takes_no_answers(release: Release) -> None:
    draft = make_survey(release, status=RoundStatus.DRAFT)
    closed = make_survey(release, status=RoundStatus.CLOSED)

    assert Client().get(reverse("fieldwork:answer", args=[draft.pk])).status_code == 404
    assert Client().get(reverse("fieldwork:survey_report", args=[draft.pk])).status_code == 404
    page = Client().post(reverse("fieldwork:answer", args=[closed.pk]), _answers(closed, release))
    assert "This survey is not open" in page.content.decode()
    assert not SurveyResponse.objects.exists()


def _respond(survey: Survey, option: int, times: int) -> None:
    single = survey.questions.get(kind=QuestionKind.SINGLE)
    for _ in range(times):
        surveys.receive(survey, surveys.Given(chosen={single.pk: [option]}))


def test_a_count_below_the_threshold_is_not_shown_on_the_public_report(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    survey = make_survey(release)
    threshold = public_threshold(survey)
    assert threshold == release.suppression_threshold == 7
    _respond(survey, 0, 3)
    _respond(survey, 1, 8)
    _respond(survey, 2, 9)

    public = {r.question.kind: r for r in survey_results(survey, threshold)}[QuestionKind.SINGLE]
    staff = {r.question.kind: r for r in survey_results(survey, None)}[QuestionKind.SINGLE]

    assert [row.shown for row in staff.rows] == ["3", "8", "9"]
    assert staff.answered == "20"
    assert public.answered == "20"
    # The 3 is hidden, and so is the 8: with the total, one hidden count would follow.
    assert [row.shown for row in public.rows] == [
        "Fewer than 7",
        "7 or more (not shown, so that smaller counts stay hidden)",
        "9",
    ]
    report = Client().get(reverse("fieldwork:survey_report", args=[survey.pk])).content.decode()
    assert "Fewer than 7" in report
    staff_page = client_for(Role.PARTNER_ANALYST).get(
        reverse("fieldwork:results", args=[survey.pk])
    )
    assert "Out of 20 who answered" in staff_page.content.decode()


def test_the_public_report_quotes_only_moderated_text_once_enough_people_published(
    release: Release,
) -> None:
    survey = make_survey(release)
    question = survey.questions.get(kind=QuestionKind.TEXT)
    for n in range(release.suppression_threshold):
        surveys.receive(survey, surveys.Given(texts={question.pk: f"Reason number {n}."}))
    held = TextAnswer.objects.order_by("pk")
    for answer in held[: release.suppression_threshold - 1]:
        approve(answer, round_organiser())
    url = reverse("fieldwork:survey_report", args=[survey.pk])

    too_few = Client().get(url).content.decode()
    approve(held.last(), round_organiser())  # type: ignore[arg-type]
    enough = Client().get(url).content.decode()

    assert "Reason number 0." not in too_few
    assert "Answers published: Fewer than 7." in too_few
    assert all(f"Reason number {n}." in enough for n in range(release.suppression_threshold))
    assert not Answer.objects.exists()


def test_a_point_on_the_map_is_kept_inside_the_area_chosen_and_refused_outside_it(
    release: Release,
) -> None:
    survey = make_survey(release)
    place = survey.questions.get(kind=QuestionKind.LOCATION).field_name
    first, second = release.areas.order_by("lsoa11cd")[:2]
    inside = shape(first.geometry).representative_point()
    elsewhere = shape(second.geometry).representative_point()
    url = reverse("fieldwork:answer", args=[survey.pk])

    refused = Client().post(
        url,
        _answers(
            survey, release, **{f"{place}_lat": str(elsewhere.y), f"{place}_lng": str(elsewhere.x)}
        ),
    )
    kept = Client().post(
        url,
        _answers(survey, release, **{f"{place}_lat": str(inside.y), f"{place}_lng": str(inside.x)}),
    )

    assert "The point you chose is outside the area: choose again" in refused.content.decode()
    assert kept.status_code == 302
    answer = Answer.objects.get(question__kind=QuestionKind.LOCATION)
    assert answer.lsoa11cd == first.lsoa11cd
    assert answer.latitude == pytest.approx(inside.y)
    assert answer.longitude == pytest.approx(inside.x)
    # The point is never published: the report counts areas.
    report = Client().get(reverse("fieldwork:survey_report", args=[survey.pk])).content.decode()
    assert f"{inside.y:.4f}" not in report
