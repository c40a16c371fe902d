"""Moderators approve, reject with a reason, or hide more; every decision is logged in the
decision log and the governance log, and the export holds no text anyone typed."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.insight import moderation
from web.insight.models import Contribution, ContributionState, Decision, RejectReason
from web.insight.tests.factories import give, make_round, round_organiser
from web.releases.models import Release


def test_moderator_approves_a_held_contribution_and_it_is_logged_twice(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    item, _ = give(make_round(release))
    moderator = client_for(Role.PARTNER_ANALYST)

    moderator.post(
        reverse("insight:moderate", kwargs={"contribution_id": item.pk}),
        {"action": "approve", "approve-note": "Fine as it is"},
    )

    item.refresh_from_db()
    assert item.state == ContributionState.PUBLISHED
    assert item.published_at is not None
    decision = item.decisions.get()
    assert (decision.decision, decision.note) == (Decision.APPROVED, "Fine as it is")
    event = Event.objects.get(action=Action.INSIGHT_APPROVED)
    assert event.object_id == str(item.pk)
    assert event.actor is not None


def test_a_rejected_contribution_loses_its_text_and_the_export_names_only_the_reason(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    words = "Buy cheap loft insulation at our showroom today"
    item, _ = give(make_round(release), reasons=words)
    moderator = client_for(Role.PARTNER_ANALYST)

    moderator.post(
        reverse("insight:moderate", kwargs={"contribution_id": item.pk}),
        {"action": "reject", "reject-reason": RejectReason.ADVERTISING, "reject-note": ""},
    )

    item.refresh_from_db()
    assert item.state == ContributionState.REJECTED
    assert (item.reasons, item.local_knowledge) == ("", "")
    export = moderator.get(reverse("insight:decisions_csv")).content.decode()
    rows = list(csv.DictReader(io.StringIO(export)))
    assert [(row["decision"], row["reason"]) for row in rows] == [("rejected", "advertising")]
    assert "showroom" not in export
    assert Event.objects.filter(action=Action.INSIGHT_REJECTED).count() == 1
    assert Event.objects.filter(action=Action.DATA_EXPORTED).count() == 1


def test_a_rejection_needs_a_reason(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    item, _ = give(make_round(release))

    page = client_for(Role.PARTNER_ANALYST).post(
        reverse("insight:moderate", kwargs={"contribution_id": item.pk}),
        {"action": "reject", "reject-note": ""},
    )

    assert "Choose why it is not published" in page.content.decode()
    item.refresh_from_db()
    assert item.state == ContributionState.HELD


def test_moderator_hides_a_name_screening_missed_wherever_it_appears(release: Release) -> None:
    item, _ = give(
        make_round(release),
        reasons="ask for big dave at the club, big dave knows every family",
    )
    assert item.findings == []

    moderation.mask(item, round_organiser(), "reasons", "Big Dave", "name")

    item.refresh_from_db()
    assert item.reasons == "ask for [name] at the club, [name] knows every family"
    assert item.finding_kinds == ["name"]
    assert item.decisions.get().decision == Decision.MASKED


def test_moderator_cannot_hide_words_that_are_not_there(release: Release) -> None:
    item, _ = give(make_round(release))
    with pytest.raises(moderation.NotInText):
        moderation.mask(item, round_organiser(), "reasons", "words never written", "name")
    item.refresh_from_db()
    assert not item.decisions.exists()


def test_a_round_can_publish_screened_contributions_with_nothing_found_at_once(
    release: Release,
) -> None:
    round_ = make_round(release, moderate_unflagged=False)

    clean, _ = give(round_, reasons="The new estate has no bus on Sundays.")
    flagged, _ = give(round_, reasons="Mrs Patel at number 4 needs help.")

    assert clean.state == ContributionState.PUBLISHED
    assert flagged.state == ContributionState.HELD


def test_the_queue_lists_held_contributions_with_why(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    round_ = make_round(release)
    held, _ = give(round_, reasons="Call 01268 533311 for the playgroup.")
    published, _ = give(round_)
    moderation.approve(published, round_organiser())

    page = client_for(Role.ADMINISTRATOR).get(reverse("insight:queue")).content.decode()

    assert f"Contribution {held.pk}<" in page
    assert f"Contribution {published.pk}<" not in page
    assert "Screening found: phone" in page
    assert Contribution.objects.filter(state=ContributionState.HELD).count() == 1
