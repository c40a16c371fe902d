"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Never `playwright install`: the browser is the system's /usr/bin/chromium (`make setup-browser`
installs it). Without it every browser test is skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Response
from pytest_django.live_server_helper import LiveServer

from web.accounts.models import User
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.releases.importer import import_release
from web.releases.models import Release
from web.releases.tests.builder import HOMELESSNESS, ReleaseSpec, write_release
from web.releases.tests.fixtures import import_published, release_source

__all__ = ["release_source"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artefacts" / "screenshots"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Playwright's sync API keeps an event loop running in this thread; Django refuses database work
# from a thread with a running loop unless told it is safe, which it is here: tests run one at a
# time and the live server has its own thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: run `make setup-browser` (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "en-GB", "timezone_id": "Europe/London"}


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def site(live_server: LiveServer) -> str:
    return str(live_server.url)


def _axe_artefact(url: str) -> bool:
    """GOV.UK Frontend's font files, which axe-core's own copy of the style sheets asks for
    relative to the page (the page itself never does: the journeys check). They can fail after
    axe has returned, so they are recognised by address, not only by timing."""
    return "/assets/fonts/" in url and "/static/" not in url


@pytest.fixture
def browser_problems(page: Page) -> list[str]:
    """Console errors (a script or style the Content Security Policy blocked, say) and requests
    that failed or were refused. A test asserts the list is empty when it is done."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not _axe_artefact(message.location.get("url", "")):
            problems.append(f"console: {message.text}")

    def on_failed(request: Request) -> None:
        # A request the browser itself cancels because the page moved on (the favicon of a page
        # left at once) is not a fault of the page; a refused or missing asset is.
        if not _axe_artefact(request.url) and request.failure != "net::ERR_ABORTED":
            problems.append(f"request failed: {request.url} ({request.failure})")

    def on_response(response: Response) -> None:
        if response.status >= 400 and "/static/" in response.url:
            problems.append(f"{response.status} for {response.url}")

    page.on("console", on_console)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    return problems


@pytest.fixture
def check_accessibility(axe: Axe, page: Page, browser_problems: list[str]) -> Callable[[str], None]:
    """Saves a screenshot, runs axe-core for WCAG 2.2 A and AA on the page and asserts no
    violations."""

    def check(name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
        before = len(browser_problems)
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
        # axe fetches and re-parses style sheets itself; the Content Security Policy refuses
        # its inline copies and it resolves @import paths against the page. Those problems
        # are axe's, not the page's.
        del browser_problems[before:]
        assert results.violations_count == 0, f"{name}: {results.generate_report()}"

    return check


@pytest.fixture
def sign_in_as(
    context: BrowserContext, site: str, transactional_db: None
) -> Callable[[Role], User]:
    """Gives the browser a session for a new account with this role, without the form."""

    def sign_in(role: Role) -> User:
        user = make_user(role)
        client = Client()
        client.force_login(user)
        cookie = client.cookies["sessionid"]
        context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": site}])
        return user

    return sign_in


@pytest.fixture
def published_release(transactional_db: None, release_source: Path) -> Release:
    """The test release of 10 Basildon areas, imported and current, for the live server."""
    return import_published(release_source)


@pytest.fixture(scope="session")
def homelessness_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release of a second recipe, over the same 10 areas, in its own words."""
    spec = ReleaseSpec(run_id="5b6c7d8e" + "9f" * 28, recipe=HOMELESSNESS, seed=7)
    return write_release(tmp_path_factory.mktemp("homelessness"), spec)


@pytest.fixture
def homelessness_release(transactional_db: None, homelessness_source: Path) -> Release:
    """The second recipe's release, imported and current beside the first."""
    return import_published(homelessness_source)


@pytest.fixture(scope="session")
def draft_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A later release, signed like the first, to import and leave as a draft."""
    return write_release(tmp_path_factory.mktemp("drafts"), ReleaseSpec(created="20260301"))


@pytest.fixture
def draft_release(transactional_db: None, draft_source: Path) -> Release:
    """A release imported and not yet published: only custodians see it."""
    return import_release(draft_source)
