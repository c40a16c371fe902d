"""Every page reachable today, as every visitor who can reach it, has no WCAG 2.2 A or AA
violation that axe-core can find, and loads nothing the Content Security Policy blocks."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

import pytest
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import Page, expect

from web.accounts import access
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.core.views import server_error
from web.tests.url_walk import sample_url, url_patterns

CheckAccessibility = Callable[[str], None]

# Addresses that answer with something other than a page.
NOT_PAGES = {"admin:jsi18n"}  # the admin site's JavaScript translation catalogue


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
    page: Page, site: str, role: Role | None, check_accessibility: CheckAccessibility
) -> list[str]:
    """Opens every page the visitor may open and checks it; returns the URL names checked."""
    subject = make_user(Role.PARTNER_VIEWER, username="subject-of-admin-pages")
    patterns = dict(url_patterns())
    checked = []
    for name in page_names_for(role):
        response = page.goto(site + sample_url(name, patterns[name], subject))
        assert response is not None and response.ok, name
        check_accessibility(f"{role.value if role else 'anonymous'}-{name.replace(':', '-')}")
        checked.append(name)
    return checked


def test_public_pages(
    page: Page,
    site: str,
    transactional_db: None,
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    checked = check_every_page(page, site, None, check_accessibility)
    assert "core:home" in checked
    assert not browser_problems


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_pages_of_each_role(
    role: Role,
    page: Page,
    site: str,
    sign_in_as: Callable[[Role], object],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    sign_in_as(role)
    checked = check_every_page(page, site, role, check_accessibility)
    assert "core:home" in checked
    assert not browser_problems


def test_sign_in_with_errors(
    page: Page, site: str, check_accessibility: CheckAccessibility, browser_problems: list[str]
) -> None:
    page.goto(site + reverse("accounts:login"))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your username")
    check_accessibility("anonymous-sign-in-errors")
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
