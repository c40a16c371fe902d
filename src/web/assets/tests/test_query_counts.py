"""A bigger register costs no more queries per page: the ORUK API's lists and the directory
read each part of a page for all its records at once, and a search near a postcode asks the
database only for the places around it."""

from __future__ import annotations

import math
import re
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from bakehouse.geography.grid import to_wgs84
from web.assets.feeds import Feed, import_feed
from web.assets.models import Location, ServiceAtLocation
from web.assets.records import CONFIDENTIAL_LOCATION_TERM
from web.assets.search import box_around, postcode_point
from web.assets.tests import factories

pytestmark = pytest.mark.django_db

COPIES = uuid.UUID("0b8e3f0c-6a55-4f0e-8f57-3d1c2b7a9e10")
# Queries a page takes whatever the register's size: as measured, so a change that adds one
# per record (or per page) fails here.
# Each first asks the register's version (freshness.current_version).
API_LIST_QUERIES = 4  # the version, count, the page, their organisations
# The confidential location term's list (every service with a confidential place) as any other.
API_TERM_SEARCH_QUERIES = API_LIST_QUERIES
# The count, the page, whether the register writes a term it does not hold, and that term's place.
API_TERMS_QUERIES = 4
API_NEAR_QUERIES = 5  # the version, places, their services' organisations, locations, services
DIRECTORY_QUERIES = 12  # the version, kinds and access, the places, each part of the page
# Another page of a search: the filters' choices come from the cache.
DIRECTORY_NEXT_PAGE_QUERIES = 10
# The same page again, until the register changes: the version, then the cache.
CACHED_QUERIES = 1


def _renamed(value: Any, key: str, copy: int) -> Any:
    if isinstance(value, dict):
        return {name: _renamed(item, name, copy) for name, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item, key, copy) for item in value]
    if key == "id" and isinstance(value, str):
        return str(uuid.uuid5(COPIES, f"{copy}:{value}"))
    return value


def add_playgroups(first: int, last: int) -> None:
    """Copies ``first`` to ``last`` of the Saturday playgroup, each with its own hall a little
    further east of the first, every part (times, cost, language, access) its own."""
    copies = []
    for copy in range(first, last + 1):
        playgroup = _renamed(factories.saturday_playgroup(), "", copy)
        playgroup["name"] = f"Saturday playgroup {copy}"
        location = playgroup["service_at_locations"][0]["location"]
        location["longitude"] += copy * 0.001
        copies.append(playgroup)
    import_feed(Feed("services.json", "service", copies))


@pytest.fixture
def register() -> None:
    factories.make_register()
    add_playgroups(1, 5)


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_a_page_of_services_from_the_api_costs_the_same_queries_for_50_services_as_for_5(
    client: Client, register: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    small = queries(client, "/oruk/services")
    add_playgroups(6, 50)
    with django_assert_num_queries(API_LIST_QUERIES):
        response = client.get("/oruk/services")
    assert response.json()["size"] == 50
    assert small == API_LIST_QUERIES
    with django_assert_num_queries(CACHED_QUERIES):
        again = client.get("/oruk/services")
    assert again.json() == response.json()


def test_services_with_a_confidential_place_cost_a_list_page_for_50_refuges_as_for_1(
    client: Client, register: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    path = f"/oruk/services?taxonomy_term_id={CONFIDENTIAL_LOCATION_TERM}"
    assert queries(client, path) == API_TERM_SEARCH_QUERIES
    add_playgroups(6, 50)
    # Every playgroup's hall becomes a refuge: none of them has a stored mark.
    Location.objects.exclude(pk=factories.HUB).update(sensitive=True)
    with django_assert_num_queries(API_TERM_SEARCH_QUERIES):
        response = client.get(path)
    assert (response.json()["total_items"], response.json()["size"]) == (51, 50)
    with django_assert_num_queries(API_TERMS_QUERIES):
        terms = client.get("/oruk/taxonomy_terms")
    assert CONFIDENTIAL_LOCATION_TERM in [term["id"] for term in terms.json()["contents"]]


def test_places_near_a_postcode_from_the_api_cost_the_same_queries_for_50_services_as_for_5(
    client: Client, register: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    path = f"/oruk/service_at_locations?postcode={factories.HALL_POSTCODE}&proximity=5000"
    small = queries(client, path)
    add_playgroups(6, 50)
    with django_assert_num_queries(API_NEAR_QUERIES):
        response = client.get(path)
    assert response.json()["total_items"] == 52  # 50 halls and the family hub's two services
    assert small == API_NEAR_QUERIES
    with django_assert_num_queries(CACHED_QUERIES):
        again = client.get(path)
    assert again.json() == response.json()


def test_the_directory_near_a_postcode_costs_the_same_queries_for_50_services_as_for_5(
    client: Client, register: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    path = f"/assets/?postcode={factories.HALL_POSTCODE}&distance=5&day=SA&time=morning"
    small = queries(client, path)
    add_playgroups(6, 50)
    with django_assert_num_queries(DIRECTORY_QUERIES):
        html = client.get(path).content.decode()
    assert "50 services near SS14 1AE, within 5 miles, nearest first, page 1 of 3" in html
    assert small == DIRECTORY_QUERIES
    with django_assert_num_queries(CACHED_QUERIES):
        again = client.get(path).content.decode()
    assert again == html


def test_each_page_of_the_directory_costs_the_same_queries_and_shows_its_own_services(
    client: Client, register: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    add_playgroups(6, 50)
    path = f"/assets/?postcode={factories.HALL_POSTCODE}&distance=5&day=SA&time=morning"
    seen: list[str] = []
    for number in (1, 2, 3):
        expected = DIRECTORY_QUERIES if number == 1 else DIRECTORY_NEXT_PAGE_QUERIES
        with django_assert_num_queries(expected):
            html = client.get(f"{path}&page={number}").content.decode()
        assert f"page {number} of 3" in html
        names = re.findall(r"Saturday playgroup \d+", html)
        assert names and not set(names) & set(seen)
        seen.extend(names)
    assert len(set(seen)) == 50


@pytest.mark.parametrize("metres", [100.0, 1609.344, 16093.44, 40000.0])
def test_every_point_at_the_searched_distance_is_inside_the_box_the_database_is_asked_for(
    metres: float,
) -> None:
    centre = postcode_point(factories.HALL_POSTCODE)
    box = box_around(centre, metres)
    for step in range(72):
        angle = math.radians(step * 5)
        latitude, longitude = to_wgs84(
            centre[0] + metres * math.cos(angle), centre[1] + metres * math.sin(angle)
        )
        assert box.south <= latitude <= box.north
        assert box.west <= longitude <= box.east


def test_a_place_just_beyond_the_distance_is_left_out_and_one_just_within_is_kept(
    client: Client, register: None
) -> None:
    factories.add_saturday_playgroup()
    centre = postcode_point(factories.HALL_POSTCODE)
    hall = ServiceAtLocation.objects.select_related("location").get(pk=factories.PLAYGROUP_AT_HALL)
    # Moved due north of the postcode, 1 mile and 10 metres away, then 1 mile less 10 metres.
    for metres, found in ((1609.344 + 10, False), (1609.344 - 10, True)):
        hall.location.latitude, hall.location.longitude = to_wgs84(centre[0], centre[1] + metres)
        hall.location.save()
        html = client.get(
            "/assets/", {"postcode": factories.HALL_POSTCODE, "distance": "1"}
        ).content.decode()
        assert ("Little Stars Saturday playgroup" in html) is found
