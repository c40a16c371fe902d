"""A respondent's private link: shown once after answering, it opens their answers as kept,
changes them while the survey is open (free text screened and held again) and deletes the whole
response. Only the key's hash is kept, and the key reaches no log."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role
from web.fieldwork import views
from web.fieldwork.models import Answer, QuestionKind, Survey, SurveyResponse, TextAnswer
from web.fieldwork.tests.factories import make_survey
from web.insight.models import ContributionState, ModerationDecision, RoundStatus
from web.insight.moderation import approve
from web.insight.tests.factories import round_organiser
from web.releases.models import Release

FIRST_TEXT = "The last bus leaves before the evening session ends."
PHONE = "07700 900123"


@pytest.fixture(autouse=True)
def fresh_counters() -> None:
    cache.clear()


def _fields(survey: Survey, release: Release, text: str, single: str = "0") -> dict[str, object]:
    by_kind = {question.kind: question.field_name for question in survey.questions.all()}
    area = release.areas.order_by("lsoa11cd").first()
    assert area is not None
    return {
        by_kind[QuestionKind.SINGLE]: single,
        by_kind[QuestionKind.MULTIPLE]: ["0", "2"],
        by_kind[QuestionKind.SCALE]: "4",
        by_kind[QuestionKind.TEXT]: text,
        by_kind[QuestionKind.LOCATION]: area.lsoa11cd,
    }


def _answer(survey: Survey, release: Release, client: Client, text: str = FIRST_TEXT) -> str:
    """Answers the survey in ``client`` and returns the private link the thank-you page shows."""
    sent = client.post(
        reverse("fieldwork:answer", args=[survey.pk]),
        {**_fields(survey, release, text), "consent": "on", "website": ""},
    )
    assert sent.status_code == 302
    page = client.get(reverse("fieldwork:answered", args=[survey.pk])).content.decode()
    start = page.index(reverse("fieldwork:response") + "?key=")
    return page[start : page.index('"', start)]


def _key(link: str) -> str:
    return link.rsplit("key=", 1)[1]


def test_respondent_is_shown_a_private_link_once_and_only_its_hash_is_kept(
    release: Release,
) -> None:
    survey = make_survey(release)
    client = Client()

    link = _answer(survey, release, client)

    assert client.get(link).status_code == 200
    again = client.get(reverse("fieldwork:answered", args=[survey.pk])).content.decode()
    assert reverse("fieldwork:response") not in again
    stored = json.dumps(list(SurveyResponse.objects.values()), default=str)
    assert _key(link) not in stored
    assert len(SurveyResponse.objects.get().token_digest) == 64


def test_respondent_sees_their_answers_as_kept_with_personal_details_hidden(
    release: Release,
) -> None:
    survey = make_survey(release)
    link = _answer(survey, release, Client(), text=f"Ring me on {PHONE}.")
    area = release.areas.order_by("lsoa11cd").first()
    assert area is not None

    page = Client().get(link).content.decode()

    assert "Ring me on [phone]." in page
    assert PHONE not in page
    assert "Waiting for a moderator" in page
    assert "Every week" in page and "Play sessions, A bus to the centre" in page
    assert f"{area.lsoa11nm} ({area.lsoa11cd})" in page


def test_respondent_changes_an_answer_and_it_is_held_again_with_the_old_text_gone(
    release: Release,
) -> None:
    survey = make_survey(release)
    link = _answer(survey, release, Client())
    first = TextAnswer.objects.get()
    approve(first, round_organiser())

    changed = Client().post(
        link, _fields(survey, release, f"Buses are fine now; ring {PHONE}.", single="2")
    )

    assert changed.status_code == 302
    text = TextAnswer.objects.get()
    assert text.state == ContributionState.HELD
    assert text.published_at is None
    assert text.text == "Buses are fine now; ring [phone]."
    assert [finding["kind"] for finding in text.findings] == ["phone"]
    stored = json.dumps(list(TextAnswer.objects.values("text", "findings")))
    assert FIRST_TEXT not in stored and PHONE not in stored
    single = survey.questions.get(kind=QuestionKind.SINGLE)
    assert Answer.objects.get(question=single).chosen == [2]
    assert SurveyResponse.objects.get().edited_at is not None
    # The moderator's decision about the old text stays in the log, naming its number.
    assert ModerationDecision.objects.get().contribution_number == first.pk


def test_respondent_deletes_their_response_and_it_leaves_staff_results_and_the_database(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    survey = make_survey(release)
    link = _answer(survey, release, Client())
    approve(TextAnswer.objects.get(), round_organiser())
    results = reverse("fieldwork:results", args=[survey.pk])
    staff = client_for(Role.PARTNER_ANALYST)
    assert FIRST_TEXT in staff.get(results).content.decode()

    deleted = Client().post(views.private_links(_key(link))["delete"])

    assert "Your answers are deleted" in deleted.content.decode()
    assert not SurveyResponse.objects.exists()
    assert not Answer.objects.exists() and not TextAnswer.objects.exists()
    assert FIRST_TEXT not in staff.get(results).content.decode()
    assert ModerationDecision.objects.count() == 1
    gone = Client().get(link)
    assert gone.status_code == 404
    assert "Open your private link" in gone.content.decode()


@pytest.mark.parametrize("name", ["fieldwork:response", "fieldwork:delete_response"])
def test_a_wrong_or_missing_key_shows_the_page_that_asks_for_the_link(
    release: Release, name: str
) -> None:
    survey = make_survey(release)
    _answer(survey, release, Client())
    client = Client()

    missing = client.get(reverse(name))
    wrong = client.get(f"{reverse(name)}?key={'x' * 43}")
    refused = client.post(f"{reverse(name)}?key={'x' * 43}", {})

    assert missing.status_code == 200
    assert wrong.status_code == refused.status_code == 404
    for page in (missing, wrong, refused):
        assert "Open your private link" in page.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_the_key_is_never_in_the_path_and_never_logged(
    release: Release, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    survey = make_survey(release)
    link = _answer(survey, release, Client())
    key = _key(link)
    links = views.private_links(key)

    Client().get(links["view"])
    Client().post(links["view"], _fields(survey, release, "Changed."))
    Client().get(links["delete"])
    Client().post(links["delete"])
    Client().get(links["view"])  # now not found, which Django logs

    for url in links.values():
        path, _, query = url.partition("?")
        assert key not in path
        assert query == f"key={key}"
    assert "Not Found" in caplog.text
    logged = caplog.text + repr([record.args for record in caplog.records])
    assert key not in logged


def test_after_the_survey_closes_answers_can_be_read_and_deleted_but_not_changed(
    release: Release,
) -> None:
    survey = make_survey(release)
    link = _answer(survey, release, Client())
    survey.status = RoundStatus.CLOSED
    survey.save()

    page = Client().get(link).content.decode()
    refused = Client().post(link, _fields(survey, release, "Changed after closing."))
    deleted = Client().post(views.private_links(_key(link))["delete"])

    assert "cannot be changed" in page and FIRST_TEXT in page
    assert refused.status_code == 405
    assert deleted.status_code == 200
    assert not SurveyResponse.objects.exists()
