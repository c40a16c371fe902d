"""The journeys people take, end to end in a browser."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.urls import reverse
from playwright.sync_api import Page, expect

from web.accounts.roles import Role
from web.accounts.tests.factories import PASSWORD, make_user
from web.governance.models import Action
from web.governance.services import record_event

CheckAccessibility = Callable[[str], None]


def test_custodian_signs_in_and_searches_the_audit_trail(
    page: Page,
    site: str,
    transactional_db: None,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    custodian = make_user(Role.CUSTODIAN, username="custodian-essex")
    for attempt in range(3):
        record_event(Action.SIGN_IN_FAILED, actor_username=f"guess-{attempt}")

    page.goto(site + "/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Username").fill(custodian.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("You are signed in as")).to_contain_text(custodian.username)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(page.get_by_role("table")).to_contain_text("guess-2")
    check_accessibility("journey-custodian-audit-trail")

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
