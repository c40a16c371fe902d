"""The area profile and finding an area by postcode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from bakehouse.geography import load_postcodes
from web.areas import profile as profiles
from web.areas.postcodes import normalise
from web.releases.models import Area, Release
from web.releases.tests.builder import ReleaseSpec, write_release
from web.releases.tests.fixtures import import_published

pytestmark = pytest.mark.django_db


def postcode_in(code: str) -> str:
    table = load_postcodes()
    for postcode, lsoa in zip(
        table.column("postcode").to_pylist(), table.column("lsoa11cd").to_pylist(), strict=True
    ):
        if lsoa == code:
            return str(postcode)
    raise LookupError(code)


def flagged_area(release: Release) -> Area:
    area = release.areas.filter(flagged=True).order_by("rank").first()
    assert area is not None
    return area


def page(client: Client, area: Area) -> str:
    url = reverse(
        "areas:profile", kwargs={"recipe": area.release.recipe, "lsoa11cd": area.lsoa11cd}
    )
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_flagged_area_says_why_with_every_figure_against_district_and_county(
    client: Client, release: Release
) -> None:
    area = flagged_area(release)
    html = page(client, area)

    assert "Why this area is flagged" in html
    assert area.flag_reasons in html
    assert area.summary in html
    assert f"{area.expected_rate * 100:.1f}%" in html  # type: ignore[operator]
    assert f"of {area.future_population} children aged 2 years 6 months living in the area" in html
    assert "Expected share of children not ready for school" in html
    assert "Compared with Basildon and Essex" in html
    for heading in ("Over time", "What raises need here", "In each release"):
        assert f">{heading}</h2>" in html
    assert f"{area.rank} (95% interval {area.rank_low} to {area.rank_high}) of 10 areas" in html
    drivers = list(area.drivers.order_by("position"))
    assert html.index(drivers[0].text) < html.index(drivers[1].text)
    assert "Counts from 1 to 7 are not published" in html
    assert 'aria-hidden="true" focusable="false"' in html  # charts beside their tables


def test_an_area_not_flagged_says_so(client: Client, release: Release) -> None:
    area = release.areas.filter(flagged=False).first()
    assert area is not None
    html = page(client, area)
    assert "Is this area flagged?" in html
    assert "is not among the areas" in html


def test_suppressed_figures_are_written_as_not_published(client: Client, release: Release) -> None:
    area = release.areas.filter(observed_suppressed=True).first()
    assert area is not None
    html = page(client, area)
    assert "not published" in html


def test_an_unknown_area_is_not_found(client: Client, release: Release) -> None:
    url = reverse("areas:profile", kwargs={"recipe": release.recipe, "lsoa11cd": "E01099999"})
    assert client.get(url).status_code == 404
    elsewhere = reverse("areas:profile", kwargs={"recipe": "another", "lsoa11cd": "E01099999"})
    assert client.get(elsewhere).status_code == 404


def test_the_profile_shows_the_area_in_each_release(
    client: Client, release: Release, tmp_path: Path
) -> None:
    later = import_published(
        write_release(tmp_path, ReleaseSpec(run_id="0a1b2c3d" + "00" * 28, created="20260301"))
    )
    html = page(client, flagged_area(later))
    table = html.split('id="releases"', 1)[1]
    assert table.count('<tr class="govuk-table__row">') == 3  # heading and two releases
    assert table.index("1 March 2026") < table.index("1 October 2025")


@pytest.fixture
def extra_section() -> Iterator[profiles.ProfileSection]:
    section = profiles.ProfileSection("assets", "Assets nearby", "areas/profile/drivers.html")
    profiles.add_section(section, after="drivers")
    yield section
    profiles.SECTIONS.remove(section)


def test_later_parts_of_the_service_add_sections_to_the_profile(
    client: Client, release: Release, extra_section: profiles.ProfileSection
) -> None:
    html = page(client, flagged_area(release))
    assert html.index("What raises need here</h2>") < html.index("Assets nearby</h2>")
    assert html.index("Assets nearby</h2>") < html.index("In each release</h2>")
    assert '<a class="govuk-link" href="#assets">Assets nearby</a>' in html


def test_a_postcode_leads_to_its_area(client: Client, release: Release) -> None:
    area = flagged_area(release)
    postcode = postcode_in(area.lsoa11cd)
    typed = postcode.lower().replace(" ", "  ")
    response = client.get(reverse("areas:find"), {"postcode": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("areas:area", kwargs={"lsoa11cd": area.lsoa11cd})


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a postcode"),
        ("not a postcode", "Enter a full postcode, like SS14 1AA"),
        ("ZZ1 1ZZ", "We could not find ZZ1 1ZZ"),
        ("CM2 0HU", "is outside the area these results cover (Basildon)"),
    ],
)
def test_a_postcode_that_finds_no_area_says_why(
    client: Client, release: Release, typed: str, message: str
) -> None:
    response = client.get(reverse("areas:find"), {"postcode": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert "<title>Error: Find your area" in html


def test_postcodes_are_normalised() -> None:
    assert normalise(" ss14 1aa ") == "SS14 1AA"
    assert normalise("SS141AA") == "SS14 1AA"
    assert normalise("SS14") is None


def test_an_area_whose_coming_cohorts_are_withheld_says_so(
    client: Client, release: Release
) -> None:
    area = release.areas.filter(future_suppressed=True).first()
    assert area is not None
    html = page(client, area)
    assert "Is this area flagged?" in html
    assert "not compared with Basildon" in html
    assert "<strong>not published</strong>" not in html  # withheld figures are not bold numbers
    measures = html.split('id="measures"', 1)[1].split('id="trend"', 1)[0]
    assert measures.lower().count("not published") >= 4  # expected share, number, rank, hot spot
