"""The map: its data file, its legend, and the table that gives the same figures without
JavaScript."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from web.areas.measures import MEASURES, SEQUENTIAL, legend_for
from web.areas.services import map_data
from web.releases.models import Area, Release
from web.releases.tests.builder import ReleaseSpec, write_release
from web.releases.tests.fixtures import import_published

pytestmark = pytest.mark.django_db

MAP_DATA_LIMIT = 300_000  # bytes, for all of Basildon (DESIGN.md)


def test_basildon_map_data_holds_every_area_and_measure_within_300_kb(tmp_path: Path) -> None:
    release = import_published(write_release(tmp_path, ReleaseSpec(lsoas=None)))
    payload = map_data(release)
    data = json.loads(payload)

    assert len(payload) < MAP_DATA_LIMIT
    assert len(data["features"]) == 110
    assert [measure["id"] for measure in data["measures"]] == list(MEASURES)
    feature = data["features"][0]
    assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert len(feature["properties"]["bands"]) == len(MEASURES)
    assert "95% interval" in feature["properties"]["figures"][0]
    assert feature["properties"]["url"] == reverse(
        "areas:profile",
        kwargs={"recipe": "school-readiness", "lsoa11cd": feature["properties"]["code"]},
    )
    assert data["measures"][0]["label"] == "Expected number of children not ready for school"


def test_map_data_is_served_from_the_cache_and_revalidated_by_browsers(
    client: Client, release: Release, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    url = reverse("areas:map_data", kwargs={"recipe": release.recipe, "release_id": release.id})
    first = client.get(url)
    with django_assert_max_num_queries(1):
        second = client.get(url)
    assert first.content == second.content
    assert second["Content-Type"] == "application/json"
    # Kept by browsers only while they ask again: a withdrawn release must leave at once.
    assert second["Cache-Control"] == "public, no-cache"
    again = client.get(url, HTTP_IF_NONE_MATCH=second["ETag"])
    assert again.status_code == 304
    assert not again.content
    missing = reverse("areas:map_data", kwargs={"recipe": release.recipe, "release_id": "no-such"})
    assert client.get(missing).status_code == 404
    elsewhere = reverse("areas:map_data", kwargs={"recipe": "another", "release_id": release.id})
    assert client.get(elsewhere).status_code == 404


def test_quantile_legend_puts_the_most_need_in_the_darkest_band(release: Release) -> None:
    areas = list(release.areas.all())
    legend = legend_for(MEASURES["expected_rate"], areas)
    assert [band.label for band in legend.bands].count("Not published") == 1  # one withheld
    assert len(legend.bands) == 6
    published = [area for area in areas if area.expected_rate is not None]
    highest = max(published, key=lambda area: area.expected_rate or 0)
    lowest = min(published, key=lambda area: area.expected_rate or 1)
    assert legend.bands[legend.band_of[highest.lsoa11cd]].colour == SEQUENTIAL[-1]
    assert legend.bands[legend.band_of[lowest.lsoa11cd]].colour == SEQUENTIAL[0]

    ranks = legend_for(MEASURES["rank"], areas)
    first = next(area for area in areas if area.rank == 1)
    assert ranks.bands[ranks.band_of[first.lsoa11cd]].colour == SEQUENTIAL[-1]


def test_areas_without_a_published_value_get_their_own_band(release: Release) -> None:
    areas = list(release.areas.all())
    suppressed = [area for area in areas if area.observed_rate is None]
    assert suppressed, "the test release has an area whose past rate is not published"
    legend = legend_for(MEASURES["observed_rate"], areas)
    band = legend.bands[legend.band_of[suppressed[0].lsoa11cd]]
    assert band.label == "Not published"


def test_equal_values_share_a_band() -> None:
    areas = [
        Area(lsoa11cd=f"E0100000{index}", lsoa11nm=f"A{index}", expected_rate=value)
        for index, value in enumerate([0.1, 0.1, 0.1, 0.1, 0.2, 0.3])
    ]
    legend = legend_for(MEASURES["expected_rate"], areas)
    assert len({legend.band_of[area.lsoa11cd] for area in areas[:4]}) == 1
    assert len(legend.bands) == 3


def test_the_map_page_gives_every_figure_in_a_table_and_a_key(
    client: Client, release: Release
) -> None:
    html = client.get(reverse("areas:map", kwargs={"recipe": release.recipe})).content.decode()
    assert 'id="area-map"' in html
    data_url = reverse(
        "areas:map_data", kwargs={"recipe": release.recipe, "release_id": release.id}
    )
    assert f'data-map-url="{data_url}"' in html
    assert html.count('<th scope="row" class="govuk-table__header"><a class="govuk-link"') == 10
    assert "95% interval" in html
    assert "children aged 2 years 6 months living in the area" in html
    assert "Thick outline: could use additional support" in html
    for script in ("leaflet/leaflet.js", "areas/js/map.js"):
        assert script in html
    assert "<script>" not in html


def test_the_measure_is_chosen_without_javascript(client: Client, release: Release) -> None:
    url = reverse("areas:map", kwargs={"recipe": release.recipe})
    html = client.get(url, {"measure": "imd_decile"}).content.decode()
    assert '<h2 class="govuk-heading-m" id="measure-heading">Deprivation' in html
    assert 'data-measure="imd_decile"' in html
    assert "Deciles 1 and 2 (most deprived)" in html
    assert '<option value="imd_decile" selected>' in html

    fallback = client.get(url, {"measure": "<script>"}).content.decode()
    assert 'data-measure="expected_events"' in fallback


def test_the_hotspot_map_orders_hot_spots_first(client: Client, release: Release) -> None:
    url = reverse("areas:map", kwargs={"recipe": release.recipe})
    html = client.get(url, {"measure": "hotspot"}).content.decode()
    table = html.split("<tbody", 1)[1]
    assert table.index("Hot spot") < table.index("Cold spot")


def test_pages_without_a_release_say_nothing_is_published_yet(client: Client) -> None:
    for name in ("core:home", "areas:recipes", "areas:find", "transparency:overview"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "No results have been published yet" in response.content.decode()
    assert client.get(reverse("areas:area", kwargs={"lsoa11cd": "E01021237"})).status_code == 404
    for name in ("areas:recipe", "areas:map", "areas:flagged", "transparency:model_card"):
        assert client.get(reverse(name, kwargs={"recipe": "school-readiness"})).status_code == 404
