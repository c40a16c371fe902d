"""Receiving what a participant says, and their own private link to see, change or delete it.

Every free text is screened (``bakehouse.insight.screening.screen``) before it is stored; only
the masked copy is kept, with each finding's field, kind, position and reason. A contribution
where anything was found waits for a moderator; one where nothing was found waits too unless
the round's policy says otherwise. Nothing is published without being screened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from bakehouse.insight.screening import screen
from web.insight import private_link
from web.insight.models import Contribution, ContributionState, RoundArea

TEXT_FIELDS = Contribution.text_fields


@dataclass(frozen=True)
class AboutYou:
    """A participant's optional answers about themselves; blank where skipped. Of a postcode
    only its LSOA arrives here: the postcode itself is never stored."""

    age_band: str = ""
    ethnic_group: str = ""
    children_under_five: str = ""
    home_lsoa11cd: str = ""


@dataclass(frozen=True)
class Given:
    """What a participant gives about one area, before screening."""

    verdict: str
    participant_role: str
    reasons: str
    local_knowledge: str
    latitude: float | None = None
    longitude: float | None = None
    about: AboutYou = AboutYou()


def _screened(given: Given) -> tuple[dict[str, str], list[dict[str, Any]]]:
    masked: dict[str, str] = {}
    findings: list[dict[str, Any]] = []
    for name in TEXT_FIELDS:
        result = screen(getattr(given, name))
        masked[name] = result.masked
        findings.extend(
            {
                "field": name,
                "kind": str(finding.kind),
                "start": finding.start,
                "end": finding.end,
                "reason": finding.reason,
            }
            for finding in result.findings
        )
    return masked, findings


def _state_after_screening(round_area: RoundArea, findings: list[dict[str, Any]]) -> str:
    if findings or round_area.round.moderate_unflagged:
        return ContributionState.HELD
    return ContributionState.PUBLISHED


def _apply(contribution: Contribution, given: Given) -> None:
    masked, findings = _screened(given)
    contribution.verdict = given.verdict
    contribution.participant_role = given.participant_role
    contribution.reasons = masked["reasons"]
    contribution.local_knowledge = masked["local_knowledge"]
    contribution.latitude = given.latitude
    contribution.longitude = given.longitude
    contribution.findings = findings
    contribution.age_band = given.about.age_band
    contribution.ethnic_group = given.about.ethnic_group
    contribution.children_under_five = given.about.children_under_five
    contribution.home_lsoa11cd = given.about.home_lsoa11cd
    contribution.state = _state_after_screening(contribution.round_area, findings)
    contribution.published_at = (
        timezone.now() if contribution.state == ContributionState.PUBLISHED else None
    )


def receive(round_area: RoundArea, given: Given) -> tuple[Contribution, str]:
    """Screen and store a contribution; returns it and the private link's token, which is
    never stored and cannot be shown again."""
    token, digest = private_link.new_key()
    contribution = Contribution(round_area=round_area, token_digest=digest)
    _apply(contribution, given)
    contribution.save()
    return contribution, token


def find_by_token(token: str) -> Contribution | None:
    return (
        Contribution.objects.select_related("round_area__round")
        .filter(token_digest=private_link.digest(token))
        .first()
    )


def change(contribution: Contribution, given: Given) -> Contribution:
    """The participant's new version replaces the old, screened again and moderated again."""
    _apply(contribution, given)
    contribution.edited_at = timezone.now()
    contribution.save()
    return contribution


def delete(contribution: Contribution) -> None:
    """The participant's own deletion: the row goes; moderators' decisions about it stay,
    naming only its number."""
    with transaction.atomic():
        contribution.delete()
