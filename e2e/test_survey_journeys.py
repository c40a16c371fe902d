"""The journeys of a survey, end to end in a browser: staff compose a survey with one question
of each kind; a resident answers it on a phone-sized screen, then through their private link
changes and deletes their answers; a moderator approves a free-text answer from the one
moderation queue; the public report shows the counts. Staff also record a workshop. axe-core
checks every page on the way."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from web.accounts.models import User
from web.accounts.roles import Role
from web.fieldwork import surveys
from web.fieldwork.models import (
    FieldworkRecord,
    QuestionKind,
    Survey,
    SurveyResponse,
    TextAnswer,
)
from web.fieldwork.tests.factories import answer_text, make_survey
from web.fieldwork.views import private_links
from web.insight.models import ContributionState, RoundStatus
from web.releases.models import Release

CheckAccessibility = Callable[[str], None]
PHONE = ViewportSize(width=375, height=740)


def _fill_date(page: Page, name: str, day: int, month: int, year: int) -> None:
    page.locator(f'[name="{name}_day"]').fill(str(day))
    page.locator(f'[name="{name}_month"]').fill(str(month))
    page.locator(f'[name="{name}_year"]').fill(str(year))


def test_staff_compose_a_survey_with_one_question_of_each_kind(
    page: Page,
    site: str,
    published_release: Release,
    sign_in_as: Callable[[Role], User],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    sign_in_as(Role.PARTNER_ANALYST)
    today = timezone.localdate()
    page.goto(site + reverse("fieldwork:surveys"))
    check_accessibility("journey-survey-list")
    page.get_by_role("link", name="Create a survey").click()
    page.get_by_role("button", name="Create the survey").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the survey's title")
    check_accessibility("journey-survey-create-with-errors")
    page.get_by_label("Title").fill("Reaching the family centre")
    page.get_by_label("About which recipe").select_option(published_release.recipe)
    _fill_date(page, "opens_on", today.day, today.month, today.year)
    _fill_date(page, "closes_on", today.day, today.month, today.year + 1)
    page.get_by_role("button", name="Create the survey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reaching the family centre")

    questions: list[tuple[str, str, dict[str, str]]] = [
        ("Choose one option", "How often do you go?", {"Options (for a choice)": "Weekly\nNever"}),
        ("Choose any options", "What would help?", {"Options (for a choice)": "Play\nBuses"}),
        (
            "A scale from 1 to 5",
            "How easy is it to get there?",
            {"Words for 1 (for a scale)": "Very hard", "Words for 5 (for a scale)": "Very easy"},
        ),
        ("Free text", "What else should we know?", {}),
        ("A place: an area from a list, or a point on a map", "Which area do you live in?", {}),
    ]
    for kind, prompt, extra in questions:
        page.get_by_label(kind, exact=True).check()
        page.get_by_label("Question", exact=True).fill(prompt)
        for label, value in extra.items():
            page.get_by_label(label).fill(value)
        page.get_by_role("button", name="Add the question").click()
        expect(page.locator("main")).to_contain_text(prompt)
    check_accessibility("journey-survey-composed")
    page.get_by_role("button", name="Open the survey").click()
    expect(page.locator("main")).to_contain_text("The survey is open")

    survey = Survey.objects.get()
    assert survey.status == RoundStatus.OPEN
    assert [question.kind for question in survey.questions.all()] == list(QuestionKind.values)
    assert browser_problems == []


def test_resident_answers_a_survey_on_a_phone(
    page: Page,
    site: str,
    published_release: Release,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    survey = make_survey(published_release)
    area = published_release.areas.order_by("lsoa11nm").first()
    assert area is not None
    page.set_viewport_size(PHONE)
    page.goto(site + reverse("fieldwork:answer", args=[survey.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text(survey.title)
    expect(page.locator("#id_website")).to_be_hidden()
    page.get_by_role("button", name="Send your answers").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Answer the question ‘How often do you use the family centre?’"
    )
    check_accessibility("journey-survey-answer-with-errors")

    page.get_by_label("Now and then").check()
    page.get_by_label("Play sessions").check()
    page.get_by_label("A bus to the centre").check()
    page.get_by_label("4", exact=True).check()
    page.get_by_label("What else should we know?").fill(
        "The last bus leaves before the evening session ends."
    )
    # The map beside the list draws the release's areas; the list alone answers the question.
    expect(page.locator(".bakehouse-place-picker path.leaflet-interactive")).to_have_count(
        published_release.areas.count()
    )
    page.get_by_label("Which area do you live in?").select_option(area.lsoa11cd)
    page.get_by_label(re.compile("I have read the privacy notice")).check()
    check_accessibility("journey-survey-answer")
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Send your answers").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Answers sent")
    expect(page.locator(".bakehouse-private-link a")).to_be_visible()
    check_accessibility("journey-survey-answered")
    response = survey.responses.get()
    assert sorted(answer.question.kind for answer in response.answers.all()) == [
        "location",
        "multiple",
        "scale",
        "single",
    ]
    assert response.text_answers.get().state == ContributionState.HELD
    assert browser_problems == []


def test_respondent_changes_then_deletes_their_answers_on_a_phone(
    page: Page,
    site: str,
    published_release: Release,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    survey = make_survey(published_release)
    text = survey.questions.get(kind=QuestionKind.TEXT)
    area = published_release.areas.order_by("lsoa11nm").first()
    assert area is not None
    single = survey.questions.get(kind=QuestionKind.SINGLE)
    multiple = survey.questions.get(kind=QuestionKind.MULTIPLE)
    scale = survey.questions.get(kind=QuestionKind.SCALE)
    place = survey.questions.get(kind=QuestionKind.LOCATION)
    _, key = surveys.receive(
        survey,
        surveys.Given(
            chosen={single.pk: [0], multiple.pk: [1]},
            scales={scale.pk: 2},
            texts={text.pk: "The bus stops too early."},
            places={place.pk: area.lsoa11cd},
        ),
    )
    page.set_viewport_size(PHONE)

    page.goto(site + private_links(key)["view"])
    expect(page.locator("main")).to_contain_text("The bus stops too early.")
    check_accessibility("journey-survey-your-answers")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("What else should we know?").fill("A later bus would help.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("main")).to_contain_text("A later bus would help.")
    expect(page.locator("main")).not_to_contain_text("The bus stops too early.")
    assert TextAnswer.objects.get().state == ContributionState.HELD

    page.get_by_role("link", name="Delete your answers").click()
    check_accessibility("journey-survey-delete-answers")
    page.get_by_role("button", name="Delete my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers are deleted")
    check_accessibility("journey-survey-answers-deleted")
    assert not SurveyResponse.objects.exists()
    assert not browser_problems
    # The link now asks for the link (the browser reports the 404 as a problem, not here).
    response = page.goto(site + private_links(key)["view"])
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Open your private link")


def test_moderator_approves_a_free_text_answer_from_the_queue(
    page: Page,
    site: str,
    published_release: Release,
    sign_in_as: Callable[[Role], User],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    answer = answer_text(make_survey(published_release), "Ring me on 07700 900123 about buses.")
    sign_in_as(Role.PARTNER_ANALYST)
    page.goto(site + reverse("insight:queue"))
    expect(page.locator("main")).to_contain_text("Screening found: phone")
    check_accessibility("journey-survey-queue")
    page.get_by_role("link", name=f"Survey answer {answer.pk}").click()
    expect(page.locator("main")).to_contain_text("Ring me on [phone] about buses.")
    expect(page.locator("main")).not_to_contain_text("07700 900123")
    check_accessibility("journey-survey-moderate")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator("main")).to_contain_text("Published.")

    answer.refresh_from_db()
    assert answer.state == ContributionState.PUBLISHED
    page.goto(site + reverse("insight:decisions"))
    expect(page.locator("main")).to_contain_text(f"Survey answer {answer.pk}")
    check_accessibility("journey-survey-decisions")
    assert browser_problems == []


def test_public_report_shows_the_counts(
    page: Page,
    site: str,
    published_release: Release,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    survey = make_survey(published_release)
    single = survey.questions.get(kind=QuestionKind.SINGLE)
    threshold = published_release.suppression_threshold
    for option, times in ((0, threshold + 1), (1, threshold + 2), (2, 2)):
        for _ in range(times):
            surveys.receive(survey, surveys.Given(chosen={single.pk: [option]}))
    page.set_viewport_size(PHONE)
    page.goto(site + reverse("fieldwork:survey_report", args=[survey.pk]))

    table = page.get_by_role("table").first
    expect(table).to_contain_text(f"Out of {2 * threshold + 5} who answered")
    expect(table.get_by_role("row", name=re.compile("Now and then"))).to_contain_text(
        str(threshold + 2)
    )
    expect(table.get_by_role("row", name=re.compile("Never"))).to_contain_text(
        f"Fewer than {threshold}"
    )
    expect(table.get_by_role("row", name=re.compile("Every week"))).to_contain_text(
        "not shown, so that smaller counts stay hidden"
    )
    check_accessibility("journey-survey-report")
    assert not TextAnswer.objects.exists()
    assert browser_problems == []


def test_staff_record_a_workshop(
    page: Page,
    site: str,
    published_release: Release,
    sign_in_as: Callable[[Role], User],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    sign_in_as(Role.ADMINISTRATOR)
    page.goto(site + reverse("fieldwork:records"))
    page.get_by_role("link", name="Record fieldwork").click()
    page.get_by_label("Workshop").check()
    _fill_date(page, "held_on", 2, 12, 2026)
    page.get_by_label("Where").fill("Family hub, Vange")
    page.get_by_label("About which recipe").select_option(published_release.recipe)
    page.get_by_label("Residents").fill("6")
    page.get_by_label("Notes of what they said may be kept").check()
    page.get_by_label("Notes", exact=True).fill("Parents said the bus stops before the hub.")
    check_accessibility("journey-fieldwork-form")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("main")).to_contain_text("Its notes wait for a moderator")
    expect(page.locator("main")).to_contain_text("Parents said the bus stops before the hub.")
    check_accessibility("journey-fieldwork-record")
    record = FieldworkRecord.objects.get()
    assert (record.residents, record.consent) == (6, ["recorded"])
    assert browser_problems == []
