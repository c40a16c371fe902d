"""A pack served for a recipe, for the URL walk and the browser tests."""

from __future__ import annotations

import tempfile
from pathlib import Path

from web.recipes.importer import import_pack
from web.recipes.models import RecipePack
from web.recipes.tests.builder import PackSpec, write_pack
from web.releases.models import Release


def serve_pack_of(release: Release) -> RecipePack:
    """A pack of the release's recipe, in its words, imported and served beside it."""
    spec = PackSpec(release.recipe, release.about.title, release.about.question)
    with tempfile.TemporaryDirectory(prefix="bakehouse-pack-") as folder:
        return import_pack(write_pack(Path(folder) / "pack.zip", spec)).pack
