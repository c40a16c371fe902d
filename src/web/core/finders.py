"""Serves the compiled files of the npm packages the pages use, from node_modules, where
`npm ci` installs them. Each package exposes a fixed list of files under its own prefix and
nothing else.

GOV.UK Frontend: only the compiled style sheet and script (and their source maps), under
``govuk/``; the package also holds the crown, the GDS Transport typeface and Sass and Nunjucks
sources, which a partnership's service neither needs nor may use.

Leaflet: its script, style sheet and the images the style sheet names, under ``leaflet/``.

Apps' own static files, as Django finds them, less the htmx extensions django-htmx ships: no page
loads them, and their doc comments hold `import("../htmx")`, which the hashed storage of
production takes for a module it cannot find, stopping `collectstatic`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    """Django's finder of apps' ``static/`` folders, listing none of django-htmx's extensions."""

    def list(
        self, ignore_patterns: Iterable[str] | None
    ) -> Iterator[tuple[str, FileSystemStorage]]:
        yield from super().list([*(ignore_patterns or ()), "django_htmx/ext/*"])


class NodePackageFinder(BaseFinder):
    """The files ``FILES`` of an npm package's folder ``setting``, served under ``PREFIX``."""

    PREFIX: str
    FILES: tuple[str, ...]
    setting: str
    package: str
    check_id: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.root = Path(getattr(settings, self.setting))
        self.storage = FileSystemStorage(location=self.root)
        self.storage.prefix = self.PREFIX  # type: ignore[attr-defined]
        super().__init__(*args, **kwargs)

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        missing = [name for name in self.FILES if not (self.root / name).is_file()]
        if not missing:
            return []
        return [
            Error(
                f"{self.package} is not installed: {', '.join(missing)} not in {self.root}.",
                hint="Run `npm ci` in the repository root (make setup does).",
                id=self.check_id,
            )
        ]

    # Django's finders answer "not found" with [] whatever find_all says; its stubs say None.
    def find(  # type: ignore[override]
        self, path: str, find_all: bool = False, **kwargs: Any
    ) -> str | list[str]:
        """The file's path; ``[]`` when it is not one of ours."""
        folder, _, name = path.partition("/")
        found = self.root / name
        if folder != self.PREFIX or name not in self.FILES or not found.is_file():
            return []
        return [str(found)] if find_all else str(found)

    def list(
        self, ignore_patterns: Iterable[str] | None
    ) -> Iterator[tuple[str, FileSystemStorage]]:
        for name in self.FILES:
            if (self.root / name).is_file():
                yield name, self.storage


class GovukFrontendFinder(NodePackageFinder):
    PREFIX = "govuk"
    FILES = (
        "govuk-frontend.min.css",
        "govuk-frontend.min.css.map",
        "govuk-frontend.min.js",
        "govuk-frontend.min.js.map",
    )
    setting = "GOVUK_FRONTEND_DIR"
    package = "GOV.UK Frontend"
    check_id = "web.E001"


class LeafletFinder(NodePackageFinder):
    PREFIX = "leaflet"
    FILES = (
        "leaflet.js",
        "leaflet.js.map",
        "leaflet.css",
        # Named by leaflet.css; production's hashed storage needs them to exist.
        "images/layers.png",
        "images/layers-2x.png",
        "images/marker-icon.png",
        "images/marker-icon-2x.png",
        "images/marker-shadow.png",
    )
    setting = "LEAFLET_DIR"
    package = "Leaflet"
    check_id = "web.E002"
