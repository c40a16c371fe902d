"""The journeys people take, end to end in a browser."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from django.urls import reverse
from playwright.sync_api import Page, expect

from bakehouse.geography import load_postcodes
from web.accounts.roles import Role
from web.accounts.tests.factories import PASSWORD, make_user
from web.governance.models import Action, Event
from web.governance.services import record_event
from web.releases.models import Release

CheckAccessibility = Callable[[str], None]


def postcode_in(code: str) -> str:
    table = load_postcodes()
    codes = table.column("lsoa11cd").to_pylist()
    return str(table.column("postcode").to_pylist()[codes.index(code)])


def test_resident_finds_their_area_and_reads_why_it_is_flagged(
    page: Page,
    site: str,
    published_release: Release,
    homelessness_release: Release,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    home = published_release.areas.filter(flagged=True).order_by("rank").first()
    assert home is not None

    page.goto(site + "/")
    page.get_by_label("Postcode").fill(postcode_in(home.lsoa11cd).lower())
    page.get_by_role("button", name="Find your area").click()

    expect(page).to_have_url(site + reverse("areas:area", kwargs={"lsoa11cd": home.lsoa11cd}))
    expect(page.get_by_role("heading", level=1)).to_have_text(home.lsoa11nm)
    for title in ("School readiness", "Homelessness prevention"):
        expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    check_accessibility("journey-resident-area-across-topics")
    page.get_by_role("link", name=f"School readiness in {home.lsoa11nm}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(home.lsoa11nm)
    expect(page.get_by_text("Could use additional support").first).to_be_visible()
    page.get_by_role("link", name="Why this area is flagged").click()
    why = page.locator("section#status")
    expect(why).to_contain_text(home.flag_reasons)
    expect(why).to_contain_text("not a judgement on anyone who lives here")
    expect(page.locator("section#measures")).to_contain_text("95% interval")
    check_accessibility("journey-resident-area-profile")

    why.get_by_role("link", name="How this works").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How this works")
    expect(page.locator("main")).to_contain_text("children not ready for school")
    page.get_by_role("link", name="Data sharing agreements").first.click()
    expect(page.get_by_text("Essex Police (controller)").first).to_be_visible()
    check_accessibility("journey-resident-agreements")
    assert not browser_problems


def test_resident_moves_between_topics_and_reaches_an_area_with_both(
    page: Page,
    site: str,
    published_release: Release,
    homelessness_release: Release,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    area = homelessness_release.areas.filter(flagged=True).order_by("rank").first()
    assert area is not None

    page.goto(site + "/")
    page.get_by_role("link", name="Homelessness prevention", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Homelessness prevention")
    expect(page.locator("main")).to_contain_text("approaches to the council as homeless")
    check_accessibility("journey-resident-topic-overview")

    topic = page.get_by_role("navigation", name="Homelessness prevention")
    topic.get_by_role("link", name="Map").click()
    expect(page.locator(".leaflet-interactive").first).to_be_attached()
    page.get_by_role("table").get_by_role("link", name=area.lsoa11nm).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(area.lsoa11nm)
    measures = page.locator("section#measures")
    expect(measures).to_contain_text("households renting in the area")
    expect(measures).not_to_contain_text("children")
    check_accessibility("journey-resident-topic-profile")

    page.get_by_role("link", name=f"Every topic's figures for {area.lsoa11nm}").click()
    expect(page).to_have_url(site + reverse("areas:area", kwargs={"lsoa11cd": area.lsoa11cd}))
    school = page.locator("section#school-readiness")
    homeless = page.locator("section#homelessness-prevention")
    expect(school).to_contain_text("children aged 2 years 6 months")
    expect(homeless).to_contain_text("households renting in the area")
    expect(homeless).to_contain_text("95% interval")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Topics").click()
    page.get_by_role("link", name="School readiness", exact=True).click()
    expect(page.locator("main")).to_contain_text("children not ready for school")
    assert not browser_problems


def test_partner_analyst_sorts_and_downloads_the_list_of_areas(
    page: Page,
    site: str,
    published_release: Release,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    analyst = make_user(Role.PARTNER_ANALYST, username="analyst-basildon")
    page.goto(site + reverse("accounts:login"))
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Topics").click()
    page.get_by_role("link", name="School readiness", exact=True).click()
    topic = page.get_by_role("navigation", name="School readiness")
    topic.get_by_role("link", name="Areas that could use support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Areas that could use additional support"
    )
    page.get_by_role("link", name="Area", exact=True).click()
    names = sorted(published_release.areas.filter(flagged=True).values_list("lsoa11nm", flat=True))
    rows = page.locator("table tbody tr th")
    expect(rows).to_have_text(names)
    check_accessibility("journey-analyst-list-by-name")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download this list as a spreadsheet (CSV)").click()
    download = downloading.value
    assert download.suggested_filename == f"areas-that-could-use-support-{published_release.id}.csv"
    path = download.path()
    lines = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [line["lsoa11nm"] for line in lines] == names
    assert all(line["release_id"] == published_release.id for line in lines)

    event = Event.objects.get(action=Action.DATA_EXPORTED)
    assert event.actor == analyst
    assert event.detail["rows"] == len(names)
    assert not browser_problems


def test_custodian_signs_in_and_reads_the_audit_trail(
    page: Page,
    site: str,
    published_release: Release,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    custodian = make_user(Role.CUSTODIAN, username="custodian-essex")
    for attempt in range(3):
        record_event(Action.SIGN_IN_FAILED, actor_username=f"guess-{attempt}")
    analyst = make_user(Role.PARTNER_ANALYST, username="analyst-basildon")
    record_event(
        Action.DATA_EXPORTED,
        actor=analyst,
        subject=published_release,
        detail={"download": "areas-that-could-use-support.csv", "rows": 2},
    )

    page.goto(site + "/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Username").fill(custodian.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("You are signed in as")).to_contain_text(custodian.username)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    trail = page.get_by_role("table")
    expect(trail).to_contain_text("guess-2")
    expect(trail).to_contain_text("Release imported")
    expect(trail).to_contain_text(published_release.id)
    check_accessibility("journey-custodian-audit-trail")

    page.get_by_label("Action").select_option(label="Data downloaded")
    page.get_by_role("button", name="Search").click()
    downloads = page.get_by_role("table").locator("tbody tr")
    expect(downloads).to_have_count(1)
    expect(downloads.first).to_contain_text("analyst-basildon")
    expect(downloads.first).to_contain_text("areas-that-could-use-support.csv")
    check_accessibility("journey-custodian-audit-trail-downloads")

    page.get_by_label("Action").select_option(label="Signed in")
    page.get_by_label("Username").fill(custodian.username)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"action=sign_in&"))
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(custodian.username)
    expect(rows.first).to_contain_text("Signed in")
    check_accessibility("journey-custodian-audit-trail-filtered")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    assert not browser_problems


def test_resident_opens_the_home_page_and_the_accessibility_statement(
    page: Page,
    site: str,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    font_requests: list[str] = []
    page.on(
        "request",
        lambda request: font_requests.append(request.url) if "/fonts/" in request.url else None,
    )

    page.goto(site + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Essex Data Partnership")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()
    check_accessibility("journey-resident-home")

    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
    expect(page).to_have_url(site + reverse("core:accessibility"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    check_accessibility("journey-resident-accessibility-statement")

    heading_font = page.get_by_role("heading", level=1).evaluate(
        "element => getComputedStyle(element).fontFamily"
    )
    assert "GDS Transport" not in heading_font
    assert not font_requests
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert not browser_problems


def test_keyboard_user_reaches_main_content_with_the_skip_link(page: Page, site: str) -> None:
    page.goto(site + "/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
