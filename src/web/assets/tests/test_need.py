"""Need against assets on the site: the need-and-provision page, its map data and download,
"What is here" on every area profile, and the gap on the list of areas that could use support.
A refuge counts, and where it is never shows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from bakehouse.assets import AreaNeed, lsoa_centroids, need_against_assets, services_from_feed
from bakehouse.geography import load_area, load_deprivation
from bakehouse.world.assets import build_register
from web.accounts.roles import Role
from web.assets.feeds import Feed, import_feed
from web.assets.models import Location
from web.assets.need import assets_spec
from web.governance.models import Action, Event
from web.releases.models import Release
from web.releases.tests.builder import HOMELESSNESS, ReleaseSpec, write_release
from web.releases.tests.fixtures import import_published

pytestmark = pytest.mark.django_db

TAXONOMY = "5e2b0c11-0000-4000-8000-000000000001"
NURSERY_TERM = "5e2b0c11-0000-4000-8000-000000000002"
REFUGE_TERM = "5e2b0c11-0000-4000-8000-000000000003"
SECRET_STREET = "7 Unlisted Close"


def _service(
    number: int, name: str, term: tuple[str, str], point: tuple[float, float], street: str
) -> dict[str, Any]:
    prefix = f"5e2b0c11-0000-4000-8{number:03d}-0000000000"
    return {
        "id": f"{prefix}10",
        "name": name,
        "description": "Synthetic, for tests.",
        "status": "active",
        "schedules": [
            {
                "id": f"{prefix}20",
                "freq": "WEEKLY",
                "byday": "MO,TU",
                "opens_at": "09:00:00",
                "closes_at": "12:00:00",
            }
        ],
        "service_at_locations": [
            {
                "id": f"{prefix}30",
                "location": {
                    "id": f"{prefix}40",
                    "location_type": "physical",
                    "name": f"{name} site",
                    "latitude": point[0],
                    "longitude": point[1],
                    "addresses": [
                        {
                            "id": f"{prefix}50",
                            "address_1": street,
                            "city": "Basildon",
                            "state_province": "Essex",
                            "postal_code": "SS14 1AE",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
        "attributes": [
            {
                "id": f"{prefix}60",
                "taxonomy_term": {
                    "id": term[0],
                    "name": term[1],
                    "description": term[1],
                    "taxonomy_id": TAXONOMY,
                },
            }
        ],
    }


@pytest.fixture
def served(release: Release) -> dict[str, str]:
    """A nursery at the first area's centroid, and a refuge (filed as early years support, so
    that the school readiness recipe counts it) at the second's, its place marked sensitive."""
    codes = list(release.areas.order_by("lsoa11cd").values_list("lsoa11cd", flat=True))
    centroids = lsoa_centroids(codes)
    import_feed(
        Feed("taxonomies.json", "taxonomy", [{"id": TAXONOMY, "name": "Test", "description": "-"}])
    )
    nursery = _service(
        1, "Little Acorns Nursery", (NURSERY_TERM, "nursery"), centroids[codes[0]], "1 High Street"
    )
    refuge = _service(
        2, "Safe Harbour", (REFUGE_TERM, "Family support"), centroids[codes[1]], SECRET_STREET
    )
    assert import_feed(Feed("services.json", "service", [nursery, refuge])).refused == 0
    Location.objects.filter(pk=refuge["service_at_locations"][0]["location"]["id"]).update(
        sensitive=True
    )
    return {"served": codes[0], "refuge_area": codes[1], "nursery": nursery["id"]}


def _page(client: Client, release: Release) -> str:
    response = client.get(reverse("assets:need", kwargs={"recipe": release.recipe}))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_lists_every_area_with_need_services_and_gap(
    client: Client, release: Release, served: dict[str, str]
) -> None:
    html = _page(client, release)
    assert html.count('<th scope="row"') == release.areas.count()
    assert "Services within 800 m" in html and "Services within 5 km" in html
    assert "95% interval" in html
    assert "1 at a confidential place" in html
    assert SECRET_STREET not in html


def test_an_area_with_a_nursery_beside_it_has_a_smaller_gap_than_its_need(
    client: Client, release: Release, served: dict[str, str]
) -> None:
    data = json.loads(
        client.get(
            reverse(
                "assets:need_map_data", kwargs={"recipe": release.recipe, "release_id": release.id}
            )
        ).content
    )
    by_code = {feature["properties"]["code"]: feature for feature in data["features"]}
    assert set(by_code) == set(release.areas.values_list("lsoa11cd", flat=True))
    assert "(1 within 800 m, plus one)" in by_code[served["served"]]["properties"]["figures"][0]
    assert data["measures"][0]["id"] == "gap"


