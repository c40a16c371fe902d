"""The need-and-provision map: each area coloured by its gap, in the area maps' bands and
colours (``web.areas.measures``), drawn by the area maps' own module from data in the shape
of theirs (one measure). The table on the page gives every area's figures."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.urls import reverse

from web.areas.measures import Band, Legend, Measure, Scale, legend_for
from web.areas.services import profile_url
from web.assets.need import NeedAnalysis, gap_figure
from web.releases import figures
from web.releases.models import Area

MEASURE_ID = "gap"


@dataclass(frozen=True)
class NeedMap:
    label: str
    data_url: str
    bands: tuple[Band, ...]


def _measure(analysis: NeedAnalysis) -> Measure:
    gaps = {gap.code: gap.gap for gap in analysis.table.areas}
    return Measure(
        MEASURE_ID,
        f"Expected {{events}} per {analysis.table.per:,} {{units}}, per service within "
        f"{analysis.gap_band_words}",
        "The gap between need and provision: darker areas expect more per service.",
        Scale.QUANTILE,
        lambda area: gaps.get(area.lsoa11cd),
        lambda area, count, words: figures.Figure(figures.NOT_PUBLISHED, published=False),
    )


def _legend(analysis: NeedAnalysis) -> tuple[Measure, Legend]:
    measure = _measure(analysis)
    return measure, legend_for(measure, list(analysis.areas.values()))


def need_map(analysis: NeedAnalysis) -> NeedMap:
    measure, legend = _legend(analysis)
    release = analysis.release
    return NeedMap(
        measure.label_for(release.words),
        reverse(
            "assets:need_map_data", kwargs={"recipe": release.recipe, "release_id": release.id}
        ),
        legend.bands,
    )


def need_map_data(analysis: NeedAnalysis) -> bytes:
    """GeoJSON of the release's areas with the gap's band and figure: what the area maps'
    module draws."""
    measure, legend = _legend(analysis)
    release = analysis.release
    rows = {gap.code: gap for gap in analysis.table.areas}
    areas: list[Area] = list(release.areas.all())
    data = {
        "type": "FeatureCollection",
        "release": release.id,
        "recipe": release.recipe,
        "measures": [
            {
                "id": MEASURE_ID,
                "label": measure.label_for(release.words),
                "bands": [{"label": band.label, "colour": band.colour} for band in legend.bands],
            }
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
                    "bands": [legend.band_of[area.lsoa11cd]],
                    "figures": [gap_figure(rows[area.lsoa11cd], analysis).text],
                },
            }
            for area in areas
        ],
    }
    return json.dumps(data, separators=(",", ":")).encode()
