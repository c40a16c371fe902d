"""A refuge in the register never appears in the directory's results, a service's page, the
map's data or the report form, whatever a resident searches for."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from web.assets.models import Location
from web.assets.tests import factories

pytestmark = pytest.mark.django_db

REFUGE_POSTCODE = "SS13 3JH"
# 64 metres from the refuge; the hub is about 2 miles away.
NEXT_DOOR = "SS13 3PG"
SECRETS = (factories.REFUGE, factories.REFUGE_ADDRESS, REFUGE_POSTCODE, "Safe house", "51.572539")


@pytest.fixture
def register(client: Client) -> Client:
    factories.make_register()
    return client


def assert_no_refuge(html: str) -> None:
    found = [secret for secret in SECRETS if secret in html]
    assert not found, f"The refuge shows: {found}"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"search": "safe place"},
        {"postcode": NEXT_DOOR},
        {"postcode": NEXT_DOOR, "distance": "1"},
        {"day": "TU", "time": "afternoon"},
        {"category": factories.TERM_ADVICE, "age": "30"},
    ],
)
def test_no_search_shows_the_refuge_or_puts_it_on_the_map(
    register: Client, query: dict[str, str]
) -> None:
    html = register.get(reverse("assets:directory"), query).content.decode()
    assert "Domestic abuse advice" in html or query.get("distance")
    assert_no_refuge(html)


def test_the_distance_is_to_the_public_place_not_the_refuge(register: Client) -> None:
    html = register.get(
        reverse("assets:directory"), {"postcode": NEXT_DOOR, "distance": "1"}
    ).content.decode()
    assert "0 services" in html
    html = register.get(reverse("assets:directory"), {"postcode": NEXT_DOOR}).content.decode()
    assert "1.9 miles (Town centre family hub)" in html


def test_the_service_page_and_report_form_leave_the_refuge_out(register: Client) -> None:
    for name in ("assets:service", "assets:report"):
        html = register.get(reverse(name, kwargs={"service_id": factories.ADVICE})).content.decode()
        assert "Town centre family hub" in html
        assert_no_refuge(html)


def test_a_service_only_at_a_refuge_has_no_place_anywhere(register: Client) -> None:
    Location.objects.filter(pk=factories.HUB).update(sensitive=True)
    html = register.get(
        reverse("assets:service", kwargs={"service_id": factories.ADVICE})
    ).content.decode()
    assert "No address is published for this service" in html
    listed = register.get(reverse("assets:directory"), {"postcode": "SS14 1AE"}).content.decode()
    assert "0 services" in listed
