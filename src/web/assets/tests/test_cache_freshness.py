"""The public register's searches are cached, and no write can leave a cached page behind it:
after a feed import, an approved change (of a record's fields, or a part added or removed), a
check, a place made sensitive (by the command, or by ``QuerySet.update()``, which sends no
signal), a withdrawn service or plain SQL, the next request shows the register as it is now."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from web.accounts.models import User
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.assets.changes import (
    approve,
    mark_checked,
    propose,
    propose_addition,
    propose_removal,
    records_of,
)
from web.assets.feeds import Feed, import_feed
from web.assets.freshness import current_version
from web.assets.models import ChangedKind, CostOption, Location, Service
from web.assets.tests import factories

pytestmark = pytest.mark.django_db

DIRECTORY = f"/assets/?postcode={factories.HALL_POSTCODE}&distance=2"
API_LIST = "/oruk/services"
API_NEAR = f"/oruk/service_at_locations?postcode={factories.HALL_POSTCODE}&proximity=3000"
PAGES = (DIRECTORY, API_LIST, API_NEAR)
HALL_WORDS = ("St Martin", "Church Walk", factories.CHURCH_HALL)


@pytest.fixture
def register() -> None:
    factories.make_register()
    factories.add_saturday_playgroup()


def seen(client: Client) -> dict[str, str]:
    """Every cached page, as the public gets it."""
    pages = {}
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200
        pages[path] = response.content.decode()
    return pages


def cached_first(client: Client) -> dict[str, str]:
    """Each page asked twice, so that the second answer came from the cache."""
    first = seen(client)
    assert seen(client) == first
    return first


def staff_pair() -> tuple[User, User]:
    return make_user(Role.PARTNER_ANALYST), make_user(Role.ADMINISTRATOR)


def test_a_feed_import_that_renames_a_service_shows_at_once(client: Client, register: None) -> None:
    before = cached_first(client)
    assert all("Little Stars Saturday playgroup" in page for page in before.values())
    renamed = {**factories.saturday_playgroup(), "name": "Little Stars Saturday club"}
    import_feed(Feed("services.json", "service", [renamed]))
    for path, page in seen(client).items():
        assert "Little Stars Saturday club" in page, path
        assert "Little Stars Saturday playgroup" not in page, path


def test_an_approved_change_shows_at_once_and_a_proposed_one_does_not(
    client: Client, register: None
) -> None:
    cached_first(client)
    proposer, approver = staff_pair()
    service = Service.objects.get(pk=factories.PLAYGROUP)
    change = propose(
        service, "service", service, {"name": "Little Stars club"}, proposer, "Renamed"
    )
    assert all("Little Stars club" not in page for page in seen(client).values())
    approve(change, approver)
    assert all("Little Stars club" in page for page in seen(client).values())


def test_an_approved_addition_shows_at_once_and_a_proposed_one_does_not(
    client: Client, register: None
) -> None:
    new_cost = "£5: per child, holiday club"
    assert new_cost not in cached_first(client)[DIRECTORY]
    proposer, approver = staff_pair()
    service = Service.objects.get(pk=factories.PLAYGROUP)
    wanted = {"option": "per child, holiday club", "amount": 5}
    change = propose_addition(
        service, ChangedKind.COST_OPTION, ("service", service.pk), wanted, proposer, "New"
    )
    assert new_cost not in seen(client)[DIRECTORY]
    approve(change, approver)
    assert new_cost in seen(client)[DIRECTORY]


def test_an_approved_removal_shows_at_once_in_the_page_and_its_filters(
    client: Client, register: None
) -> None:
    paid = f"{DIRECTORY}&cost=paid"
    assert "£2: per family, per session" in cached_first(client)[DIRECTORY]
    assert "Little Stars Saturday playgroup" in client.get(paid).content.decode()
    proposer, approver = staff_pair()
    service = Service.objects.get(pk=factories.PLAYGROUP)
    cost = CostOption.objects.get(pk=factories.PLAYGROUP_COST)
    approve(propose_removal(service, ChangedKind.COST_OPTION, cost, proposer, "Free"), approver)
    assert "£2: per family, per session" not in seen(client)[DIRECTORY]
    assert "Little Stars Saturday playgroup" not in client.get(paid).content.decode()


@pytest.mark.parametrize(
    ("kind", "wanted", "parent"),
    [
        (ChangedKind.COST_OPTION, {"amount": 1}, "service"),
        (ChangedKind.CONTACT, {"title": "Bookings"}, "service"),
        (ChangedKind.PHONE, {"number": "01268 000009"}, "contact"),
        (ChangedKind.LANGUAGE, {"code": "pl"}, "service"),
    ],
)
def test_every_approved_addition_and_removal_moves_the_version_on(
    client: Client, kind: str, wanted: dict[str, object], parent: str
) -> None:
    factories.make_register()
    import_feed(Feed("services.json", "service", [factories.playgroup_with_contact()]))
    proposer, approver = staff_pair()
    service = Service.objects.get(pk=factories.PLAYGROUP)
    owner = records_of(service, parent).get().pk
    addition = propose_addition(service, kind, (parent, owner), wanted, proposer, "New")
    version = current_version()
    approve(addition, approver)
    assert current_version() > version
    added = records_of(service, kind).get(pk=addition.record_id)
    removal = propose_removal(service, kind, added, proposer, "Gone again")
    version = current_version()
    approve(removal, approver)
    assert current_version() > version


def test_a_check_by_staff_shows_at_once(client: Client, register: None) -> None:
    assert "Last checked by a person on" not in cached_first(client)[DIRECTORY]
    mark_checked(Service.objects.get(pk=factories.PLAYGROUP), make_user(Role.PARTNER_ANALYST))
    assert "Last checked by a person on" in seen(client)[DIRECTORY]


@pytest.mark.parametrize(
    "hide",
    [
        lambda: call_command("mark_sensitive", factories.CHURCH_HALL),
        lambda: Location.objects.filter(pk=factories.CHURCH_HALL).update(sensitive=True),
    ],
    ids=["by the command", "by QuerySet.update"],
)
def test_a_place_made_sensitive_leaves_every_cached_page_at_once(
    client: Client, register: None, hide: Callable[[], object]
) -> None:
    # The API's list of services names no places; the other two do.
    placed = (DIRECTORY, API_NEAR)
    before = cached_first(client)
    assert all(any(word in before[path] for word in HALL_WORDS) for path in placed)
    hide()
    after = seen(client)
    for path in placed:
        assert not [word for word in HALL_WORDS if word in after[path]], path


def test_a_withdrawn_service_leaves_every_cached_page_at_once(
    client: Client, register: None
) -> None:
    cached_first(client)
    Service.objects.filter(pk=factories.PLAYGROUP).delete()
    for path, page in seen(client).items():
        assert "Little Stars Saturday playgroup" not in page, path


def test_a_write_in_plain_sql_moves_the_version_on(register: None) -> None:
    version = current_version()
    table = connection.ops.quote_name(Service._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET name = %s WHERE id = %s", ["x", factories.PLAYGROUP])  # noqa: S608
    assert current_version() > version


def test_a_page_asked_for_differently_is_cached_apart(client: Client, register: None) -> None:
    near = client.get(DIRECTORY).content.decode()
    searched = client.get("/assets/?search=stay").content.decode()
    reordered = client.get(f"/assets/?distance=2&postcode={factories.HALL_POSTCODE}")
    assert "Little Stars Saturday playgroup" in near
    assert "Little Stars Saturday playgroup" not in searched
    assert "Little Stars Saturday playgroup" in reordered.content.decode()
