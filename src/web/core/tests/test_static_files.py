"""GOV.UK Frontend's compiled files are served from node_modules, and nothing else of it."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from pytest_django import Settings

from web.core.finders import GovukFrontendFinder, LeafletFinder
from web.tests.production import manage, production_environment


def test_only_the_compiled_files_are_found() -> None:
    finder = GovukFrontendFinder()
    assert sorted(name for name, _ in finder.list(None)) == sorted(GovukFrontendFinder.FILES)
    found = finder.find("govuk/govuk-frontend.min.css")
    assert isinstance(found, str) and found.endswith("govuk-frontend.min.css")
    for withheld in (
        "govuk/assets/images/govuk-crest.svg",
        "govuk/assets/fonts/bold-b542beb274-v2.woff2",
    ):
        assert not finder.find(withheld)
        assert finders.find(withheld) is None


def test_leaflet_is_served_without_its_sources() -> None:
    finder = LeafletFinder()
    assert sorted(name for name, _ in finder.list(None)) == sorted(LeafletFinder.FILES)
    found = finder.find("leaflet/leaflet.js")
    assert isinstance(found, str) and found.endswith("dist/leaflet.js")
    assert finders.find("leaflet/leaflet-src.esm.js") is None
    assert finders.find("leaflet/images/layers.png") is not None


def test_a_missing_install_is_an_error_that_says_what_to_run(
    settings: Settings, tmp_path: Path
) -> None:
    settings.GOVUK_FRONTEND_DIR = tmp_path / "not-installed"
    [error] = GovukFrontendFinder().check()
    assert error.id == "web.E001"
    assert "npm ci" in (error.hint or "")


def test_collectstatic_under_production_settings_hashes_the_module_import(
    tmp_path: Path,
) -> None:
    env = production_environment(tmp_path, DJANGO_STATIC_ROOT=str(tmp_path / "static"))
    result = manage(env, "collectstatic", "--noinput", timeout=300)
    assert result.returncode == 0, result.stderr
    [init] = (tmp_path / "static" / "core" / "js").glob("init.*.js")
    [govuk] = (tmp_path / "static" / "govuk").glob("govuk-frontend.min.*.js")
    assert f'from "../../govuk/{govuk.name}"' in init.read_text()
    assert not (tmp_path / "static" / "govuk" / "assets").exists()
    [leaflet_css] = (tmp_path / "static" / "leaflet").glob("leaflet.*.css")
    assert "images/layers." in leaflet_css.read_text()
