"""The register's tests start from an empty cache: a test's writes are rolled back, and with
them the register's version, so the next test's versions repeat the same numbers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from web.accounts.models import User
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.assets.feeds import Feed, import_feed
from web.assets.models import Service
from web.assets.tests import factories


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def playgroup() -> Service:
    """The register with the playgroup, its contact and their phones, as staff change them."""
    factories.make_register()
    import_feed(Feed("services.json", "service", [factories.playgroup_with_contact()]))
    return Service.objects.get(pk=factories.PLAYGROUP)


@pytest.fixture
def proposer() -> User:
    return make_user(Role.PARTNER_ANALYST)


@pytest.fixture
def approver() -> User:
    return make_user(Role.ADMINISTRATOR)
