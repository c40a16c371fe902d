"""What the map and the list of areas show, computed once per release and cached. A release
belongs to one recipe; its pages live under that recipe's address."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.urls import reverse

from web.areas.measures import MEASURES, Band, Measure, Scale, legend_for
from web.releases.cache import per_release
from web.releases.models import Area, Release


def release_areas(release: Release) -> list[Area]:
    """The release's areas without their boundaries, ordered by code."""
    return per_release(release, "areas", lambda: list(release.areas.defer("geometry")))


def profile_url(recipe: str, code: str) -> str:
    """The area's profile for one recipe."""
    return reverse("areas:profile", kwargs={"recipe": recipe, "lsoa11cd": code})


def area_url(code: str) -> str:
    """The area's page with every recipe's figures."""
    return reverse("areas:area", kwargs={"lsoa11cd": code})


@dataclass(frozen=True)
class MapRow:
    """One area in the table beside the map."""

    code: str
    name: str
    url: str
    figure: str
    band: str
    colour: str
    flagged: bool


@dataclass(frozen=True)
class MapTable:
    measure_id: str  # the measure itself holds functions, which the cache cannot store
    label: str  # in the recipe's words
    description: str
    bands: tuple[Band, ...]
    rows: tuple[MapRow, ...]

    @property
    def measure(self) -> Measure:
        return MEASURES[self.measure_id]


def map_table(release: Release, measure: Measure) -> MapTable:
    """The legend and the table equivalent of the map for one measure, most need first."""
    return per_release(release, f"map-table:{measure.id}", lambda: _map_table(release, measure))


def _map_table(release: Release, measure: Measure) -> MapTable:
    areas = release_areas(release)
    legend = legend_for(measure, areas)
    words = release.words

    def order(area: Area) -> tuple[int, float, str]:
        if measure.scale is Scale.CATEGORY:
            return (legend.band_of[area.lsoa11cd], float(area.rank or 0), area.lsoa11nm)
        value = measure.value(area)
        if value is None:
            return (len(legend.bands), 0.0, area.lsoa11nm)
        return (0, -value if measure.higher_is_more_need else value, area.lsoa11nm)

    rows = tuple(
        MapRow(
            code=area.lsoa11cd,
            name=area.lsoa11nm,
            url=profile_url(release.recipe, area.lsoa11cd),
            figure=measure.figure(area, len(areas), words).text,
            band=legend.bands[legend.band_of[area.lsoa11cd]].label,
            colour=legend.bands[legend.band_of[area.lsoa11cd]].colour,
            flagged=area.flagged,
        )
        for area in sorted(areas, key=order)
    )
    return MapTable(
        measure.id, measure.label_for(words), measure.description_for(words), legend.bands, rows
    )


def map_data(release: Release) -> bytes:
    """GeoJSON of the release's areas with every measure's band and figure, and the legends:
    what the map module draws. Measures are lists in the order of ``measures``."""
    return per_release(release, "map-data", lambda: _map_data(release))


def _map_data(release: Release) -> bytes:
    areas = list(release.areas.all())
    measures = list(MEASURES.values())
    legends = [legend_for(measure, areas) for measure in measures]
    words = release.words
    data = {
        "type": "FeatureCollection",
        "release": release.id,
        "recipe": release.recipe,
        "measures": [
            {
                "id": measure.id,
                "label": measure.label_for(words),
                "bands": [{"label": band.label, "colour": band.colour} for band in legend.bands],
            }
            for measure, legend in zip(measures, legends, strict=True)
        ],
        "features": [
            {
                "type": "Feature",
                "geometry": area.geometry,
                "properties": {
                    "code": area.lsoa11cd,
                    "name": area.lsoa11nm,
                    "url": profile_url(release.recipe, area.lsoa11cd),
                    "flagged": area.flagged,
                    "bands": [legend.band_of[area.lsoa11cd] for legend in legends],
                    "figures": [
                        measure.figure(area, len(areas), words).text for measure in measures
                    ],
                },
            }
            for area in areas
        ],
    }
    return json.dumps(data, separators=(",", ":")).encode()
