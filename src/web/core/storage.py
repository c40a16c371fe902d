"""How production stores static files: hashed names, compressed copies, served by whitenoise."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    # Rewrite `import ... from "..."` in JavaScript to hashed names too, so the page's module
    # loads the same GOV.UK Frontend file the page was released with.
    support_js_module_import_aggregation = True
