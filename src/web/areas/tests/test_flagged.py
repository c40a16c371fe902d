"""The list of areas that could use additional support: its orders and its logged download."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role
from web.areas.flagged import export_flagged_csv, flagged_rows
from web.governance.models import Action, Event
from web.releases.models import Release
from web.releases.tests.fixtures import import_published

pytestmark = pytest.mark.django_db


def listed_names(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">', 1)[1]
    return re.findall(r'<th scope="row" class="govuk-table__header"><a [^>]*>([^<]+)</a>', body)


def test_the_list_holds_every_flagged_area_most_need_first(
    client: Client, release: Release
) -> None:
    html = client.get(reverse("areas:flagged", kwargs={"recipe": release.recipe})).content.decode()
    flagged = list(release.areas.filter(flagged=True).order_by("rank"))
    assert listed_names(html) == [area.lsoa11nm for area in flagged]
    assert f"{len(flagged)} of 10 small areas" in html
    assert 'aria-sort="ascending"' in html
    assert "95% interval" in html


def test_a_column_heading_sorts_and_a_second_click_reverses(
    client: Client, release: Release
) -> None:
    flagged = sorted(area.lsoa11nm for area in release.areas.filter(flagged=True))
    by_name = client.get(
        reverse("areas:flagged", kwargs={"recipe": release.recipe}),
        {"sort": "name", "order": "asc"},
    )
    assert listed_names(by_name.content.decode()) == flagged
    reversed_html = client.get(
        reverse("areas:flagged", kwargs={"recipe": release.recipe}),
        {"sort": "name", "order": "desc"},
    ).content.decode()
    assert listed_names(reversed_html) == flagged[::-1]
    assert 'href="?sort=name&amp;order=asc"' in reversed_html

    by_expected = client.get(
        reverse("areas:flagged", kwargs={"recipe": release.recipe}), {"sort": "expected_number"}
    )
    numbers = [
        area.lsoa11nm for area in release.areas.filter(flagged=True).order_by("-expected_events")
    ]
    assert listed_names(by_expected.content.decode()) == numbers
    unknown = client.get(
        reverse("areas:flagged", kwargs={"recipe": release.recipe}), {"sort": "surname"}
    )
    assert unknown.status_code == 200


def test_anyone_signed_in_downloads_the_list_and_the_download_is_logged(
    client_for: Callable[[Role | None], Client], release: Release
) -> None:
    client = client_for(Role.PARTNER_ANALYST)
    response = client.get(
        reverse("areas:flagged_csv", kwargs={"recipe": release.recipe}),
        {"sort": "name", "order": "asc"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        f'filename="areas-that-could-use-support-{release.id}.csv"'
        in response["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    flagged = sorted(release.areas.filter(flagged=True), key=lambda area: area.lsoa11nm)
    assert [row["lsoa11nm"] for row in rows] == [area.lsoa11nm for area in flagged]
    first = rows[0]
    assert first["release_id"] == release.id
    for column in ("expected_low", "expected_high", "future_population", "rank_low", "rank_high"):
        assert first[column] != ""

    event = Event.objects.get(action=Action.DATA_EXPORTED)
    assert event.actor_username == "analyst-1"
    assert (event.object_type, event.object_id) == ("releases.release", release.id)
    assert event.detail == {
        "download": f"areas-that-could-use-support-{release.id}.csv",
        "recipe": "school-readiness",
        "rows": len(flagged),
    }


def test_anonymous_visitors_are_asked_to_sign_in_to_download(
    client: Client, release: Release
) -> None:
    html = client.get(reverse("areas:flagged", kwargs={"recipe": release.recipe})).content.decode()
    assert "sign in</a> to download this list" in html
    response = client.get(reverse("areas:flagged_csv", kwargs={"recipe": release.recipe}))
    assert response.status_code == 302
    assert not Event.objects.filter(action=Action.DATA_EXPORTED).exists()


def test_text_a_spreadsheet_would_run_as_a_formula_is_escaped(
    db: None, release_source: object
) -> None:
    release = import_published(release_source)  # type: ignore[arg-type]
    area = release.areas.filter(flagged=True).first()
    assert area is not None
    release.areas.filter(pk=area.pk).update(flag_reasons='=HYPERLINK("http://x")')
    text = export_flagged_csv(release, flagged_rows(release), actor=None)
    assert "'=HYPERLINK" in text
