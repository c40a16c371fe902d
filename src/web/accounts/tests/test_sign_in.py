"""Signing in and out: the happy path, mistakes, throttling, and the events each writes."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from web.accounts.roles import Role
from web.accounts.tests.factories import PASSWORD, make_user
from web.governance.models import Action, Event

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:login")
OWNER = "198.51.100.7"
STRANGER = "203.0.113.9"


def sign_in(
    client: Client, username: str, password: str, address: str = OWNER, **fields: str
) -> Any:
    return client.post(
        SIGN_IN, {"username": username, "password": password, **fields}, REMOTE_ADDR=address
    )


def test_right_password_signs_in_and_is_logged(client: Client) -> None:
    analyst = make_user(Role.PARTNER_ANALYST)
    response = sign_in(client, analyst.username, PASSWORD)
    assert response.status_code == HTTPStatus.FOUND
    assert response.headers["Location"] == reverse("core:home")
    event = Event.objects.get()
    assert (event.action, event.actor, event.actor_username) == (
        Action.SIGN_IN,
        analyst,
        analyst.username,
    )


def test_sign_in_returns_to_the_page_that_asked_for_it(client: Client) -> None:
    custodian = make_user(Role.CUSTODIAN)
    audit_trail = reverse("governance:audit_trail")
    response = sign_in(client, custodian.username, PASSWORD, next=audit_trail)
    assert response.headers["Location"] == audit_trail


def test_wrong_password_shows_the_error_and_logs_the_typed_username_only(
    client: Client,
) -> None:
    make_user(Role.PARTNER_VIEWER, username="viewer-1")
    response = sign_in(client, "viewer-1", "not-the-password")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter a correct username and password" in html
    assert "<title>Error: Sign in" in html
    event = Event.objects.get()
    assert (event.action, event.actor, event.actor_username) == (
        Action.SIGN_IN_FAILED,
        None,
        "viewer-1",
    )
    assert "not-the-password" not in str(event.detail)


def test_empty_form_names_each_missing_field_and_links_to_it(client: Client) -> None:
    html = sign_in(client, "", "").content.decode()
    assert '<a href="#id_username">Enter your username</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html
    assert 'aria-describedby="id_username_error"' in html


def test_fifth_failure_locks_out_even_the_right_password(client: Client) -> None:
    community = make_user(Role.COMMUNITY_MEMBER)
    for _ in range(4):
        assert sign_in(client, community.username, "wrong").status_code == HTTPStatus.OK
    fifth = sign_in(client, community.username, "wrong")
    assert fifth.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Signing in is paused" in fifth.content.decode()
    right = sign_in(client, community.username, PASSWORD)
    assert right.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not right.wsgi_request.user.is_authenticated
    assert Event.objects.filter(action=Action.LOCKED_OUT, actor_username=community.username)


def test_a_strangers_failures_from_elsewhere_do_not_lock_the_owner_out(client: Client) -> None:
    owner = make_user(Role.CUSTODIAN)
    for _ in range(10):
        response = sign_in(client, owner.username, "wrong", address=STRANGER)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    at_home = sign_in(client, owner.username, PASSWORD, address=OWNER)
    assert at_home.status_code == HTTPStatus.FOUND
    assert at_home.wsgi_request.user == owner


def test_an_address_trying_many_usernames_is_throttled_at_the_address_limit(
    client: Client, settings: Settings
) -> None:
    make_user(Role.PARTNER_VIEWER, username="viewer-1")
    limit = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    for attempt in range(limit - 1):
        response = sign_in(client, f"guess-{attempt}", "wrong", address=STRANGER)
        assert response.status_code == HTTPStatus.OK
    last = sign_in(client, f"guess-{limit}", "wrong", address=STRANGER)
    assert last.status_code == HTTPStatus.TOO_MANY_REQUESTS
    blocked = sign_in(client, "viewer-1", PASSWORD, address=STRANGER)
    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    elsewhere = sign_in(client, "viewer-1", PASSWORD, address=OWNER)
    assert elsewhere.status_code == HTTPStatus.FOUND


def test_signing_in_to_one_account_does_not_clear_an_address_guessing_at_others(
    client: Client, settings: Settings
) -> None:
    accomplice = make_user(Role.PARTNER_VIEWER, username="viewer-1")
    limit = settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
    for attempt in range(limit - 1):
        sign_in(client, f"guess-{attempt}", "wrong", address=STRANGER)
    assert sign_in(client, accomplice.username, PASSWORD, address=STRANGER).status_code == (
        HTTPStatus.FOUND
    )
    client.post(reverse("accounts:logout"))
    last = sign_in(client, "guess-last", "wrong", address=STRANGER)
    assert last.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_a_success_clears_earlier_failures(client: Client) -> None:
    analyst = make_user(Role.PARTNER_ANALYST)
    for _ in range(4):
        sign_in(client, analyst.username, "wrong")
    assert sign_in(client, analyst.username, PASSWORD).status_code == HTTPStatus.FOUND
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        sign_in(client, analyst.username, "wrong")
    assert sign_in(client, analyst.username, PASSWORD).status_code == HTTPStatus.FOUND


def test_signing_out_takes_a_post_and_is_logged(client: Client) -> None:
    viewer = make_user(Role.PARTNER_VIEWER)
    client.force_login(viewer)
    assert client.get(reverse("accounts:logout")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    response = client.post(reverse("accounts:logout"))
    assert response.headers["Location"] == reverse("core:home")
    assert Event.objects.filter(action=Action.SIGN_OUT, actor=viewer).count() == 1
    assert client.get(reverse("core:home")).wsgi_request.user.is_anonymous
