"""The public recipes page: each recipe the web app knows, with its question, evidence, what it
needs, its results so far and its pack, for anyone without an account."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from web.recipes.importer import import_pack
from web.recipes.tests.builder import (
    ADDED_VALUE,
    INTERVENTION,
    REGISTRATION,
    ROUND_QUESTION,
    SURVEY_QUESTION,
    THEME,
    VERDICT,
    PackSpec,
    write_pack,
)
from web.recipes.tests.factories import serve_pack_of
from web.releases.importer import import_release
from web.releases.models import Release
from web.releases.tests.builder import HOMELESSNESS, ReleaseSpec, write_release
from web.releases.tests.fixtures import import_published


def section(html: str, recipe: str) -> str:
    """The page's section about one recipe."""
    found = re.search(rf'<section[^>]*aria-labelledby="{recipe}">(.*?)</section>', html, re.S)
    assert found is not None, f"no section for {recipe}"
    return found.group(1)


def page() -> str:
    response = Client().get(reverse("recipes:book"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_recipe_with_a_release_and_a_pack_shows_every_part(release: Release) -> None:
    pack = serve_pack_of(release)
    flagged = release.areas.filter(flagged=True).count()

    shown = section(page(), release.recipe)

    assert release.about.question in shown
    assert "Not yet evaluated: no evidence of effect." in shown
    assert "0.749 (0.733 to 0.763)" in shown and ADDED_VALUE in shown
    assert (
        "<strong>Health visiting contacts</strong>: The ASQ-3 scores of the 2-2.5 year review. "
        "Shared under the agreement “Health visiting for school readiness” (DSA-NHS-HV-2026)."
    ) in shown
    assert f"{flagged} of 10 could use additional support" in shown
    assert reverse("areas:recipe", args=[release.recipe]) in shown
    assert pack.sha256 in shown and f"Key {pack.signed_by}" in shown
    assert reverse("recipes:pack", args=[release.recipe]) in shown


def test_a_recipe_with_no_pack_says_so_plainly(release: Release, tmp_path: Path) -> None:
    import_published(write_release(tmp_path, ReleaseSpec(recipe=HOMELESSNESS)))
    serve_pack_of(release)

    shown = section(page(), HOMELESSNESS.id)

    assert HOMELESSNESS.question in shown
    assert "This recipe has no pack to download yet." in shown
    assert "There is no pack for this recipe yet" in shown
    assert reverse("recipes:pack", args=[HOMELESSNESS.id]) not in shown


@pytest.mark.django_db
def test_a_recipe_with_a_pack_but_no_published_release_shows_no_results(tmp_path: Path) -> None:
    spec = PackSpec(recipe="homelessness-prevention", title="Homelessness", question="Who next?")
    import_pack(write_pack(tmp_path / "pack.zip", spec))
    import_release(write_release(tmp_path, ReleaseSpec(recipe=HOMELESSNESS)))  # a draft only

    shown = section(page(), "homelessness-prevention")

    assert "Who next?" in shown
    assert "No results are published yet for this recipe here." in shown
    assert "could use additional support" not in shown


@pytest.mark.django_db
def test_a_pack_carrying_an_evaluation_shows_its_verdict_and_registration(tmp_path: Path) -> None:
    spec = PackSpec(recipe="school-readiness", evaluated=True)
    import_pack(write_pack(tmp_path / "pack.zip", spec))

    shown = " ".join(section(page(), "school-readiness").split())

    assert "Not yet evaluated" not in shown
    assert f"<strong>{INTERVENTION}</strong> ({REGISTRATION}): {VERDICT}." in shown
    assert "weaker evidence than a pre-registered one" in shown


@pytest.mark.django_db
def test_with_nothing_imported_the_page_says_there_is_no_recipe_yet() -> None:
    assert "No recipe has published results or a pack yet." in page()


@pytest.mark.django_db
def test_a_resident_finds_the_page_in_the_navigation() -> None:
    html = Client().get(reverse("core:home")).content.decode()

    assert re.search(rf'href="{reverse("recipes:book")}">\s*Recipes\s*</a>', html)


@pytest.mark.django_db
def test_a_pack_carrying_community_insight_shows_what_communities_said(tmp_path: Path) -> None:
    import_pack(write_pack(tmp_path / "pack.zip", PackSpec(insight=True)))

    shown = " ".join(section(page(), "school-readiness").split())

    said = shown.split("What communities said", 1)[1].split("What it needs", 1)[0]
    assert ROUND_QUESTION in said
    assert "Asked 1 November 2026 to 28 November 2026 about 2 areas, 1 of them flagged" in said
    assert "1 flagged area marked for review: at least 7 people gave a view" in said
    assert "Basildon 001A (flagged), marked for review</th>" in said and "fewer than 7" in said
    # The quiet unflagged area is summed up, not listed.
    assert "Basildon 001B" not in said
    assert "In each of the other areas fewer than 7 published a view, or none did." in said
    assert "Themes, in 25 published contributions" in said and f"{THEME}: 15" in said
    assert "Under-heard: Age: 16 to 24." in said
    assert f"{SURVEY_QUESTION} (12 answered): On foot 12; By bus 0" in said


@pytest.mark.django_db
def test_a_pack_without_community_insight_says_none_was_published(tmp_path: Path) -> None:
    import_pack(write_pack(tmp_path / "pack.zip", PackSpec()))

    shown = section(page(), "school-readiness")

    assert "No community insight was published with this recipe's pack." in shown
