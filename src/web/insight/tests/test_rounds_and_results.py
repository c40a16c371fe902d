"""Staff make rounds from a release's flagged areas; the area profile shows what communities
said under the release's disclosure threshold, and areas they disagree with are marked for
review; contributions go when the round's retention ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.insight import moderation, rounds
from web.insight.models import AreaSource, Contribution, Round, RoundStatus, Verdict
from web.insight.results import area_result, suppressed_counts
from web.insight.retention import expire_contributions
from web.insight.tests.factories import give, make_round, round_organiser
from web.releases.models import Release


def test_staff_create_a_round_of_the_flagged_areas_and_one_they_add(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    flagged = set(release.areas.filter(flagged=True).values_list("lsoa11cd", flat=True))
    extra = release.areas.filter(flagged=False).values_list("lsoa11cd", flat=True).first()
    staff = client_for(Role.PARTNER_ANALYST)

    answer = staff.post(
        reverse("insight:round_create"),
        {
            "release": release.pk,
            "question": "Do these areas match what you know?",
            "opens_on_day": "1",
            "opens_on_month": "3",
            "opens_on_year": "2026",
            "closes_on_day": "30",
            "closes_on_month": "4",
            "closes_on_year": "2026",
            "retention_days": "180",
            "invited_roles": ["resident", "practitioner"],
            "practitioner_groups": "health visitors",
            "moderate_unflagged": "on",
            "added_codes": f"{extra}",
        },
    )

    made = Round.objects.get()
    assert answer.status_code == 302
    assert made.status == RoundStatus.DRAFT
    assert made.recipe == release.recipe
    sources = dict(made.areas.values_list("lsoa11cd", "source"))
    assert {code for code, source in sources.items() if source == AreaSource.FLAGGED} == flagged
    assert sources[str(extra)] == AreaSource.ADDED
    assert Event.objects.filter(action=Action.INSIGHT_ROUND_CREATED).count() == 1

    staff.post(reverse("insight:round_status", kwargs={"round_id": made.pk}), {"status": "open"})
    made.refresh_from_db()
    assert made.status == RoundStatus.OPEN


def test_a_round_closing_before_it_opens_or_naming_unknown_areas_is_refused(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    page = client_for(Role.PARTNER_ANALYST).post(
        reverse("insight:round_create"),
        {
            "release": release.pk,
            "question": "Q?",
            "opens_on_day": "30",
            "opens_on_month": "4",
            "opens_on_year": "2026",
            "closes_on_day": "1",
            "closes_on_month": "3",
            "closes_on_year": "2026",
            "retention_days": "180",
            "invited_roles": ["resident"],
            "added_codes": "E01099999 nonsense",
        },
    )
    text = page.content.decode()
    assert "The round must close on or after the day it opens" in text
    assert "These are not LSOA codes: NONSENSE" in text
    assert not Round.objects.exists()


def test_counts_under_the_threshold_are_hidden_and_so_is_the_one_that_would_reveal_them() -> None:
    shown = suppressed_counts({"agrees": 9, "partly": 12, "disagrees": 2, "dont_know": 0}, 7)
    assert shown["disagrees"] == "Fewer than 7"
    assert shown["agrees"].startswith("7 or more")
    assert shown["partly"] == "12"


def test_no_hidden_count_can_be_worked_out_from_the_total_and_the_counts_shown() -> None:
    # Published with the total 12: were the zero shown as "none", the two hidden counts would
    # sum to 2 while each is at least 1, so each would be exactly 1.
    counts = {"agrees": 10, "partly": 1, "disagrees": 1, "dont_know": 0}
    shown = suppressed_counts(counts, 7)
    assert [shown[label] for label in ("partly", "disagrees", "dont_know")] == ["Fewer than 7"] * 3
    assert shown["agrees"].startswith("7 or more")
    hidden = [label for label, text in shown.items() if not text.isdigit() and text != "None"]
    assert sum(counts[label] for label in hidden) >= 7  # what the total leaves to share out
    # Nothing hidden: zeros are plain.
    assert suppressed_counts({"agrees": 9, "partly": 0}, 7) == {"agrees": "9", "partly": "None"}


def _published(round_: Round, verdict: str, count: int, code: str) -> None:
    for _ in range(count):
        item, _ = give(round_, verdict=verdict, lsoa11cd=code)
        moderation.approve(item, round_organiser())


def test_profile_shows_counts_quotes_and_the_response_and_marks_disagreement_for_review(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    round_ = make_round(release)
    round_area = round_.areas.filter(flagged=True).first()
    assert round_area is not None
    threshold = release.suppression_threshold
    _published(round_, Verdict.DISAGREES, threshold, round_area.lsoa11cd)
    _published(round_, Verdict.AGREES, 1, round_area.lsoa11cd)
    give(round_, verdict=Verdict.AGREES, lsoa11cd=round_area.lsoa11cd)  # held: not counted
    rounds.write_response(
        round_area,
        "Families said the new estate is missing.",
        "We asked for its data.",
        round_organiser(),
    )

    result = area_result(round_area)
    assert result.marked_for_review
    assert result.total == str(threshold + 1)
    page = (
        Client()
        .get(
            reverse(
                "areas:profile", kwargs={"recipe": release.recipe, "lsoa11cd": round_area.lsoa11cd}
            )
        )
        .content.decode()
    )
    assert "What communities said" in page
    assert "Marked for review" in page
    assert f"Fewer than {threshold}" in page
    assert "The estate has had no family centre since the library closed." in page
    assert "We asked for its data." in page
    assert "Tell us whether this matches what you know" in page
    review = client_for(Role.PARTNER_ANALYST).get(reverse("insight:review")).content.decode()
    assert round_area.lsoa11cd in review


def test_fewer_people_than_the_threshold_are_counted_but_not_quoted(release: Release) -> None:
    round_ = make_round(release)
    round_area = round_.areas.first()
    assert round_area is not None
    threshold = release.suppression_threshold
    _published(round_, Verdict.DISAGREES, threshold - 1, round_area.lsoa11cd)

    result = area_result(round_area)

    assert result.total == f"Fewer than {threshold}"
    assert result.quotes == ()
    assert not result.marked_for_review


def test_an_area_most_people_agree_with_is_not_marked_for_review(release: Release) -> None:
    round_ = make_round(release)
    round_area = round_.areas.filter(flagged=True).first()
    assert round_area is not None
    threshold = release.suppression_threshold
    _published(round_, Verdict.AGREES, threshold, round_area.lsoa11cd)
    _published(round_, Verdict.DISAGREES, threshold - 1, round_area.lsoa11cd)

    assert not area_result(round_area).marked_for_review


def test_expire_contributions_deletes_those_past_retention_and_logs_the_count_only(
    release: Release, caplog: pytest.LogCaptureFixture
) -> None:
    today = date(2026, 6, 1)
    ended = make_round(
        release,
        opens_on=today - timedelta(days=60),
        closes_on=today - timedelta(days=31),
        retention_days=30,
    )
    kept = make_round(release, retention_days=30)
    give(ended, reasons="Old news about the estate.")
    give(kept)

    assert expire_contributions(today) == 1

    assert list(Contribution.objects.values_list("round_area__round", flat=True)) == [kept.pk]
    event = Event.objects.get(action=Action.INSIGHT_EXPIRED)
    assert event.detail == {"deleted": 1}
    assert "Old news" not in caplog.text


def test_the_expire_command_reports_what_it_deleted(
    release: Release, capsys: pytest.CaptureFixture[str]
) -> None:
    make_round(release)
    call_command("expire_contributions")
    assert "0 contributions deleted" in capsys.readouterr().out


def test_staff_add_an_area_the_release_did_not_flag(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    round_ = make_round(release)
    extra = release.areas.filter(flagged=False).order_by("lsoa11cd").first()
    assert extra is not None

    client_for(Role.ADMINISTRATOR).post(
        reverse("insight:round_add_area", kwargs={"round_id": round_.pk}),
        {"area": extra.lsoa11cd},
    )

    added = round_.areas.get(lsoa11cd=extra.lsoa11cd)
    assert (added.source, added.flagged) == (AreaSource.ADDED, False)
    assert Event.objects.filter(action=Action.INSIGHT_AREA_ADDED).count() == 1
