"""Every page, as every visitor who can reach it, has no WCAG 2.2 A or AA violation that
axe-core can find, and loads nothing the Content Security Policy blocks. A release is imported
first, so the map, the profiles and the other release pages show real content."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import Page, expect

from bakehouse.geography import load_postcodes
from web.accounts import access
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.areas.measures import MEASURES
from web.core.views import server_error
from web.releases.models import Release
from web.releases.tests.builder import ReleaseSpec, write_release
from web.releases.tests.fixtures import import_published
from web.tests.url_walk import sample_url, url_patterns, url_samples

CheckAccessibility = Callable[[str], None]

# Addresses that answer with something other than a page.
NOT_PAGES = {
    "admin:jsi18n",  # the admin site's JavaScript translation catalogue
    "areas:map_data",  # GeoJSON for the map
    "assets:map_boundaries",  # GeoJSON behind the directory's map
    "areas:flagged_csv",  # a download
    "recipes:pack",
    "assets:need_csv",
    "assets:need_map_data",  # GeoJSON for the need-and-provision map
    "insight:decisions_csv",
    "interventions:plan_yaml",  # the frozen plan file, for the evaluation command
    "interventions:run_plot",  # an evaluation's plot, an SVG image shown on its pages
    "interventions:released_plot",  # the same, of an evaluation a release carries
    "transparency:model_card_markdown",  # plain text
    "transparency:transparency_record_markdown",
    # The community asset register's Open Referral UK API: JSON for other directories.
    "oruk:index",
    "oruk:openapi",
    "oruk:services",
    "oruk:service",
    "oruk:service_at_locations",
    "oruk:service_at_location",
    "oruk:taxonomies",
    "oruk:taxonomy",
    "oruk:taxonomy_terms",
    "oruk:taxonomy_term",
}


def page_names_for(role: Role | None) -> list[str]:
    """URL names this visitor may open that answer a GET with a page (200)."""
    names = []
    for name, _ in url_patterns():
        rule = access.rule_for(name)
        if rule is None or rule.get_status != HTTPStatus.OK or name in NOT_PAGES:
            continue
        if rule.is_public or (role is not None and rule.allows_role(role)):
            names.append(name)
    return names


def check_every_page(
    page: Page,
    site: str,
    role: Role | None,
    release: Release,
    draft: Release,
    check_accessibility: CheckAccessibility,
) -> list[str]:
    """Opens every page the visitor may open and checks it; returns the URL names checked."""
    subject = make_user(Role.PARTNER_VIEWER, username="subject-of-admin-pages")
    samples = url_samples(subject, release, draft)
    patterns = dict(url_patterns())
    checked = []
    for name in page_names_for(role):
        response = page.goto(site + sample_url(name, patterns[name], samples))
        assert response is not None and response.ok, name
        check_accessibility(f"{role.value if role else 'anonymous'}-{name.replace(':', '-')}")
        checked.append(name)
    return checked


def test_public_pages(
    page: Page,
    site: str,
    published_release: Release,
    homelessness_release: Release,
    draft_release: Release,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    checked = check_every_page(
        page, site, None, published_release, draft_release, check_accessibility
    )
    assert {
        "core:home",
        "areas:recipes",
        "areas:recipe",
        "areas:map",
        "areas:area",
        "areas:profile",
        "assets:need",
        "transparency:recipe",
        "transparency:agreements",
        "recipes:book",
    } <= set(checked)
    assert not browser_problems


def test_a_second_recipe_s_pages(
    page: Page,
    site: str,
    published_release: Release,
    homelessness_release: Release,
    draft_release: Release,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    """Every page of a recipe, for the second recipe, in its own words."""
    subject = make_user(Role.PARTNER_VIEWER, username="subject-of-admin-pages")
    samples = url_samples(subject, homelessness_release, draft_release)
    patterns = dict(url_patterns())
    checked = []
    for name in page_names_for(None):
        if "recipe" not in patterns[name].pattern.regex.groupindex:
            continue
        page.goto(site + sample_url(name, patterns[name], samples))
        expect(page.locator("main")).to_contain_text("Homelessness prevention")
        check_accessibility(f"anonymous-homelessness-{name.replace(':', '-')}")
        checked.append(name)
    assert {"areas:recipe", "areas:map", "areas:profile", "transparency:fairness"} <= set(checked)
    assert not browser_problems


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_pages_of_each_role(
    role: Role,
    page: Page,
    site: str,
    published_release: Release,
    homelessness_release: Release,
    draft_release: Release,
    sign_in_as: Callable[[Role], object],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    sign_in_as(role)
    checked = check_every_page(
        page, site, role, published_release, draft_release, check_accessibility
    )
    assert "core:home" in checked
    if role == Role.CUSTODIAN:
        assert {"releases:drafts", "releases:publish", "releases:withdraw"} <= set(checked)
    assert not browser_problems


def test_sign_in_with_errors(
    page: Page, site: str, check_accessibility: CheckAccessibility, browser_problems: list[str]
) -> None:
    page.goto(site + reverse("accounts:login"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your username")
    check_accessibility("anonymous-sign-in-errors")
    assert not browser_problems


def test_a_custodian_publishes_and_withdraws_a_release(
    page: Page,
    site: str,
    draft_release: Release,
    sign_in_as: Callable[[Role], object],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    """The review and withdrawal forms with their errors, then the withdrawn release as the
    public reads it: the history and its own page."""
    sign_in_as(Role.CUSTODIAN)
    page.goto(site + reverse("releases:publish", kwargs={"release_id": draft_release.id}))
    page.get_by_role("button", name="Publish this release").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that you have reviewed")
    check_accessibility("custodian-publish-errors")
    page.get_by_label("I have reviewed this release").check()
    page.get_by_role("button", name="Publish this release").click()
    expect(page.get_by_role("alert")).to_contain_text("Published")

    page.goto(site + reverse("releases:withdraw", kwargs={"release_id": draft_release.id}))
    page.get_by_role("button", name="Withdraw this release").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why the release is withdrawn")
    check_accessibility("custodian-withdraw-errors")
    page.get_by_label("Why is it withdrawn?").fill("A count could be narrowed down.")
    page.get_by_role("button", name="Withdraw this release").click()
    expect(page.get_by_role("heading", level=2, name="Why it was withdrawn")).to_be_visible()
    check_accessibility("custodian-release-withdrawn")
    page.goto(site + reverse("releases:history"))
    expect(page.get_by_role("table")).to_contain_text("A count could be narrowed down.")
    check_accessibility("custodian-history-with-a-withdrawn-release")
    assert not browser_problems


def test_audit_trail_with_errors(
    page: Page,
    site: str,
    sign_in_as: Callable[[Role], object],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    sign_in_as(Role.CUSTODIAN)
    page.goto(site + reverse("governance:audit_trail"))
    for legend, day in (("From", "5"), ("To", "1")):
        dates = page.get_by_role("group", name=legend)
        dates.get_by_label("Day").fill(day)
        dates.get_by_label("Month").fill("7")
        dates.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("The ‘to’ date must be")
    check_accessibility("custodian-audit-trail-errors")
    assert not browser_problems


def test_error_pages(
    page: Page,
    site: str,
    sign_in_as: Callable[[Role], object],
    check_accessibility: CheckAccessibility,
) -> None:
    page.goto(site + "/no-such-page/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_accessibility("error-404")

    sign_in_as(Role.PARTNER_VIEWER)
    page.goto(site + reverse("governance:audit_trail"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot open this page")
    check_accessibility("error-403")

    page.goto(site + reverse("accounts:login"))
    page.context.clear_cookies()
    page.get_by_label("Username").fill("someone")
    page.get_by_label("Password", exact=True).fill("anything")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your form could not be sent")
    check_accessibility("error-csrf")

    page.goto(site + reverse("core:home"))
    page.set_content(server_error(RequestFactory().get("/")).content.decode())
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sorry, there is a problem with the service"
    )
    check_accessibility("error-500")


def test_locked_out_page(
    page: Page, site: str, transactional_db: None, check_accessibility: CheckAccessibility
) -> None:
    make_user(Role.PARTNER_ANALYST, username="forgetful")
    page.goto(site + reverse("accounts:login"))
    for _ in range(5):
        page.get_by_label("Username").fill("forgetful")
        page.get_by_label("Password", exact=True).fill("wrong")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing in is paused")
    check_accessibility("anonymous-locked-out")


def test_release_pages_in_their_other_states(
    page: Page,
    site: str,
    published_release: Release,
    tmp_path: Path,
    sign_in_as: Callable[[Role], object],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    """Each map measure, a profile of an area that is not flagged, a comparison with its
    changes, errors in the postcode and comparison forms, a document not produced, and a
    release an analyst can make current."""
    later = ReleaseSpec(
        run_id="9b41c07e" + "00" * 28,
        created="20260301",
        seed=2,
        previous_release=published_release.id,
        not_produced=frozenset({"fairness", "linkage_summary"}),
    )
    newer = import_published(write_release(tmp_path, later))

    for measure in MEASURES:
        map_url = reverse("areas:map", kwargs={"recipe": newer.recipe})
        page.goto(f"{site}{map_url}?measure={measure}")
        expect(page.locator(".leaflet-interactive").first).to_be_attached()
        check_accessibility(f"anonymous-map-{measure}")

    calm = newer.areas.filter(flagged=False).first()
    assert calm is not None
    profile = reverse("areas:profile", kwargs={"recipe": newer.recipe, "lsoa11cd": calm.lsoa11cd})
    page.goto(site + profile)
    expect(page.get_by_role("heading", level=2, name="Is this area flagged?")).to_be_visible()
    check_accessibility("anonymous-profile-not-flagged")

    covered = set(newer.areas.values_list("lsoa11cd", flat=True))
    outside = next(
        postcode
        for postcode, code in zip(
            load_postcodes().column("postcode").to_pylist(),
            load_postcodes().column("lsoa11cd").to_pylist(),
            strict=True,
        )
        if code not in covered
    )
    page.goto(f"{site}{reverse('areas:find')}?postcode={outside}")
    expect(page.get_by_role("alert")).to_contain_text("outside the area")
    check_accessibility("anonymous-find-errors")

    page.goto(site + reverse("releases:compare"))
    page.get_by_label("Earlier release").select_option(published_release.id)
    page.get_by_label("Later release").select_option(newer.id)
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("What changed")
    check_accessibility("anonymous-compare")

    page.get_by_label("Later release").select_option(published_release.id)
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose two different releases")
    check_accessibility("anonymous-compare-errors")

    for name in ("transparency:fairness", "transparency:data_quality"):
        page.goto(site + reverse(name, kwargs={"recipe": newer.recipe}))
        expect(page.get_by_text("Not produced by this run").first).to_be_visible()
        check_accessibility(f"anonymous-{name.replace(':', '-')}-not-produced")

    sign_in_as(Role.PARTNER_ANALYST)
    page.goto(site + reverse("releases:detail", kwargs={"release_id": published_release.id}))
    page.get_by_role("button", name="Show this release on every page").click()
    expect(page.get_by_role("alert")).to_contain_text("Every page of school readiness now shows")
    check_accessibility("analyst-release-made-current")
    assert not browser_problems
