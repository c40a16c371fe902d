"""Validation rounds for tests, built in code over an imported release."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from web.accounts.models import User
from web.accounts.roles import Role
from web.insight import codebooks, contributions, moderation, rounds
from web.insight.contributions import Given
from web.insight.models import (
    AgeBand,
    Contribution,
    Measure,
    ParticipantRole,
    PopulationCount,
    Round,
    RoundStatus,
    Theme,
    ThemeState,
    Verdict,
)
from web.releases.models import Release


def round_organiser() -> User:
    user, _ = User.objects.get_or_create(
        username="round-organiser", defaults={"role": Role.PARTNER_ANALYST}
    )
    return user


def make_round(
    release: Release, *, status: RoundStatus = RoundStatus.OPEN, **plan: object
) -> Round:
    """A round over the release's flagged areas, open from yesterday for four weeks."""
    today = timezone.localdate()
    fields: dict[str, object] = {
        "release": release,
        "question": "Do the flagged areas match what you know?",
        "opens_on": today - timedelta(days=1),
        "closes_on": today + timedelta(days=28),
        "retention_days": 90,
        "invited_roles": tuple(ParticipantRole.values),
        **plan,
    }
    made = rounds.create_round(rounds.RoundPlan(**fields), round_organiser())  # type: ignore[arg-type]
    if status != RoundStatus.DRAFT:
        rounds.set_status(made, status, round_organiser())
    return made


def give(
    round_: Round,
    verdict: str = Verdict.AGREES,
    reasons: str = "The estate has had no family centre since the library closed.",
    local_knowledge: str = "",
    lsoa11cd: str | None = None,
) -> tuple[Contribution, str]:
    areas = round_.areas.all()
    area = areas.get(lsoa11cd=lsoa11cd) if lsoa11cd else areas.first()
    assert area is not None
    return contributions.receive(
        area,
        Given(
            verdict=verdict,
            participant_role=ParticipantRole.RESIDENT,
            reasons=reasons,
            local_knowledge=local_knowledge,
        ),
    )


def published(round_: Round, texts: list[str], lsoa11cd: str | None = None) -> list[Contribution]:
    """Contributions with these reasons, approved by a moderator."""
    made = []
    for text in texts:
        item, _ = give(round_, reasons=text, lsoa11cd=lsoa11cd)
        moderation.approve(item, round_organiser())
        made.append(item)
    return made


def suggested_theme(round_: Round, label: str, terms: list[str]) -> Theme:
    """A suggestion as ``codebooks.suggest`` stores one, with chosen terms."""
    return Theme.objects.create(
        codebook=codebooks.codebook_of(round_),
        label=label,
        terms=terms,
        suggested_count=0,
        state=ThemeState.SUGGESTED,
    )


def insight_samples(release: Release) -> dict[str, object]:
    """URL parameters pointing at an open round of ``release``, one of its areas, a held
    contribution (the private link's key is a query parameter, so the walk opens the page that
    asks for the link) and a suggested theme."""
    made = make_round(release)
    item, _ = give(made)
    # The area's population, so the pages that say who was heard show it beside the answers.
    # Samples may be asked for twice in one test (before and after a release is withdrawn).
    for band in AgeBand.values:
        PopulationCount.objects.update_or_create(
            lsoa11cd=item.round_area.lsoa11cd,
            measure=Measure.AGE_BAND,
            group=band,
            defaults={"count": 200, "source": "test"},
        )
    return {
        "round_id": made.pk,
        "round_area_id": item.round_area_id,
        "contribution_id": item.pk,
        "theme_id": suggested_theme(made, "bus, buses, route", ["bus", "buses", "route"]).pk,
    }
