"""Need against assets on the area pages: the "What is here" section of every area profile,
and the gap beside each area on the list of areas that could use support (the template tag
``need_gaps`` in ``templatetags/need.py``). Registered from the app's ``ready()``."""

from __future__ import annotations

from typing import Any

from web.areas.profile import AreaProfile, ProfileSection, add_section
from web.assets.need import gap_figure, nearby_services, need_analysis
from web.releases import figures
from web.releases.models import Release


def what_is_here(profile: AreaProfile) -> dict[str, Any]:
    """The services of the recipe's kinds near the area, and the area's gap. The register
    changes between releases, so this section is drawn for each visit."""
    release = Release.objects.filter(pk=profile.release_id).first()
    analysis = need_analysis(release) if release is not None else None
    if analysis is None:
        return {"analysis": None}
    gap = next(row for row in analysis.table.areas if row.code == profile.code)
    return {
        "analysis": analysis,
        "gap": gap_figure(gap, analysis),
        "rank": figures.count(gap.rank),
        "ranked": sum(1 for row in analysis.table.areas if row.rank is not None),
        "services": [
            (metres, words, count)
            for (metres, words), count in zip(analysis.reach, gap.services, strict=True)
        ],
        "nearby": nearby_services(analysis, profile.code),
    }


def gaps_by_area(release: Release) -> dict[str, figures.Figure]:
    """Each area's gap as written, for the list of areas that could use support."""
    analysis = need_analysis(release)
    if analysis is None:
        return {}
    return {gap.code: gap_figure(gap, analysis) for gap in analysis.table.areas}


def register() -> None:
    add_section(
        ProfileSection(
            "what-is-here", "What is here", "assets/profile/what_is_here.html", what_is_here
        ),
        after="drivers",
    )
