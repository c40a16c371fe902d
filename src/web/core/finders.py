"""Serves GOV.UK Frontend's compiled files from node_modules, where `npm ci` installs them.

Only the compiled style sheet and script (and their source maps), under ``govuk/``: the package
also holds the crown, the GDS Transport typeface and Sass and Nunjucks sources, which a
partnership's service neither needs nor may use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

PREFIX = "govuk"
FILES = (
    "govuk-frontend.min.css",
    "govuk-frontend.min.css.map",
    "govuk-frontend.min.js",
    "govuk-frontend.min.js.map",
)


class GovukFrontendFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.root = Path(settings.GOVUK_FRONTEND_DIR)
        self.storage = FileSystemStorage(location=self.root)
        self.storage.prefix = PREFIX  # type: ignore[attr-defined]
        super().__init__(*args, **kwargs)

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        missing = [name for name in FILES if not (self.root / name).is_file()]
        if not missing:
            return []
        return [
            Error(
                f"GOV.UK Frontend is not installed: {', '.join(missing)} not in {self.root}.",
                hint="Run `npm ci` in the repository root (make setup does).",
                id="web.E001",
            )
        ]

    # Django's finders answer "not found" with [] whatever find_all says; its stubs say None.
    def find(  # type: ignore[override]
        self, path: str, find_all: bool = False, **kwargs: Any
    ) -> str | list[str]:
        """The file's path; ``[]`` when it is not one of ours."""
        folder, _, name = path.partition("/")
        found = self.root / name
        if folder != PREFIX or name not in FILES or not found.is_file():
            return []
        return [str(found)] if find_all else str(found)

    def list(
        self, ignore_patterns: Iterable[str] | None
    ) -> Iterator[tuple[str, FileSystemStorage]]:
        for name in FILES:
            if (self.root / name).is_file():
                yield name, self.storage
