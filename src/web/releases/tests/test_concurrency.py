"""Two people changing releases at the same moment, on PostgreSQL as deployed: the second
change waits for the first and then sees it, so neither ends in a server error. SQLite lets one
writer in at a time, so these run when the suite runs on PostgreSQL (the second pass of
``make test``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from django.db import connection, transaction

from web.governance.models import Action, Event
from web.releases.importer import import_release
from web.releases.lifecycle import publish_release, withdraw_release
from web.releases.models import Release
from web.releases.tests.builder import ReleaseSpec, write_release
from web.releases.verification import ReleaseRefused

pytestmark = pytest.mark.django_db(transaction=True)

T = TypeVar("T")


@pytest.fixture(autouse=True)
def postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("runs when the suite runs on PostgreSQL (the second pass of make test)")


@pytest.fixture
def other_session() -> Iterator[Callable[[Callable[[], T]], Future[T]]]:
    """Runs work in a thread of its own, so on a database connection of its own."""
    pool = ThreadPoolExecutor(max_workers=1)

    def run(work: Callable[[], T]) -> Future[T]:
        def in_session() -> T:
            try:
                return work()
            finally:
                connection.close()

        return pool.submit(in_session)

    yield run
    pool.shutdown(wait=True)


def wait_until_another_session_waits(seconds: float = 60) -> None:
    """Returns once some transaction is waiting for a lock this one holds."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    pytest.fail("the other session never waited for this one")


def test_publishing_while_another_release_of_the_recipe_is_published_makes_the_later_current(
    tmp_path: Path, other_session: Callable[[Callable[[], Release]], Future[Release]]
) -> None:
    first = import_release(write_release(tmp_path, ReleaseSpec(created="20260101")))
    second = import_release(write_release(tmp_path, ReleaseSpec(created="20260201")))
    with transaction.atomic():
        publish_release(first.id)
        later = other_session(lambda: publish_release(second.id))
        wait_until_another_session_waits()
    later.result(timeout=60)
    assert Release.objects.current("school-readiness") == second
    assert not Release.objects.get(pk=first.pk).is_current
    published = Event.objects.get(action=Action.RELEASE_PUBLISHED, object_id=second.id)
    assert published.detail["previous_current"] == first.id


def test_withdrawing_while_the_release_is_made_current_leaves_nothing_current(
    tmp_path: Path, other_session: Callable[[Callable[[], Release]], Future[Release]]
) -> None:
    first = import_release(write_release(tmp_path, ReleaseSpec(created="20260101")))
    second = import_release(write_release(tmp_path, ReleaseSpec(created="20260201")))
    publish_release(first.id)
    with transaction.atomic():
        publish_release(second.id)
        withdrawn = other_session(lambda: withdraw_release(second.id, reason="Found unsafe"))
        wait_until_another_session_waits()
    withdrawn.result(timeout=60)
    assert Release.objects.current("school-readiness") is None
    assert Event.objects.get(action=Action.RELEASE_WITHDRAWN).detail["was_current"] is True


def test_the_same_release_imported_twice_at_once_is_refused_the_second_time(
    release_source: Path, other_session: Callable[[Callable[[], Release]], Future[Release]]
) -> None:
    with transaction.atomic():
        import_release(release_source)
        again = other_session(lambda: import_release(release_source))
        wait_until_another_session_waits()
    with pytest.raises(ReleaseRefused, match="a release is never imported twice"):
        again.result(timeout=60)
    assert Release.objects.count() == 1
    assert Event.objects.filter(action=Action.RELEASE_IMPORTED).count() == 1
    assert Event.objects.filter(action=Action.RELEASE_REFUSED).count() == 1
