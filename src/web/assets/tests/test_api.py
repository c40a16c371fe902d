"""The ORUK read API as another directory uses it: its filters, its paging, what it never
shows, and that anyone may read it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from web.assets.feeds import Feed, import_feed
from web.assets.schemas import validator_for
from web.assets.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Client) -> Client:
    factories.make_register()
    return client


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [record["id"] for record in response.json()["contents"]]


def test_anyone_reads_the_api_from_any_site_without_a_key(api: Client) -> None:
    response = api.get("/oruk/services")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in api.get("/").headers


def test_services_are_found_by_words_term_taxonomy_and_ages(api: Client) -> None:
    assert ids(api.get("/oruk/services", {"search": "toddlers play"})) == [factories.STAY_AND_PLAY]
    by_term = api.get("/oruk/services", {"taxonomy_term_id": factories.TERM_ADVICE})
    assert ids(by_term) == [factories.ADVICE]
    assert len(ids(api.get("/oruk/services", {"taxonomy_id": factories.TAXONOMY}))) == 2
    assert ids(api.get("/oruk/services", {"maximum_age": "5"})) == [factories.STAY_AND_PLAY]
    assert ids(api.get("/oruk/services", {"minimum_age": "16"})) == [factories.ADVICE]


def test_services_are_found_by_day_and_time_and_change_date(api: Client) -> None:
    assert ids(api.get("/oruk/services", {"day": "Tuesday"})) == [factories.ADVICE]
    morning = {"day": "MO", "start_time": "09:00", "end_time": "12:00"}
    assert ids(api.get("/oruk/services", morning)) == [factories.STAY_AND_PLAY]
    assert ids(api.get("/oruk/services", {"day": "SU"})) == []
    recent = api.get("/oruk/services", {"modified_after": "2025-01-01T00:00:00Z"})
    assert ids(recent) == [factories.STAY_AND_PLAY]


def test_days_written_in_lower_case_with_spaces_are_found_and_shown_as_those_days(
    api: Client,
) -> None:
    play = factories.services()[0]
    play["schedules"][0]["byday"] = "mo, we"
    assert import_feed(Feed("services.json", "service", [play])).stored == 1
    assert ids(api.get("/oruk/services", {"day": "MO"})) == [factories.STAY_AND_PLAY]
    assert ids(api.get("/oruk/services", {"day": "Wednesday"})) == [factories.STAY_AND_PLAY]
    page = api.get(reverse("assets:directory")).content.decode()
    assert "Mondays and Wednesdays, 9:30am to 11:30am" in page


@pytest.mark.parametrize(
    ("address", "query", "parameter"),
    [
        ("/oruk/services", {"search": "play\x00"}, "search"),
        ("/oruk/services", {"taxonomy_id": "\x00"}, "taxonomy_id"),
        ("/oruk/service_at_locations", {"organization_id": "a\x00b"}, "organization_id"),
        (f"/oruk/services/{factories.ADVICE}%00", {}, "service_id"),
    ],
)
def test_a_nul_character_in_a_parameter_is_a_bad_request_naming_it(
    api: Client, address: str, query: dict[str, str], parameter: str
) -> None:
    response = api.get(address, query)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


def test_paging_counts_every_service_and_gives_them_in_pages(api: Client) -> None:
    first = api.get("/oruk/services", {"per_page": 1}).json()
    second = api.get("/oruk/services", {"per_page": 1, "page": 2}).json()
    assert (first["total_items"], first["total_pages"], first["size"]) == (2, 2, 1)
    assert first["first_page"] and not first["last_page"] and second["last_page"]
    assert first["contents"][0]["id"] != second["contents"][0]["id"]
    beyond = api.get("/oruk/services", {"per_page": 1, "page": 3}).json()
    assert beyond["empty"] and beyond["contents"] == []


def test_places_near_a_postcode_come_nearest_first_within_the_distance(api: Client) -> None:
    near = api.get("/oruk/service_at_locations", {"postcode": "ss16 4ab", "proximity": "2000"})
    assert sorted(ids(near)) == sorted([factories.PLAY_AT_HUB, factories.ADVICE_AT_HUB])
    too_far = api.get("/oruk/service_at_locations", {"postcode": "SS16 4AB", "proximity": "100"})
    assert ids(too_far) == []


def test_a_bad_parameter_is_refused_naming_it(api: Client) -> None:
    for params, name in [
        ({"page": "0"}, "page"),
        ({"day": "someday"}, "day"),
        ({"start_time": "noon"}, "start_time"),
        ({"modified_after": "yesterday"}, "modified_after"),
    ]:
        response = api.get("/oruk/services", params)
        assert response.status_code == 400
        assert response.json()["parameter"] == name
    unknown = api.get("/oruk/service_at_locations", {"postcode": "ZZ99 9ZZ"})
    assert unknown.status_code == 400 and "not one we know" in unknown.json()["detail"]


def test_the_refuge_is_never_served(api: Client) -> None:
    service = api.get(f"/oruk/services/{factories.ADVICE}")
    listing = api.get("/oruk/service_at_locations", {"per_page": 500})
    hidden = api.get(f"/oruk/service_at_locations/{factories.ADVICE_AT_REFUGE}")
    for response in (service, listing):
        assert response.status_code == 200
        assert factories.REFUGE not in response.content.decode()
        assert factories.REFUGE_ADDRESS not in response.content.decode()
    assert hidden.status_code == 404


def test_full_records_meet_the_oruk_schemas(api: Client) -> None:
    for url, schema in [
        (f"/oruk/services/{factories.STAY_AND_PLAY}", "compiled/service.json"),
        (
            f"/oruk/service_at_locations/{factories.PLAY_AT_HUB}",
            "compiled/service_at_location.json",
        ),
        (f"/oruk/taxonomies/{factories.TAXONOMY}", "taxonomy.json"),
        (f"/oruk/taxonomy_terms/{factories.TERM_FAMILY}", "taxonomy_term.json"),
    ]:
        response = api.get(url)
        assert response.status_code == 200
        assert not list(validator_for(schema).iter_errors(response.json())), url
    index = api.get("/oruk/").json()
    assert index["version"] == "3.0" and index["openapi_url"].endswith("/oruk/openapi.json")


def test_a_page_far_past_the_end_is_empty(api: Client) -> None:
    response = api.get("/oruk/taxonomies", {"page": str(10**20), "per_page": "500"})
    assert response.status_code == 200
    assert response.json()["empty"]
