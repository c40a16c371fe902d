"""One area across every recipe: for each recipe with a current release that covers the area,
its headline figures (each with its interval and denominator, in that recipe's words), whether
the area is flagged, and a link to the recipe's full profile of the area. Each recipe's part is
cached under its release, so the page costs one small query per recipe once warm."""

from __future__ import annotations

from dataclasses import dataclass

from web.areas.measures import MEASURES
from web.areas.services import profile_url, release_areas
from web.releases import figures
from web.releases.cache import per_release
from web.releases.models import Release


@dataclass(frozen=True)
class Line:
    label: str
    figure: figures.Figure


@dataclass(frozen=True)
class RecipeFigures:
    """The area in one recipe's current release."""

    recipe: str
    title: str
    question: str
    release_id: str
    release_title: str
    flagged: bool
    summary: str
    lines: tuple[Line, ...]
    profile_url: str


@dataclass(frozen=True)
class AreaAcross:
    code: str
    name: str
    msoa_name: str
    district_name: str
    recipes: tuple[RecipeFigures, ...]


@dataclass(frozen=True)
class _Named:
    name: str
    msoa_name: str
    district_name: str


def _in_release(release: Release, code: str) -> tuple[_Named, RecipeFigures] | None:
    def compute() -> tuple[_Named, RecipeFigures] | str:
        areas = release_areas(release)
        area = next((area for area in areas if area.lsoa11cd == code), None)
        if area is None:
            return ""  # the cache cannot tell None from a miss
        words = release.words
        lines = tuple(
            Line(MEASURES[key].label_for(words), MEASURES[key].figure(area, len(areas), words))
            for key in ("expected_events", "expected_rate", "observed_rate", "rank")
        )
        named = _Named(area.lsoa11nm, area.msoa11nm, area.lad_name)
        return named, RecipeFigures(
            recipe=release.recipe,
            title=release.about.title,
            question=release.about.question,
            release_id=release.id,
            release_title=release.title,
            flagged=area.flagged,
            summary=area.summary,
            lines=lines,
            profile_url=profile_url(release.recipe, code),
        )

    found = per_release(release, f"across:{code}", compute)
    return found if isinstance(found, tuple) else None


def area_across_recipes(code: str) -> AreaAcross | None:
    """The area in every recipe's current release, by the recipe's title; None when no current
    release covers it."""
    found = [
        part
        for release in Release.objects.current_releases()
        if (part := _in_release(release, code))
    ]
    if not found:
        return None
    named = found[0][0]
    return AreaAcross(
        code=code,
        name=named.name,
        msoa_name=named.msoa_name,
        district_name=named.district_name,
        recipes=tuple(figures_ for _, figures_ in found),
    )
