"""Release history: what each release holds, what changed between two, and going back to an
earlier one from the web."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.releases import contract
from web.releases.comparison import compare_releases, release_before
from web.releases.models import Release
from web.releases.tests.builder import ReleaseSpec, tamper, write_release
from web.releases.tests.fixtures import import_published

pytestmark = pytest.mark.django_db

LATER = ReleaseSpec(run_id="0a1b2c3d" + "00" * 28, created="20260301")


def later_release(
    tmp_path: Path, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
) -> Release:
    """A later release of the same areas whose areas table went through ``change``."""
    folder = write_release(tmp_path, LATER)
    tamper(folder, contract.AREAS, change)
    return import_published(folder)


def swap_first_and_last(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The most and least needy areas trade places, ranks, intervals and flags."""
    ranked = sorted((row for row in rows if row["rank"] is not None), key=lambda row: row["rank"])
    top, bottom = ranked[0], ranked[-1]
    fields = ("rank", "rank_low", "rank_high", "flagged", "flag_reasons")
    top_values = {field: top[field] for field in fields}
    top.update({field: bottom[field] for field in fields})
    bottom.update(top_values)
    return rows


def test_a_comparison_finds_newly_flagged_areas_and_clear_moves(
    release: Release, tmp_path: Path
) -> None:
    later = later_release(tmp_path, swap_first_and_last)
    comparison = compare_releases(release, later)
    first = release.areas.get(rank=1)
    last = release.areas.get(rank=8)  # two of the ten areas have their expected figures withheld

    assert [change.code for change in comparison.no_longer_flagged] == [first.lsoa11cd]
    assert [change.code for change in comparison.newly_flagged] == [last.lsoa11cd]
    moved = {change.code: change for change in comparison.rank_changes}
    assert moved[last.lsoa11cd].places == 7
    assert moved[first.lsoa11cd].places == -7
    assert moved[last.lsoa11cd].beyond_intervals
    assert comparison.clear_moves == 2
    assert comparison.rank_changes[0].distance == 7
    assert release_before(later) == release


def test_the_history_lists_every_release_and_which_is_shown(
    client: Client, release: Release, tmp_path: Path
) -> None:
    later = import_published(write_release(tmp_path, LATER))
    html = client.get(reverse("releases:history")).content.decode()
    assert html.index(later.id) < html.index(release.id)
    assert html.count('<strong class="govuk-tag">Current</strong>') == 1
    assert "Compare two releases" in html


def test_a_release_page_shows_its_checks_files_and_changes(
    client: Client, release: Release, tmp_path: Path
) -> None:
    later = later_release(tmp_path, swap_first_and_last)
    html = client.get(reverse("releases:detail", kwargs={"release_id": later.id})).content.decode()
    assert "no_cell_below_threshold" in html
    assert later.manifest["files"][contract.AREAS] in html
    assert "Newly flagged: 1 area" in html
    assert "No longer flagged: 1 area" in html
    assert "Show this release on every page" not in html  # anonymous, and it is current

    first = client.get(reverse("releases:detail", kwargs={"release_id": release.id}))
    assert "This is the first release" in first.content.decode()


def test_comparing_a_release_with_itself_is_an_error(client: Client, release: Release) -> None:
    html = client.get(
        reverse("releases:compare"), {"earlier": release.id, "later": release.id}
    ).content.decode()
    assert "There is only one release so far" in html

    response = client.get(reverse("releases:compare"), {"earlier": "x", "later": "y"})
    assert "There is a problem" in response.content.decode()


def test_the_comparison_page_lists_every_area_biggest_move_first(
    client: Client, release: Release, tmp_path: Path
) -> None:
    later = later_release(tmp_path, swap_first_and_last)
    html = client.get(
        reverse("releases:compare"), {"earlier": release.id, "later": later.id}
    ).content.decode()
    assert "What changed from" in html
    assert "up 7 places (more need)" in html
    assert "down 7 places (less need)" in html
    assert "Beyond the intervals: a real change is likely" in html

    same = client.get(
        reverse("releases:compare"), {"earlier": later.id, "later": later.id}
    ).content.decode()
    assert "Choose two different releases" in same


def test_an_analyst_shows_an_earlier_release_again_and_it_is_logged(
    client_for: Callable[[Role | None], Client], release: Release, tmp_path: Path
) -> None:
    later = import_published(write_release(tmp_path, LATER))
    client = client_for(Role.PARTNER_ANALYST)
    url = reverse("releases:detail", kwargs={"release_id": release.id})
    assert "Show this release on every page" in client.get(url).content.decode()

    response = client.post(reverse("releases:make_current", kwargs={"release_id": release.id}))
    assert response.status_code == 302
    assert Release.objects.current("school-readiness") == release
    event = Event.objects.get(action=Action.RELEASE_MADE_CURRENT)
    assert event.actor_username == "analyst-1"
    assert event.detail["previous_current"] == later.id
    assert "Every page of school readiness now shows" in client.get(url).content.decode()


@pytest.mark.parametrize("role", [Role.PARTNER_VIEWER, Role.COMMUNITY_MEMBER, Role.CUSTODIAN])
def test_other_roles_cannot_change_the_current_release(
    role: Role, client_for: Callable[[Role | None], Client], release: Release, tmp_path: Path
) -> None:
    import_published(write_release(tmp_path, LATER))
    client = client_for(role)
    url = reverse("releases:detail", kwargs={"release_id": release.id})
    assert "Show this release on every page" not in client.get(url).content.decode()
    response = client.post(reverse("releases:make_current", kwargs={"release_id": release.id}))
    assert response.status_code == 403
    assert Release.objects.current("school-readiness") != release
