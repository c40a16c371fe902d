"""The journeys people take through the directory of local services, end to end in a browser:
a resident finds a Saturday playgroup near a postcode; a member of the public reports an error
and staff fix it, one proposing and another approving; staff add a language to a service the
same way; a refuge never shows. axe-core checks every page on the way."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from web.accounts.models import User
from web.accounts.roles import Role
from web.assets.tests import factories

CheckAccessibility = Callable[[str], None]


@pytest.fixture
def register(transactional_db: None) -> None:
    factories.make_register()
    factories.add_saturday_playgroup()


def test_resident_finds_a_saturday_playgroup_near_a_postcode(
    page: Page,
    site: str,
    register: None,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    page.goto(site + reverse("assets:directory"))
    page.get_by_label("Postcode").fill("ss14 1ae")
    page.get_by_label("Distance").select_option(label="1 mile")
    page.get_by_role("group", name="Day").get_by_label("Saturday").check()
    page.get_by_role("button", name="Show services").click()

    expect(page.get_by_role("heading", level=2, name="1 service near SS14 1AE")).to_be_visible()
    card = page.locator(".govuk-summary-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("0.1 miles (St Martin's church hall)")
    expect(card).to_contain_text("Saturdays, 10am to 12 noon")
    # The map draws the playgroup's place and the postcode, with no tile server.
    expect(page.locator("#services-map path.leaflet-interactive")).to_have_count(2)
    # Behind them, the small areas of Basildon, for orientation.
    expect(page.locator("#services-map path:not(.leaflet-interactive)")).to_have_count(110)
    check_accessibility("journey-directory-saturday-playgroup")

    page.get_by_role("link", name="Little Stars Saturday playgroup").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Little Stars Saturday playgroup")
    main = page.locator("main")
    expect(main).to_contain_text("Saturdays, 10am to 12 noon (from 4 January 2025)")
    expect(main).to_contain_text("Closed on bank holidays.")
    expect(main).to_contain_text("Two minutes from Basildon bus station")
    expect(main).to_contain_text("Not checked by a person yet")
    check_accessibility("journey-directory-service-page")
    assert not browser_problems


def test_a_postcode_not_found_is_named_in_the_error_summary(
    page: Page,
    site: str,
    register: None,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    page.goto(site + reverse("assets:directory"))
    page.get_by_label("Postcode").fill("ZZ99 9ZZ")
    page.get_by_role("button", name="Show services").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("We do not know the postcode ZZ99 9ZZ")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Postcode")).to_be_focused()
    check_accessibility("journey-directory-postcode-not-found")
    assert not browser_problems


def test_the_public_reports_an_error_and_staff_approve_a_fix(
    page: Page,
    site: str,
    register: None,
    sign_in_as: Callable[[Role], User],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    service_url = site + reverse("assets:service", kwargs={"service_id": factories.PLAYGROUP})
    page.goto(service_url)
    page.get_by_role("link", name="Tell us that something about").click()
    # The box for robots is not shown to people.
    expect(page.locator("#id_website")).to_be_hidden()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("alert")).to_contain_text("Tell us what is wrong")
    check_accessibility("journey-report-with-errors")
    page.get_by_label("When it is open").check()
    page.get_by_label("Tell us what is wrong").fill("It is called Little Stars playgroup now.")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report sent")
    check_accessibility("journey-report-sent")

    sign_in_as(Role.PARTNER_ANALYST)
    page.goto(site + reverse("assets:staff"))
    expect(page.get_by_role("heading", name="Reports to handle (1)")).to_be_visible()
    check_accessibility("journey-staff-work")
    page.get_by_role("link", name=re.compile(r"Little Stars Saturday playgroup\s*: report")).click()
    expect(page.locator("main")).to_contain_text("It is called Little Stars playgroup now.")
    check_accessibility("journey-staff-report")
    page.get_by_role("link", name="Propose a change").click()
    # Its own section: the forms to add a contact or a phone have fields of the same names.
    service_form = page.locator("details").filter(has=page.get_by_text("The service", exact=True))
    service_form.get_by_label("Name", exact=True).fill("Little Stars playgroup")
    service_form.get_by_label("Why the change").fill("A resident's report, confirmed by phone")
    service_form.get_by_role("button", name="Propose the change").click()
    expect(page.locator("main")).to_contain_text("You proposed this change")
    check_accessibility("journey-staff-change-proposed")

    # Until another member of staff approves it, the public sees the approved version.
    page.goto(service_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Little Stars Saturday playgroup")

    sign_in_as(Role.ADMINISTRATOR)
    page.goto(site + reverse("assets:staff"))
    page.get_by_role("link", name=re.compile(r"Little Stars Saturday playgroup\s*: change")).click()
    expect(page.get_by_role("table")).to_contain_text("Little Stars playgroup")
    check_accessibility("journey-staff-change-to-approve")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("alert")).to_contain_text("approved and published")

    page.goto(service_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Little Stars playgroup")
    expect(page.locator("main")).to_contain_text("Last checked by a person on")
    page.goto(site + reverse("assets:edit_service", kwargs={"service_id": factories.PLAYGROUP}))
    expect(page.locator("main")).to_contain_text("approved and published by administrator-1")
    check_accessibility("journey-staff-record-history")
    assert not browser_problems


def test_staff_add_a_language_and_another_approves_it(
    page: Page,
    site: str,
    register: None,
    sign_in_as: Callable[[Role], User],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    service_url = site + reverse("assets:service", kwargs={"service_id": factories.PLAYGROUP})
    sign_in_as(Role.PARTNER_ANALYST)
    page.goto(site + reverse("assets:edit_service", kwargs={"service_id": factories.PLAYGROUP}))
    adding = page.locator("details", has_text="Add a language")
    adding.locator("summary").click()
    adding.get_by_label("Code").fill("p1")
    adding.get_by_label("Why the change").fill("The organiser speaks Polish")
    adding.get_by_role("button", name="Propose adding it").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("ISO 639 code as two or three letters")
    check_accessibility("journey-staff-addition-with-errors")
    adding = page.locator("details", has_text="Add a language")
    adding.get_by_label("Language", exact=True).fill("Polish")
    adding.get_by_label("Code").fill("pl")
    adding.get_by_role("button", name="Propose adding it").click()
    expect(page.get_by_role("table")).to_contain_text("Polish")
    expect(page.locator("main")).to_contain_text("You proposed this change")
    check_accessibility("journey-staff-addition-proposed")

    page.goto(service_url)
    expect(page.locator("main")).not_to_contain_text("Polish")

    sign_in_as(Role.ADMINISTRATOR)
    page.goto(site + reverse("assets:staff"))
    expect(page.locator("main")).to_contain_text("A language added")
    page.get_by_role("link", name=re.compile(r"Little Stars Saturday playgroup\s*: change")).click()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("alert")).to_contain_text("approved and published")

    page.goto(service_url)
    expect(page.locator("main")).to_contain_text("English")
    expect(page.locator("main")).to_contain_text("Polish")
    assert not browser_problems


def test_a_refuge_never_shows(
    page: Page,
    site: str,
    register: None,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    secrets = (factories.REFUGE_ADDRESS, "SS13 3JH", "Safe house")
    # A postcode next door to the refuge, and every distance.
    page.goto(site + reverse("assets:directory") + "?postcode=SS13+3PG")
    expect(page.locator(".govuk-summary-card")).to_have_count(3)
    expect(page.locator("main")).to_contain_text("Domestic abuse advice")
    points = json.loads(page.locator("#services-map-points").text_content() or "{}")
    assert {place["place"] for place in points["places"]} == {
        "Town centre family hub",
        "St Martin's church hall",
    }
    check_accessibility("journey-refuge-search")
    for secret in secrets:
        expect(page.locator("body")).not_to_contain_text(secret)
    page.get_by_role("link", name="Domestic abuse advice").click()
    for secret in secrets:
        expect(page.locator("body")).not_to_contain_text(secret)
    page.get_by_role("link", name="Tell us that something about").click()
    expect(page.locator(f"input[value='{factories.REFUGE}']")).to_have_count(0)
    for secret in secrets:
        expect(page.locator("body")).not_to_contain_text(secret)
    check_accessibility("journey-refuge-report-form")
    assert not browser_problems
