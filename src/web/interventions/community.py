"""What communities said, on an intervention's page: the themes that led to it with their
published counts, and the published results of validation rounds for its areas. Everything
comes through ``web.insight.results``, under the release's disclosure rules: moderated
contributions only, counts below the threshold withheld, quotes only where enough people
answered."""

from __future__ import annotations

from dataclasses import dataclass

from bakehouse.insight.themes import EVERYWHERE
from web.insight.models import RoundStatus
from web.insight.results import AreaResult, results_for_area, theme_tables
from web.interventions.models import Intervention
from web.releases.models import Release

NOT_PUBLISHED = "Not published"


@dataclass(frozen=True)
class LinkedTheme:
    label: str
    description: str
    question: str
    round_id: int
    # Contributions in the whole round carrying the theme, as the round's report publishes it.
    count: str


@dataclass(frozen=True)
class AreaSaid:
    code: str
    name: str
    results: tuple[AreaResult, ...]


def linked_themes(intervention: Intervention) -> list[LinkedTheme]:
    """The linked themes of rounds the public can read (opened, on a published release)."""
    themes = (
        intervention.themes.exclude(codebook__round__status=RoundStatus.DRAFT)
        .select_related("codebook__round__release")
        .order_by("codebook__round__pk", "position", "pk")
    )
    tables: dict[int, dict[str, str]] = {}
    found = []
    for theme in themes:
        round_ = theme.codebook.round
        if not round_.release.is_public:
            continue
        if round_.pk not in tables:
            table = theme_tables(round_).get(EVERYWHERE)
            shown = {} if table is None else {row.label: row.count for row in table.themes}
            tables[round_.pk] = shown
        found.append(
            LinkedTheme(
                label=theme.label,
                description=theme.description,
                question=round_.question,
                round_id=round_.pk,
                count=tables[round_.pk].get(theme.label, NOT_PUBLISHED),
            )
        )
    return found


def areas_said(intervention: Intervention, release: Release | None) -> list[AreaSaid]:
    """Each of the intervention's areas that a round asked about, with its published results."""
    names = {}
    if release is not None:
        names = dict(
            release.areas.filter(lsoa11cd__in=intervention.lsoa_codes).values_list(
                "lsoa11cd", "lsoa11nm"
            )
        )
    found = []
    for code in intervention.lsoa_codes:
        results = [
            result
            for result in results_for_area(intervention.recipe, code)
            if result.round_area.round.release.is_public
        ]
        if results:
            found.append(AreaSaid(code, names.get(code, code), tuple(results)))
    return found