def test_the_download_names_the_release_and_recipe_and_is_logged(
    client_for: Callable[[Role | None], Client], release: Release, served: dict[str, str]
) -> None:
    response = client_for(Role.PARTNER_ANALYST).get(
        reverse("assets:need_csv", kwargs={"recipe": release.recipe})
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert release.id in rows[0][0] and release.recipe in rows[0][0]
    header, body = rows[1], rows[2:]
    assert len(body) == release.areas.count()
    assert {(r[header.index("release_id")], r[header.index("recipe")]) for r in body} == {
        (release.id, release.recipe)
    }
    row = dict(
        zip(
            header,
            next(r for r in body if r[header.index("lsoa11cd")] == served["served"]),
            strict=True,
        )
    )
    assert row["services_within_800m"] == "1"
    # The refuge counts for every area in the widest band, wherever it is.
    assert {dict(zip(header, r, strict=True))["services_within_5000m"] >= "1" for r in body} == {
        True
    }
    assert SECRET_STREET not in response.content.decode()
    assert Event.objects.filter(action=Action.DATA_EXPORTED, detail__rows=len(body)).exists()


def test_the_download_needs_an_account(client: Client, release: Release) -> None:
    response = client.get(reverse("assets:need_csv", kwargs={"recipe": release.recipe}))
    assert response.status_code in {302, 403}


def test_what_is_here_lists_the_nursery_with_its_hours_and_never_the_refuge(
    client: Client, release: Release, served: dict[str, str]
) -> None:
    html = client.get(
        reverse("areas:profile", kwargs={"recipe": release.recipe, "lsoa11cd": served["served"]})
    ).content.decode()
    section = html.split('id="what-is-here"', 1)[1].split("</section>", 1)[0]
    assert "Little Acorns Nursery" in section
    assert reverse("assets:service", kwargs={"service_id": served["nursery"]}) in section
    assert "Mondays and Tuesdays" in section
    assert "Within 800 m" in section
    refuge_area = client.get(
        reverse(
            "areas:profile", kwargs={"recipe": release.recipe, "lsoa11cd": served["refuge_area"]}
        )
    ).content.decode()
    assert "Safe Harbour" not in refuge_area and SECRET_STREET not in refuge_area


def test_the_flagged_list_shows_the_gap_beside_each_area(
    client: Client, release: Release, served: dict[str, str]
) -> None:
    html = client.get(reverse("areas:flagged", kwargs={"recipe": release.recipe})).content.decode()
    body = html.split('<tbody class="govuk-table__body">', 1)[1]
    flagged = release.areas.filter(flagged=True).count()
    assert body.count(", per service (") == flagged
    assert "Gap between need and services nearby" in html


def test_the_world_s_register_gives_the_same_counts_as_its_feed_read_directly(
    client_for: Callable[[Role | None], Client], release: Release
) -> None:
    """The site's figures, from the imported register, match the library's reading of the
    world's ORUK feed; the refuge's postcode is in neither page nor download."""
    area = load_area("basildon")
    deprivation = load_deprivation(area.lsoa_codes, None, np.random.default_rng(1), area.centroids)
    register = build_register(area, deprivation, seed=1)
    for name, kind in (("taxonomies.json", "taxonomy"), ("services.json", "service")):
        assert import_feed(Feed(name, kind, register.feeds[name])).refused == 0
    spec = assets_spec(release.recipe)
    assert spec is not None
    codes = list(release.areas.values_list("lsoa11cd", flat=True))
    expected = need_against_assets(
        [AreaNeed(code, 1.0, 0.5, 1.5, 10) for code in codes],
        services_from_feed(register.feeds["services.json"]),
        lsoa_centroids(codes),
        spec,
    )
    client = client_for(Role.PARTNER_ANALYST)
    text = client.get(reverse("assets:need_csv", kwargs={"recipe": release.recipe})).content
    rows = list(csv.reader(io.StringIO(text.decode())))[1:]
    header = rows[0]
    bands = [f"services_within_{metres}m" for metres in expected.bands]
    code = header.index("lsoa11cd")
    site = {row[code]: tuple(int(row[header.index(band)]) for band in bands) for row in rows[1:]}
    assert site == {gap.code: gap.services for gap in expected.areas}
    refuge = next(
        service
        for service in register.feeds["services.json"]
        if service["service_at_locations"][0]["location"].get("attributes")
    )
    postcode = refuge["service_at_locations"][0]["location"]["addresses"][0]["postal_code"]
    page = client.get(reverse("assets:need", kwargs={"recipe": release.recipe})).content.decode()
    assert postcode not in page and postcode not in text.decode()


def test_a_topic_that_names_no_services_says_so_and_offers_no_download(
    client_for: Callable[[Role | None], Client], tmp_path: Path
) -> None:
    spec = ReleaseSpec(run_id="5b6c7d8e" + "9f" * 28, recipe=HOMELESSNESS, seed=7)
    other = import_published(write_release(tmp_path, spec))
    client = client_for(Role.PARTNER_ANALYST)
    page = client.get(reverse("assets:need", kwargs={"recipe": other.recipe}))
    assert page.status_code == 200
    assert "does not say which services of the register serve its need" in page.content.decode()
    download = client.get(reverse("assets:need_csv", kwargs={"recipe": other.recipe}))
    assert download.status_code == 404
    code = other.areas.first()
    assert code is not None
    profile = client.get(
        reverse("areas:profile", kwargs={"recipe": other.recipe, "lsoa11cd": code.lsoa11cd})
    ).content.decode()
    assert "This topic does not say which services of the register serve its need" in profile
