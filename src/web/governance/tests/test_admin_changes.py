"""Every change made in the admin site is written to the governance log."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from web.accounts.models import User
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.governance.models import Action, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for_role(client_for: Callable[[Role | None], Client]) -> Client:
    return client_for(Role.ADMINISTRATOR)


def test_adding_an_account_is_logged(admin_client_for_role: Client) -> None:
    response = admin_client_for_role.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new-analyst",
            "email": "",
            "role": Role.PARTNER_ANALYST,
            "usable_password": "true",
            "password1": "plum-kettle-orbit-57",
            "password2": "plum-kettle-orbit-57",
        },
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    added = User.objects.get(username="new-analyst")
    event = Event.objects.get(action=Action.ADMIN_ADDITION)
    assert (event.actor_username, event.object_type, event.object_id) == (
        "administrator-1",
        "accounts.user",
        str(added.pk),
    )


def test_changing_a_role_is_logged_with_what_changed(admin_client_for_role: Client) -> None:
    viewer = make_user(Role.PARTNER_VIEWER, username="viewer-1")
    response = admin_client_for_role.post(
        reverse("admin:accounts_user_change", args=[viewer.pk]),
        {"username": "viewer-1", "email": "", "role": Role.CUSTODIAN, "is_active": "on"},
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    event = Event.objects.get(action=Action.ADMIN_CHANGE)
    assert event.object_id == str(viewer.pk)
    assert "Role" in event.detail["change"]


def test_deleting_accounts_in_bulk_logs_each_one(admin_client_for_role: Client) -> None:
    doomed = [make_user(Role.COMMUNITY_MEMBER, username=f"community-{n}") for n in range(3)]
    response = admin_client_for_role.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [user.pk for user in doomed],
            "post": "yes",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not User.objects.filter(username__startswith="community-").exists()
    deleted = Event.objects.filter(action=Action.ADMIN_DELETION)
    assert sorted(event.detail["record"] for event in deleted) == [
        "community-0",
        "community-1",
        "community-2",
    ]
