"""Need against assets in the web app: the current release's expected events per area beside
the register's services of the recipe's kinds (``assets:`` of the built-in recipe of that id),
computed by ``bakehouse.assets`` from area-level figures and approved register records.

A service counts with its public places only; one whose only place is confidential (a refuge:
at a sensitive location, or marked with the confidential location term by its feed) counts for
every area in the widest band, and nothing here says where it is. A recipe that is
not built in, or has no ``assets:`` section, has no need-and-provision figures: its pages say so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from bakehouse.assets import (
    AreaGap,
    AreaNeed,
    GapTable,
    ServiceSite,
    Term,
    lsoa_centroids,
    need_against_assets,
)
from bakehouse.assets.places import lsoa_of
from bakehouse.recipes import builtin_recipes, load_recipe
from bakehouse.recipes.schema import AssetsSpec
from web.areas.services import profile_url, release_areas
from web.assets.directory import Entry, entries
from web.assets.export import confidential_services
from web.assets.finder import Found
from web.assets.models import (
    Attribute,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
)
from web.assets.records import CONFIDENTIAL_LOCATION_TERM
from web.releases import figures
from web.releases.models import Area, Release


@cache
def assets_spec(recipe: str) -> AssetsSpec | None:
    """The ``assets:`` section of the built-in recipe ``recipe``; None without one."""
    if recipe not in builtin_recipes():
        return None
    return load_recipe(recipe).recipe.assets


def register_sites() -> list[ServiceSite]:
    """Every active service of the register as the gap measure reads it, in a few queries."""
    services = list(Service.objects.filter(status=ServiceStatus.ACTIVE).order_by("pk"))
    ids = [service.pk for service in services]
    terms: dict[str, list[Term]] = defaultdict(list)
    # The confidential location term says where a service is not published, not what it does.
    kinds = Attribute.objects.filter(link_id__in=ids).exclude(
        taxonomy_term_id=CONFIDENTIAL_LOCATION_TERM
    )
    for attribute in kinds.select_related("taxonomy_term"):
        term = attribute.taxonomy_term
        terms[attribute.link_id].append(Term(term.pk, term.name))
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    at_locations = ServiceAtLocation.objects.filter(
        service_id__in=ids, location__sensitive=False
    ).select_related("location")
    for at_location in at_locations.order_by("pk"):
        location = at_location.location
        if location.latitude is not None and location.longitude is not None:
            points[at_location.service_id].append((location.latitude, location.longitude))
    hidden = confidential_services()
    areas: dict[str, list[str]] = defaultdict(list)
    for service_area in ServiceArea.objects.filter(service_id__in=ids).order_by("pk"):
        code = lsoa_of(service_area.fields)
        if code is not None and service_area.service_id is not None:
            areas[service_area.service_id].append(code)
    return [
        ServiceSite(
            id=service.pk,
            terms=tuple(terms[service.pk]),
            points=tuple(points[service.pk]),
            confidential=service.pk in hidden,
            service_areas=tuple(areas[service.pk]),
        )
        for service in services
    ]


@dataclass(frozen=True)
class NeedAnalysis:
    """The gap table of a release, with what its pages need to write it."""

    release: Release
    spec: AssetsSpec
    table: GapTable
    areas: dict[str, Area]  # by code, without boundaries

    def band_words(self, metres: int) -> str:
        band = next(band for band in self.spec.reach if band.metres == metres)
        return f"{_distance(metres)} ({band.words})"

    @property
    def gap_band_words(self) -> str:
        return self.band_words(self.table.gap_band)

    @property
    def per_text(self) -> str:
        return f"{self.table.per:,}"

    @property
    def reach(self) -> list[tuple[str, str]]:
        """Each band's distance and words, nearest first: ("2 km", "a short bus ride")."""
        return [(_distance(band.metres), band.words) for band in self.spec.reach]


def need_analysis(release: Release) -> NeedAnalysis | None:
    """The release's areas against the register; None when the recipe sets no ``assets:``."""
    spec = assets_spec(release.recipe)
    if spec is None:
        return None
    areas = {area.lsoa11cd: area for area in release_areas(release)}
    table = need_against_assets(
        [_area_need(area) for area in areas.values()],
        register_sites(),
        _centroids(release, areas),
        spec,
    )
    return NeedAnalysis(release, spec, table, areas)


def _area_need(area: Area) -> AreaNeed:
    if area.future_suppressed:
        return AreaNeed(area.lsoa11cd, None, None, None, None)
    return AreaNeed(
        area.lsoa11cd,
        area.expected_events,
        area.expected_low,
        area.expected_high,
        area.future_population,
    )


def _centroids(release: Release, areas: dict[str, Area]) -> dict[str, tuple[float, float]]:
    """Population-weighted centroids from the shipped geography; an area outside it is placed
    at the middle of its boundary's points."""
    found = lsoa_centroids(areas)
    missing = [code for code in areas if code not in found]
    for code, geometry in release.areas.filter(lsoa11cd__in=missing).values_list(
        "lsoa11cd", "geometry"
    ):
        found[code] = _middle(geometry)
    return found


