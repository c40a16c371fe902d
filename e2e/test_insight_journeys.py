"""The journeys of a validation round, end to end in a browser: a resident without an account
gives a view on a phone-sized screen, answering one optional question about themselves; a
moderator finds what screening held and approves it, and rejects another; a participant deletes
their own view; the public area profile shows what communities said; an analyst suggests themes,
accepts one and codes the rest. axe-core checks every page on the way."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from web.accounts.models import User
from web.accounts.roles import Role
from web.insight import moderation
from web.insight.models import Contribution, ContributionState, Round, Verdict
from web.insight.tests.factories import give, make_round, published, round_organiser
from web.insight.views import private_links
from web.releases.models import Release

CheckAccessibility = Callable[[str], None]
PHONE = ViewportSize(width=375, height=740)


@pytest.fixture
def open_round(published_release: Release) -> Round:
    return make_round(published_release)


def _flagged_area(round_: Round) -> tuple[str, str]:
    area = round_.areas.filter(flagged=True).order_by("lsoa11nm").first()
    assert area is not None
    return area.lsoa11cd, area.lsoa11nm


def test_resident_without_an_account_gives_a_view_on_a_phone(
    page: Page,
    site: str,
    open_round: Round,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    page.set_viewport_size(PHONE)
    code, name = _flagged_area(open_round)
    page.goto(
        site + reverse("areas:profile", kwargs={"recipe": open_round.recipe, "lsoa11cd": code})
    )
    page.get_by_role(
        "link", name=f"Tell us whether this matches what you know about {name}"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(open_round.question)
    expect(page.get_by_label(name)).to_be_checked()
    # The optional map shows the chosen area; the box for robots is not shown to people.
    expect(page.locator("#insight-point-map path.leaflet-interactive")).to_have_count(1)
    expect(page.locator("#id_website")).to_be_hidden()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose whether the flag matches")
    check_accessibility("journey-insight-give-with-errors")

    page.get_by_label("No, it does not match what I know").check()
    page.get_by_label("Why do you say that?").fill(
        "Most young families moved to the new estate across the road."
    )
    page.get_by_label("I live or work here").check()
    # One optional question about the resident answered; the rest skipped.
    page.get_by_label("35 to 49", exact=True).check()
    page.get_by_label(re.compile("I have read the privacy notice")).check()
    check_accessibility("journey-insight-give")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    link = page.locator(".bakehouse-private-link a")
    expect(link).to_be_visible()
    check_accessibility("journey-insight-given")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your view on {name}")
    expect(page.locator("main")).to_contain_text("Waiting for a moderator")
    check_accessibility("journey-insight-own-view")
    given = Contribution.objects.get()
    assert (given.verdict, given.age_band, given.ethnic_group) == (Verdict.DISAGREES, "35-49", "")
    assert not browser_problems


def test_moderator_finds_held_items_and_approves_one_and_rejects_another(
    page: Page,
    site: str,
    open_round: Round,
    sign_in_as: Callable[[Role], User],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    code, _ = _flagged_area(open_round)
    held, _ = give(
        open_round,
        reasons="My neighbour Sarah Collins says the bus stopped running in May.",
        lsoa11cd=code,
    )
    spam, _ = give(open_round, reasons="Cheap loft insulation, visit our showroom", lsoa11cd=code)
    sign_in_as(Role.PARTNER_ANALYST)

    page.goto(site + reverse("insight:queue"))
    row = page.get_by_role("row", name=re.compile(f"Contribution {held.pk} "))
    expect(row).to_contain_text("Screening found: name")
    check_accessibility("journey-insight-queue")
    page.get_by_role("link", name=f"Contribution {held.pk}", exact=True).click()
    main = page.locator("main")
    expect(main).to_contain_text("My neighbour [name] says the bus stopped running in May.")
    expect(main).not_to_contain_text("Sarah Collins")
    check_accessibility("journey-insight-moderate")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Contribution {held.pk} published")

    page.get_by_role("link", name=f"Contribution {spam.pk}", exact=True).click()
    page.get_by_label("Advertising or spam").check()
    page.get_by_role("button", name="Reject").click()
    expect(page.get_by_role("alert")).to_contain_text("will not be published")
    expect(page.locator("main")).to_contain_text("Nothing is waiting")

    page.goto(site + reverse("insight:decisions"))
    expect(page.get_by_role("table")).to_contain_text("Advertising or spam")
    check_accessibility("journey-insight-decisions")
    states = dict(Contribution.objects.values_list("pk", "state"))
    assert states == {held.pk: ContributionState.PUBLISHED, spam.pk: ContributionState.REJECTED}
    assert not browser_problems


def test_participant_deletes_their_own_view(
    page: Page,
    site: str,
    open_round: Round,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    page.set_viewport_size(PHONE)
    _, token = give(open_round)
    page.goto(site + private_links(token)["view"])
    page.get_by_role("link", name="Delete your view").click()
    check_accessibility("journey-insight-delete")
    page.get_by_role("button", name="Delete my view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your view is deleted")
    check_accessibility("journey-insight-deleted")
    assert not Contribution.objects.exists()
    assert not browser_problems
    # The link no longer works (the browser reports the 404 as a problem, which it is not here).
    response = page.goto(site + private_links(token)["view"])
    assert response is not None and response.status == 404


def test_public_area_profile_shows_what_communities_said(
    page: Page,
    site: str,
    open_round: Round,
    published_release: Release,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    code, _ = _flagged_area(open_round)
    threshold = published_release.suppression_threshold
    for _ in range(threshold):
        item, _ = give(open_round, verdict=Verdict.AGREES, lsoa11cd=code)
        moderation.approve(item, round_organiser())

    page.goto(
        site + reverse("areas:profile", kwargs={"recipe": open_round.recipe, "lsoa11cd": code})
    )
    section = page.locator("#communities")
    expect(section.get_by_role("heading", level=2)).to_have_text("What communities said")
    table = section.get_by_role("table")
    expect(
        table.get_by_role("row", name=re.compile("Yes, it matches what I know"))
    ).to_contain_text(str(threshold))
    expect(section).to_contain_text("The estate has had no family centre since the library closed.")
    check_accessibility("journey-insight-area-profile")
    assert not browser_problems


def test_analyst_suggests_themes_accepts_one_and_codes_the_rest(
    page: Page,
    site: str,
    open_round: Round,
    sign_in_as: Callable[[Role], User],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    published(
        open_round,
        [
            "The bus route was cut and the buses stopped running.",
            "No bus after six, the bus route to town is gone.",
            "Buses are rare now since the route changed.",
            "The children's centre closed and the nursery is full.",
            "Since the children's centre shut there is no nursery.",
            "Nursery places are full, the children's centre is boarded up.",
        ],
    )
    sign_in_as(Role.PARTNER_ANALYST)

    page.goto(site + reverse("insight:round", kwargs={"round_id": open_round.pk}))
    page.get_by_role("link", name="Themes: suggest, accept and code").click()
    page.get_by_role("button", name="Suggest themes").click()
    expect(page.get_by_role("alert")).to_contain_text("themes suggested from the published texts")
    check_accessibility("journey-insight-themes-suggested")
    page.get_by_label(re.compile(r"^bus, .* \(3 contributions\)")).check()
    page.get_by_label("Label (optional)").fill("Buses cut")
    page.get_by_role("button", name="Accept the chosen").click()
    expect(page.get_by_role("alert")).to_contain_text("1 accepted into the codebook")
    page.get_by_role("button", name="Code the rest").click()
    expect(page.get_by_role("alert")).to_contain_text("gave 3 of 6 contributions a theme")
    check_accessibility("journey-insight-themes-coded")
    page.get_by_role("link", name=re.compile(r": change its themes")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Themes of contribution")
    check_accessibility("journey-insight-contribution-themes")
    assert not browser_problems
