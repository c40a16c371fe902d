"""Staff export the community insight summary of a recipe for its recipe pack: exactly what the
public pages publish of its closed rounds and surveys, after disclosure control, and no one's
words; the pack's own check accepts it, and the export is in the governance log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from bakehouse.packs.insight import summary_problems
from web.accounts.models import User
from web.accounts.roles import Role
from web.fieldwork import surveys
from web.fieldwork.models import QuestionKind, Survey
from web.fieldwork.tests.factories import answer_text, make_survey
from web.governance.models import Action, Event
from web.insight import codebooks, moderation, rounds
from web.insight.models import RoundArea, RoundStatus, Verdict
from web.insight.tests.factories import make_round, published, round_organiser
from web.releases.models import Release

DISAGREEING = "Families here are well supported by the health visitors."
AGREEING = "The health visitors stopped coming after the clinic moved."
SURVEY_WORDS = "The bus to the clinic stops at six in the evening."


def _closed_round(release: Release) -> tuple[RoundArea, RoundArea]:
    """A round where the release's threshold of people disagreed about one flagged area and two
    agreed about another, coded with one theme, then closed."""
    round_ = make_round(release)
    busy, quiet = list(round_.areas.all()[:2])
    threshold = release.suppression_threshold
    for item in published(round_, [DISAGREEING] * threshold, lsoa11cd=busy.lsoa11cd):
        item.verdict = Verdict.DISAGREES
        item.save()
    published(round_, [AGREEING] * 2, lsoa11cd=quiet.lsoa11cd)
    codebooks.write(round_, round_organiser(), "Health visitors", "", ["health visitors"])
    codebooks.code_the_rest(round_, round_organiser())
    rounds.set_status(round_, RoundStatus.CLOSED, round_organiser())
    return busy, quiet


def _closed_survey(release: Release) -> Survey:
    """A survey the threshold of people answered one way and one person another, with the
    threshold of free-text answers published, then closed."""
    survey = make_survey(release)
    single = survey.questions.get(kind=QuestionKind.SINGLE)
    threshold = release.suppression_threshold
    for chosen in [0] * threshold + [1]:
        surveys.receive(survey, surveys.Given(chosen={single.pk: [chosen]}))
    for _ in range(threshold):
        moderation.approve(answer_text(survey, SURVEY_WORDS), round_organiser())
    surveys.set_status(survey, RoundStatus.CLOSED)
    return survey


def _export(release: Release, out: Path) -> dict[str, Any]:
    call_command(
        "export_insight_summary", recipe=release.recipe, out=out, by=round_organiser().username
    )
    data: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return data


def test_the_summary_holds_the_published_figures_and_no_one_s_words(
    release: Release, tmp_path: Path
) -> None:
    busy, quiet = _closed_round(release)
    _closed_survey(release)
    threshold = release.suppression_threshold
    few, more = f"fewer than {threshold}", f"{threshold} or more"
    out = tmp_path / "insight.json"

    data = _export(release, out)

    text = out.read_text("utf-8")
    for words in (DISAGREEING, AGREEING, SURVEY_WORDS):
        assert words not in text
    assert summary_problems(out.read_bytes(), threshold) == []
    assert (data["recipe"], data["threshold"]) == (release.recipe, threshold)
    [summarised] = data["rounds"]
    assert summarised["release"] == release.pk
    areas = {area["lsoa11cd"]: area for area in summarised["areas"]}
    assert areas[busy.lsoa11cd]["answers"] == threshold
    assert areas[busy.lsoa11cd]["verdicts"] == {
        "agrees": 0, "partly": 0, "disagrees": threshold, "dont_know": 0
    }  # fmt: skip
    assert areas[busy.lsoa11cd]["marked_for_review"] is True
    # Two agreed: every answer is hidden, zeros with them, as on the area's profile.
    assert areas[quiet.lsoa11cd]["answers"] == few
    assert set(areas[quiet.lsoa11cd]["verdicts"].values()) == {few}
    assert [theme["label"] for theme in summarised["themes"]["themes"]] == ["Health visitors"]
    ages = next(item for item in summarised["heard"] if item["question"] == "Age")
    assert (ages["answered"], ages["groups"]) == (few, [])  # nobody gave an age
    [survey] = data["surveys"]
    single, text_question = survey["questions"][0], survey["questions"][3]
    assert single["answered"] == threshold + 1
    # One chose "Now and then": hidden, "Never" (nobody) with it, and "Every week" beside them.
    assert [row["count"] for row in single["rows"]] == [more, few, few]
    assert (text_question["kind"], text_question["answered"]) == ("text", threshold)
    assert text_question["rows"] == []
    event = Event.objects.get(action=Action.DATA_EXPORTED)
    assert event.actor == round_organiser()
    assert event.detail["export"] == "community insight summary"
    assert (event.detail["rounds"], event.detail["surveys"]) == (1, 1)


def test_the_survey_counts_are_those_of_its_public_report(release: Release, tmp_path: Path) -> None:
    survey = _closed_survey(release)
    threshold = release.suppression_threshold

    data = _export(release, tmp_path / "insight.json")

    report = Client().get(reverse("fieldwork:survey_report", kwargs={"survey_id": survey.pk}))
    page = " ".join(report.content.decode().split())
    assert f"Out of {threshold + 1} who answered" in page
    assert f"Fewer than {threshold}" in page and f"{threshold} or more" in page
    [summarised] = data["surveys"]
    assert summarised["questions"][0]["answered"] == threshold + 1


def test_an_open_round_and_a_draft_survey_publish_nothing_to_export(
    release: Release, tmp_path: Path
) -> None:
    published(make_round(release), [AGREEING] * release.suppression_threshold)
    make_survey(release, status=RoundStatus.DRAFT)
    out = tmp_path / "insight.json"

    nothing = f"Nothing of {release.recipe}'s community insight is published"
    with pytest.raises(CommandError, match=nothing):
        call_command("export_insight_summary", recipe=release.recipe, out=out)

    assert not out.exists()
    assert not Event.objects.filter(action=Action.DATA_EXPORTED).exists()


def test_only_insight_staff_may_export_the_summary(release: Release, tmp_path: Path) -> None:
    _closed_round(release)
    User.objects.create(username="viewer", role=Role.PARTNER_VIEWER)

    with pytest.raises(CommandError, match="only a partner analyst"):
        call_command(
            "export_insight_summary", recipe=release.recipe, out=tmp_path / "i.json", by="viewer"
        )

    assert not (tmp_path / "i.json").exists()
