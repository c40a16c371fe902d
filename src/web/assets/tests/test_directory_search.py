"""A resident narrows the directory by postcode and distance, age, day and time, cost and
access, and reads each result's distance; the list works without JavaScript."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from web.assets.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(client: Client) -> Client:
    factories.make_register()
    factories.add_saturday_playgroup()
    return client


def page(client: Client, **query: str | list[str]) -> str:
    return client.get(reverse("assets:directory"), query).content.decode()


def test_a_saturday_playgroup_is_found_near_a_postcode_with_its_distance(
    directory: Client,
) -> None:
    html = page(directory, postcode="ss14 1ae", distance="1", day="SA")
    assert "1 service near SS14 1AE, within 1 mile, nearest first" in html
    assert "Little Stars Saturday playgroup" in html
    assert "0.1 miles (St Martin&#x27;s church hall)" in html
    assert "Saturdays, 10am to 12 noon (from 4 January 2025)" in html


def test_a_distance_leaves_out_places_further_away(directory: Client) -> None:
    assert "0 services" in page(directory, postcode=factories.FAR_POSTCODE, distance="2")
    assert "Little Stars" in page(directory, postcode=factories.FAR_POSTCODE, distance="5")


def test_nearest_comes_first(directory: Client) -> None:
    html = page(directory, postcode="SS14 1AE")
    titles = re.findall(r'govuk-summary-card__title"><a [^>]*>([^<]*)</a>', html)
    # The hub is at the postcode itself; the hall is a few hundred metres away.
    assert titles == ["Domestic abuse advice", "Stay and play", "Little Stars Saturday playgroup"]


def test_an_unknown_postcode_is_an_error_naming_the_field(directory: Client) -> None:
    html = page(directory, postcode="ZZ99 9ZZ")
    assert "There is a problem" in html
    assert '<a href="#id_postcode">We do not know the postcode ZZ99 9ZZ' in html
    assert "<title>Error: Local services" in html
    assert "Enter a full UK postcode" in page(directory, postcode="SS14")
    assert "Enter a postcode to find services within a distance of it" in page(
        directory, distance="5"
    )


def test_age_keeps_services_that_take_that_age(directory: Client) -> None:
    html = page(directory, age="17")
    assert "Domestic abuse advice" in html and "Stay and play" not in html
    assert "Little Stars" in page(directory, age="5")


def test_day_and_time_of_day_keep_services_open_then(directory: Client) -> None:
    afternoon = page(directory, day="TU", time="afternoon")
    assert "Domestic abuse advice" in afternoon and "Stay and play" not in afternoon
    assert "0 services" in page(directory, day="TU", time="morning")
    assert "Stay and play" in page(directory, day="WE", time="morning")


def test_cost_and_access_come_from_the_oruk_records(directory: Client) -> None:
    paid = page(directory, cost="paid")
    assert "1 service" in paid and "Little Stars" in paid and "£2: per family" in paid
    assert "0 services" in page(directory, cost="free")
    step_free = page(directory, accessibility=["Step-free entrance"])
    assert "1 service" in step_free and "Little Stars" in step_free


def test_the_map_carries_the_listed_places_and_the_postcode(directory: Client) -> None:
    html = page(directory, postcode="SS14 1AE", distance="1", day="SA")
    data = json.loads(
        html.split('id="services-map-points" type="application/json">')[1].split("<")[0]
    )
    assert data["places"] == [
        {
            "service": "Little Stars Saturday playgroup",
            "place": "St Martin's church hall",
            "url": reverse("assets:service", kwargs={"service_id": factories.PLAYGROUP}),
            "latitude": 51.5705,
            "longitude": 0.458,
        }
    ]
    assert data["centre"]["postcode"] == "SS14 1AE"


def test_the_map_background_is_the_small_areas_of_the_districts_served(
    directory: Client,
) -> None:
    html = page(directory)
    # Every place of the test register is in Basildon (E07000066): its 110 small areas.
    url = reverse("assets:map_boundaries") + "?districts=E07000066"
    assert f'data-boundaries-url="{url}"' in html
    response = directory.get(url)
    assert len(json.loads(response.content)["features"]) == 110
    assert response["Cache-Control"] == "public, max-age=86400"
    unknown = directory.get(reverse("assets:map_boundaries"), {"districts": "<script>,E0"})
    assert json.loads(unknown.content)["features"] == []
