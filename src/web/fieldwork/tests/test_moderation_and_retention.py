"""Survey answers and fieldwork notes are moderated in insight's queue, with its decisions and
log; planted personal details reach no page, export or log; retention deletes them."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from web.accounts.roles import Role
from web.fieldwork.models import FieldworkRecord, QuestionKind, SurveyResponse, TextAnswer
from web.fieldwork.retention import expire_fieldwork
from web.fieldwork.tests.factories import answer_text, make_record, make_survey
from web.governance.models import Action, Event
from web.insight.models import ContributionState, ModerationDecision
from web.insight.moderation import approve
from web.insight.tests.factories import round_organiser
from web.releases.models import Release

PLANTED = {
    "name": "Sarah Collins",
    "phone": "07700 900123",
    "email": "sarah.collins@example.com",
}
PLANTED_TEXT = (
    f"{PLANTED['name']} runs the playgroup; ring {PLANTED['phone']} or email "
    f"{PLANTED['email']} about the lack of buses."
)


@pytest.fixture(autouse=True)
def fresh_counters() -> None:
    cache.clear()


def test_a_planted_phone_number_never_reaches_a_public_page_an_export_or_a_log(
    release: Release,
    client_for: Callable[[Role | None], Client],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    survey = make_survey(release)
    question = survey.questions.get(kind=QuestionKind.TEXT)
    area = release.areas.order_by("lsoa11cd").first()
    assert area is not None
    respondent = Client()
    respondent.post(
        reverse("fieldwork:answer", args=[survey.pk]),
        {
            **{q.field_name: "0" for q in survey.questions.filter(kind="single")},
            **{q.field_name: ["1"] for q in survey.questions.filter(kind="multiple")},
            **{q.field_name: "3" for q in survey.questions.filter(kind="scale")},
            **{q.field_name: area.lsoa11cd for q in survey.questions.filter(kind="location")},
            question.field_name: PLANTED_TEXT,
            "consent": "on",
        },
    )
    answer = TextAnswer.objects.get()
    assert answer.state == ContributionState.HELD
    assert {"phone", "email"} <= set(answer.finding_kinds)
    record = make_record(release, notes=PLANTED_TEXT)
    assert record.state == ContributionState.HELD
    moderator = client_for(Role.PARTNER_ANALYST)
    queue = moderator.get(reverse("insight:queue")).content.decode()
    assert f"Survey answer {answer.pk}" in queue and f"Fieldwork notes {record.pk}" in queue
    answer_page = moderator.get(reverse("fieldwork:moderate_answer", args=[answer.pk]))
    for url, item in (
        (reverse("fieldwork:moderate_answer", args=[answer.pk]), "answer"),
        (reverse("fieldwork:moderate_record", args=[record.pk]), "record"),
    ):
        moderator.post(url, {"action": "approve", "approve-note": ""})
        assert moderator.get(url).status_code == 200, item
    answer.refresh_from_db()
    record.refresh_from_db()
    assert answer.state == record.state == ContributionState.PUBLISHED
    # Enough others published that the report quotes free text at all.
    for n in range(release.suppression_threshold - 1):
        approve(answer_text(survey, f"Plain words number {n}."), round_organiser())

    report = Client().get(reverse("fieldwork:survey_report", args=[survey.pk])).content.decode()
    export = moderator.get(reverse("insight:decisions_csv")).content.decode()
    seen = {
        "the public report": report,
        "the thank-you page": respondent.get(
            reverse("fieldwork:answered", args=[survey.pk])
        ).content.decode(),
        "the moderation queue": queue,
        "the moderator's page": answer_page.content.decode(),
        "the staff results": moderator.get(
            reverse("fieldwork:results", args=[survey.pk])
        ).content.decode(),
        "the fieldwork record": moderator.get(
            reverse("fieldwork:record", args=[record.pk])
        ).content.decode(),
        "the decision log export": export,
        "the decisions page": moderator.get(reverse("insight:decisions")).content.decode(),
        "the database": json.dumps(
            [
                *TextAnswer.objects.values("text", "findings"),
                *FieldworkRecord.objects.values("notes", "findings"),
            ]
        ),
        "the governance log": json.dumps(list(Event.objects.values("object_id", "detail"))),
        "the logs": caplog.text + repr([record.args for record in caplog.records]),
    }
    assert "[phone]" in report
    for where, text in seen.items():
        for kind, planted in PLANTED.items():
            assert planted not in text, f"the planted {kind} reached {where}"
    rows = list(csv.DictReader(io.StringIO(export)))
    assert {row["item"] for row in rows} == {"fieldwork.textanswer", "fieldwork.fieldworkrecord"}
    assert {row["recipe"] for row in rows} == {release.recipe}


def test_a_rejected_answer_loses_its_text_and_the_decision_is_logged(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    answer = answer_text(make_survey(release), "Buy cheap loft insulation at our showroom")

    client_for(Role.PARTNER_ANALYST).post(
        reverse("fieldwork:moderate_answer", args=[answer.pk]),
        {"action": "reject", "reject-reason": "advertising", "reject-note": ""},
    )

    answer.refresh_from_db()
    assert (answer.state, answer.text) == (ContributionState.REJECTED, "")
    decision = ModerationDecision.objects.get()
    assert (decision.item_type, decision.contribution_number) == ("fieldwork.textanswer", answer.pk)
    assert decision.contribution is None and decision.round_area is None
    assert Event.objects.get(action=Action.INSIGHT_REJECTED).object_type == "fieldwork.textanswer"


def test_a_moderator_hides_more_words_in_fieldwork_notes(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    record = make_record(release, notes="The warden at Briar Court says the lift is broken.")

    client_for(Role.PARTNER_ANALYST).post(
        reverse("fieldwork:moderate_record", args=[record.pk]),
        {"action": "mask", "mask-words": "Briar Court", "mask-kind": "address"},
    )

    record.refresh_from_db()
    assert record.notes == "The warden at [address] says the lift is broken."
    assert record.state == ContributionState.HELD


def test_survey_responses_and_fieldwork_records_are_deleted_after_retention(
    release: Release,
) -> None:
    survey = make_survey(release, retention_days=30)
    answer = answer_text(survey, "The bus stops too early.")
    approve(answer, round_organiser())
    record = make_record(release)
    after_survey = survey.closes_on + timedelta(days=30)

    assert expire_fieldwork(after_survey - timedelta(days=1)) == 0
    assert expire_fieldwork(after_survey) == 1
    assert not SurveyResponse.objects.exists()
    assert FieldworkRecord.objects.filter(pk=record.pk).exists()
    out = io.StringIO()
    later = record.held_on + timedelta(days=record.retention_days)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda: later)
        call_command("expire_contributions", stdout=out)
    assert not FieldworkRecord.objects.exists()
    assert "1 other records (survey responses, fieldwork records) deleted" in out.getvalue()
    # The decision about the deleted answer stays, naming only its number.
    assert ModerationDecision.objects.get().contribution_number == answer.pk
    assert Event.objects.filter(action=Action.INSIGHT_EXPIRED).count() == 2