def _middle(geometry: dict[str, Any]) -> tuple[float, float]:
    rings = geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        rings = [ring for polygon in rings for ring in polygon]
    points = [point for ring in rings[:1] for point in ring] or [
        point for ring in rings for point in ring
    ]
    longitude = sum(point[0] for point in points) / len(points)
    latitude = sum(point[1] for point in points) / len(points)
    return latitude, longitude


def _distance(metres: int) -> str:
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres} m"


# The page and the download.


@dataclass(frozen=True)
class NeedRow:
    code: str
    name: str
    url: str
    rank: str
    need: figures.Figure
    services: tuple[str, ...]  # per band, nearest first
    provision: figures.Figure
    gap: figures.Figure


def need_rows(analysis: NeedAnalysis) -> list[NeedRow]:
    """Every area, largest gap first; areas whose need was withheld last."""
    words = analysis.release.words
    per = f"per {analysis.table.per:,} {words.units}"
    rows = []
    for gap in analysis.table.ranked():
        area = analysis.areas[gap.code]
        rows.append(
            NeedRow(
                code=gap.code,
                name=area.lsoa11nm,
                url=profile_url(analysis.release.recipe, gap.code),
                rank=figures.count(gap.rank),
                need=figures.count_figure(
                    gap.expected, gap.low, gap.high, gap.population, words.units
                ),
                services=tuple(f"{count:,}" for count in gap.services),
                provision=_figure(gap.provision, gap.provision_low, gap.provision_high, per),
                gap=gap_figure(gap, analysis),
            )
        )
    return rows


def gap_figure(gap: AreaGap, analysis: NeedAnalysis) -> figures.Figure:
    """Expected events per ``per`` of the unit, per service within the gap band (one more
    service counted)."""
    metres = analysis.table.gap_band
    services = gap.services[analysis.table.bands.index(metres)]
    return _figure(
        gap.gap,
        gap.gap_low,
        gap.gap_high,
        f"per {analysis.table.per:,} {analysis.release.words.units}, per service "
        f"({services:,} within {_distance(metres)}, plus one)",
    )


def _figure(value: float | None, low: float | None, high: float | None, of: str) -> figures.Figure:
    if value is None:
        return figures.Figure(figures.NOT_PUBLISHED, published=False)
    return figures.Figure(
        figures.number(value),
        figures.interval(figures.number(low), figures.number(high)),
        of,
    )


CSV_COLUMNS = (
    "release_id",
    "recipe",
    "lsoa11cd",
    "lsoa11nm",
    "gap_rank",
    "expected_events",
    "expected_low",
    "expected_high",
    "future_population",
)


def csv_rows(analysis: NeedAnalysis) -> Iterable[list[Any]]:
    """The download: a line naming the release and recipe, then the columns and every area."""
    table = analysis.table
    yield [
        f"Need and provision: release {analysis.release.id}, recipe {analysis.release.recipe}, "
        f"services of the kinds: {'; '.join(analysis.spec.terms)}; straight-line distances; "
        f"{int(table.confidence * 100)}% intervals"
    ]
    bands = [f"services_within_{metres}m" for metres in table.bands]
    capacity = [f"capacity_within_{metres}m" for metres in table.bands]
    known = [f"capacity_stated_by_within_{metres}m" for metres in table.bands]
    yield [
        *CSV_COLUMNS,
        *bands,
        *capacity,
        *known,
        f"provision_per_{table.per}",
        "provision_low",
        "provision_high",
        f"gap_events_per_{table.per}_per_service_within_{table.gap_band}m",
        "gap_low",
        "gap_high",
    ]
    for gap in table.ranked():
        yield [
            analysis.release.id,
            analysis.release.recipe,
            gap.code,
            analysis.areas[gap.code].lsoa11nm,
            gap.rank,
            gap.expected,
            gap.low,
            gap.high,
            gap.population,
            *gap.services,
            *gap.capacity,
            *gap.capacity_known,
            gap.provision,
            gap.provision_low,
            gap.provision_high,
            gap.gap,
            gap.gap_low,
            gap.gap_high,
        ]


# The area profile's "What is here".


@dataclass(frozen=True)
class NearbyService:
    entry: Entry
    band: str
    metres: str


def nearby_services(analysis: NeedAnalysis, code: str) -> list[NearbyService]:
    """The public services of the recipe's kinds within reach of the area, nearest band first,
    with their opening hours in plain words."""
    gap = next((row for row in analysis.table.areas if row.code == code), None)
    if gap is None or not gap.nearby:
        return []
    services = Service.objects.select_related("organization").in_bulk(
        [nearby.service_id for nearby in gap.nearby]
    )
    shown = entries(Found(services[nearby.service_id]) for nearby in gap.nearby)
    return [
        NearbyService(
            entry,
            analysis.band_words(nearby.band_metres),
            "in its service area" if nearby.metres is None else f"{nearby.metres:,.0f} m",
        )
        for entry, nearby in zip(shown, gap.nearby, strict=True)
    ]
