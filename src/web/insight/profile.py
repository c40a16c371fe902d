"""The area profile's "What communities said" section (see ``web.areas.profile``)."""

from __future__ import annotations

from typing import Any

from web.areas.profile import AreaProfile, ProfileSection, add_section
from web.insight.models import Round, RoundStatus
from web.insight.results import REVIEW_RULE, results_for_area


def _context(profile: AreaProfile) -> dict[str, Any]:
    results = results_for_area(profile.recipe, profile.code)
    open_rounds = [
        found
        for found in Round.objects.filter(
            recipe=profile.recipe, status=RoundStatus.OPEN, areas__lsoa11cd=profile.code
        )
        if found.accepting
    ]
    threshold = results[0].round_area.round.release.suppression_threshold if results else 0
    return {
        "results": results,
        "open_rounds": open_rounds,
        "review_rule": REVIEW_RULE.format(threshold=threshold),
    }


def add_profile_section() -> None:
    # Drawn from records people type in: rendered on each visit, never cached with the release.
    add_section(
        ProfileSection(
            "communities", "What communities said", "insight/profile_section.html", _context
        )
    )
