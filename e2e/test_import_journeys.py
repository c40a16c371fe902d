"""Imports started from the web app run in the background: a partner analyst uploads a feed,
the job's page waits for the worker, then shows by itself how the import ended, without the
page being reloaded. axe-core checks each state of the page."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from web.accounts.models import User
from web.accounts.roles import Role

CheckAccessibility = Callable[[str], None]

ORGANIZATIONS = [
    {
        "id": f"6f1c2a3b-0000-4000-8000-00000000000{index}",
        "name": f"Toy library {index}",
        "description": "Lends toys to families",
    }
    for index in range(3)
]


@pytest.fixture
def on_the_database(transactional_db: None) -> Iterator[None]:
    """Tasks queued in the database, as in production; the test runs the worker."""
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield


def test_an_analyst_uploads_a_feed_and_sees_the_import_finish_on_its_page(
    page: Page,
    site: str,
    tmp_path: Path,
    on_the_database: None,
    sign_in_as: Callable[[Role], User],
    check_accessibility: CheckAccessibility,
    browser_problems: list[str],
) -> None:
    feed = tmp_path / "organizations.json"
    feed.write_text(json.dumps(ORGANIZATIONS), encoding="utf-8")
    sign_in_as(Role.PARTNER_ANALYST)
    page.goto(site + reverse("assets:upload"))
    page.get_by_label("ORUK feed (.json) or table (.csv)").set_input_files(feed)
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import of organizations.json")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Waiting to start")
    check_accessibility("journey-import-waiting")

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    # The page asks for the job's status every two seconds and shows the outcome by itself.
    expect(status).to_contain_text("Done", timeout=10_000)
    expect(status).to_contain_text("Stored")
    expect(page.get_by_role("link", name="Refresh this page")).to_have_count(0)
    check_accessibility("journey-import-done")
    page.get_by_role("link", name="Read the import's report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of organizations.json")
    expect(page.locator("main")).to_contain_text("3 organization")
    assert not browser_problems
