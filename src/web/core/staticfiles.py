"""The static files app, told which installed files no page loads."""

from __future__ import annotations

from django.contrib.staticfiles.apps import StaticFilesConfig


class StaticFiles(StaticFilesConfig):
    # django-htmx ships htmx extensions the pages never load; their doc comments hold
    # `import("../htmx")`, which the hashed storage takes for a module it cannot find, and
    # `collectstatic` would stop on them.
    ignore_patterns = [  # noqa: RUF012 (Django reads the class attribute)
        *StaticFilesConfig.ignore_patterns,
        "django_htmx/ext/*",
    ]
