"""Several recipes side by side: each has its own current release, its own pages in its own
words, and an area's page shows every recipe's figures for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from web.areas.tests.test_profile import postcode_in
from web.releases.importer import import_release
from web.releases.lifecycle import publish_release, set_current_release, withdraw_release
from web.releases.models import Release
from web.releases.tests.builder import HOMELESSNESS, SCHOOL_READINESS, ReleaseSpec, write_release
from web.releases.tests.fixtures import import_published

pytestmark = pytest.mark.django_db

HOMELESS_RUN = "5b6c7d8e" + "9f" * 28
# What the pages of one recipe must never say when they are about the other.
SCHOOL_WORDS = re.compile(r"child|school|reception|good level of development", re.IGNORECASE)
HOMELESS_WORDS = re.compile(r"homeless|household", re.IGNORECASE)
RECIPE_PAGES = (
    "areas:recipe",
    "areas:map",
    "areas:flagged",
    "transparency:recipe",
    "transparency:model_card",
    "transparency:fairness",
    "transparency:data_quality",
)


@pytest.fixture
def homelessness(db: None, tmp_path_factory: pytest.TempPathFactory) -> Release:
    folder = tmp_path_factory.mktemp("homelessness")
    spec = ReleaseSpec(run_id=HOMELESS_RUN, recipe=HOMELESSNESS, seed=7)
    return import_published(write_release(folder, spec))


def main_text(client: Client, url: str) -> str:
    """The page's main content as text, without the header, navigation and footer."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode().split('id="main-content">', 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]*>", " ", html).split())


def test_the_home_page_lists_each_recipe_with_its_question(
    client: Client, release: Release, homelessness: Release
) -> None:
    text = main_text(client, reverse("core:home"))
    assert SCHOOL_READINESS.question in text
    assert HOMELESSNESS.question in text
    assert text.index("Homelessness prevention") < text.index("School readiness")  # by title
    topics = main_text(client, reverse("areas:recipes"))
    assert SCHOOL_READINESS.question in topics and HOMELESSNESS.question in topics


@pytest.mark.parametrize("name", RECIPE_PAGES)
def test_each_recipe_s_pages_speak_its_own_words_only(
    name: str, client: Client, release: Release, homelessness: Release
) -> None:
    homeless = main_text(client, reverse(name, kwargs={"recipe": HOMELESSNESS.id}))
    school = main_text(client, reverse(name, kwargs={"recipe": SCHOOL_READINESS.id}))
    assert "Homelessness prevention" in homeless
    assert not SCHOOL_WORDS.search(homeless), SCHOOL_WORDS.search(homeless)
    assert not HOMELESS_WORDS.search(school), HOMELESS_WORDS.search(school)


def test_a_recipe_s_area_profile_uses_its_words_and_denominators(
    client: Client, release: Release, homelessness: Release
) -> None:
    area = homelessness.areas.filter(flagged=True).order_by("rank").first()
    assert area is not None
    url = reverse("areas:profile", kwargs={"recipe": HOMELESSNESS.id, "lsoa11cd": area.lsoa11cd})
    text = main_text(client, url)
    assert f"of {area.future_population} households renting in the area" in text
    assert "Expected share of households approaching the council as homeless" in text
    assert "Approaches to the council as homeless" in text  # the trend's column
    assert not SCHOOL_WORDS.search(text), SCHOOL_WORDS.search(text)


def test_an_area_s_page_shows_every_recipe_with_intervals_and_denominators(
    client: Client, release: Release, homelessness: Release
) -> None:
    code = homelessness.areas.filter(future_suppressed=False).order_by("rank").first().lsoa11cd  # type: ignore[union-attr]
    school = release.areas.get(lsoa11cd=code)
    homeless = homelessness.areas.get(lsoa11cd=code)
    text = main_text(client, reverse("areas:area", kwargs={"lsoa11cd": code}))

    assert text.count("95% interval") >= 4
    assert "Expected number of children not ready for school" in text
    assert "Expected number of approaches to the council as homeless" in text
    if school.future_population is not None:
        assert f"of {school.future_population} children aged 2 years 6 months" in text
    assert f"of {homeless.future_population} households renting in the area" in text
    for recipe in (SCHOOL_READINESS.id, HOMELESSNESS.id):
        profile = reverse("areas:profile", kwargs={"recipe": recipe, "lsoa11cd": code})
        assert (
            f'href="{profile}"'
            in client.get(reverse("areas:area", kwargs={"lsoa11cd": code})).content.decode()
        )


def test_publishing_one_recipe_s_release_leaves_the_other_s_current(
    release: Release, homelessness: Release, tmp_path: Path
) -> None:
    later = import_release(
        write_release(tmp_path, ReleaseSpec(run_id="0a1b2c3d" + "00" * 28, created="20260301"))
    )
    publish_release(later.id)
    assert Release.objects.current(SCHOOL_READINESS.id) == later
    assert Release.objects.current(HOMELESSNESS.id) == homelessness

    set_current_release(release.id)
    assert Release.objects.current(SCHOOL_READINESS.id) == release
    assert Release.objects.current(HOMELESSNESS.id) == homelessness

    withdraw_release(release.id, reason="A figure could be narrowed down.")
    assert Release.objects.current(SCHOOL_READINESS.id) is None
    assert Release.objects.current(HOMELESSNESS.id) == homelessness
    assert [found.recipe for found in Release.objects.current_releases()] == [HOMELESSNESS.id]


def test_the_database_holds_one_current_release_per_recipe(
    release: Release, homelessness: Release, tmp_path: Path
) -> None:
    later = import_release(
        write_release(tmp_path, ReleaseSpec(run_id="0a1b2c3d" + "00" * 28, created="20260301"))
    )
    publish_release(later.id, make_current=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.filter(pk=later.pk).update(is_current=True)
    assert Release.objects.filter(is_current=True).count() == 2  # one for each recipe


def test_a_postcode_leads_to_the_area_across_recipes(
    client: Client, release: Release, homelessness: Release
) -> None:
    code = release.areas.order_by("lsoa11cd").first().lsoa11cd  # type: ignore[union-attr]
    response = client.get(reverse("areas:find"), {"postcode": postcode_in(code)})
    assert response["Location"] == reverse("areas:area", kwargs={"lsoa11cd": code})


def test_only_releases_of_one_recipe_are_compared(
    client: Client, release: Release, homelessness: Release
) -> None:
    response = client.get(
        reverse("releases:compare"), {"earlier": release.id, "later": homelessness.id}
    )
    assert "Choose two releases of the same topic" in response.content.decode()


def test_addresses_from_before_recipes_lead_to_the_recipe_or_the_topics(
    client: Client, release: Release, tmp_path: Path
) -> None:
    one = client.get("/areas/support/")
    assert one["Location"] == reverse("areas:flagged", kwargs={"recipe": SCHOOL_READINESS.id})
    card = client.get("/how-this-works/model-card/")
    assert card["Location"] == reverse(
        "transparency:model_card", kwargs={"recipe": SCHOOL_READINESS.id}
    )
    spec = ReleaseSpec(run_id=HOMELESS_RUN, recipe=HOMELESSNESS)
    import_published(write_release(tmp_path, spec))
    assert client.get("/areas/")["Location"] == reverse("areas:recipes")
