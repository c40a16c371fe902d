"""Fixtures shared by the web app's tests: accounts per role, and releases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from web.accounts.models import User
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.releases.tests.fixtures import release, release_folder, release_source

__all__ = ["release", "release_folder", "release_source"]


@pytest.fixture
def user_for(db: None) -> Callable[[Role], User]:
    """One account per role, made on first use."""
    made: dict[Role, User] = {}

    def get(role: Role) -> User:
        if role not in made:
            made[role] = make_user(role)
        return made[role]

    return get


@pytest.fixture
def client_for(user_for: Callable[[Role], User]) -> Callable[[Role | None], Client]:
    """A test client signed in with the given role, or anonymous for None."""

    def get(role: Role | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(user_for(role))
        return client

    return get
