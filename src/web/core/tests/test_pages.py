"""The shared layout, the public pages and the error pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries, Settings

from web.accounts.roles import Role
from web.core.views import server_error
from web.releases.models import Release

pytestmark = pytest.mark.django_db


def nav_labels(html: str) -> list[str]:
    """The text of each item in the service navigation."""
    nav = html.split('id="navigation">', 1)[1].split("</ul>", 1)[0]
    items = nav.split("<li")[1:]
    return [" ".join(re.sub(r"<[^>]*>", " ", item.split(">", 1)[1]).split()) for item in items]


PUBLIC = [
    "Home",
    "Topics",
    "Find your area",
    "Local services",
    "How this works",
    "Recipes",
    "Releases",
]
RECIPE = {"recipe": "school-readiness"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, [*PUBLIC, "Sign in"]),
        (Role.PARTNER_ANALYST, [*PUBLIC, "Community views", "Sign out"]),
        (Role.PARTNER_VIEWER, [*PUBLIC, "Sign out"]),
        (Role.COMMUNITY_MEMBER, [*PUBLIC, "Sign out"]),
        (Role.CUSTODIAN, [*PUBLIC, "Audit trail", "Sign out"]),
        (Role.ADMINISTRATOR, [*PUBLIC, "Community views", "Administration", "Sign out"]),
    ],
    ids=lambda value: getattr(value, "value", None) or "anonymous",
)
def test_navigation_offers_only_the_pages_a_role_may_open(
    role: Role | None, expected: list[str], client_for: Callable[[Role | None], Client]
) -> None:
    html = client_for(role).get(reverse("core:accessibility")).content.decode()
    assert nav_labels(html) == expected


@pytest.mark.parametrize(
    ("view_name", "kwargs", "current"),
    [
        ("areas:recipes", {}, "Topics"),
        ("areas:map", RECIPE, "Topics"),
        ("areas:flagged", RECIPE, "Topics"),
        ("areas:find", {}, "Find your area"),
        ("areas:area", {"lsoa11cd": "first area"}, "Find your area"),
        ("transparency:fairness", RECIPE, "How this works"),
        ("recipes:book", {}, "Recipes"),
        ("releases:compare", {}, "Releases"),
        ("assets:directory", {}, "Local services"),
    ],
)
def test_navigation_marks_the_page_or_its_section_as_current(
    view_name: str, kwargs: dict[str, str], current: str, client: Client, release: Release
) -> None:
    if "lsoa11cd" in kwargs:
        kwargs = {"lsoa11cd": release.areas.order_by("lsoa11cd").values_list("lsoa11cd")[0][0]}
    html = client.get(reverse(view_name, kwargs=kwargs)).content.decode()
    nav = html.split('id="navigation">', 1)[1].split("</ul>", 1)[0]
    assert nav.count('aria-current="page"') == 1
    active = nav.split('aria-current="page"', 1)[1].split("</a>", 1)[0]
    assert current in active


def test_home_tells_a_signed_in_person_their_role(
    client_for: Callable[[Role | None], Client],
) -> None:
    html = client_for(Role.CUSTODIAN).get(reverse("core:home")).content.decode()
    assert "You are signed in as <strong>custodian-1</strong>" in html
    assert "data custodian or data protection officer" in html


def test_layout_carries_the_partnership_brand_not_the_crown(
    client: Client, settings: Settings
) -> None:
    settings.PARTNERSHIP_NAME = "Thurrock Data Partnership"
    html = client.get(reverse("core:home")).content.decode()
    assert (
        '<a href="/" class="govuk-generic-header__homepage-link">Thurrock Data Partnership</a>'
        in html
    )
    assert "<title>Home – Thurrock Data Partnership</title>" in html
    for mark in ("crown", "crest", "GOV.UK", "GDS Transport", "Open Government Licence"):
        assert mark not in html


def test_accessibility_statement_names_the_contact(client: Client, settings: Settings) -> None:
    settings.PARTNERSHIP_CONTACT_EMAIL = "access@example.org"
    html = client.get(reverse("core:accessibility")).content.decode()
    assert 'href="mailto:access@example.org"' in html
    assert "WCAG" in html


def test_missing_page_is_the_styled_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found" in response.content.decode()
    assert "govuk-frontend.min.css" in response.content.decode()


def test_forbidden_page_is_the_styled_403(client_for: Callable[[Role | None], Client]) -> None:
    response = client_for(Role.PARTNER_VIEWER).get(reverse("governance:audit_trail"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "You cannot open this page" in response.content.decode()


def test_server_error_page_renders_without_the_database(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Sorry, there is a problem with the service" in html
    assert "Essex Data Partnership" in html


def test_a_form_without_its_security_token_gets_the_styled_explanation() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Your form could not be sent" in response.content.decode()
