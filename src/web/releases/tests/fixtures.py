"""Release fixtures for the web app's tests and the browser tests: one release built per test
session (building reads the Basildon geography), copied when a test needs to break it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from web.accounts.models import User
from web.releases.importer import import_release
from web.releases.lifecycle import publish_release
from web.releases.models import Release
from web.releases.tests.builder import write_release


def import_published(folder: Path, *, actor: User | None = None) -> Release:
    """Import the release and publish it, as a custodian does: every page shows it."""
    imported = import_release(folder, actor=actor)
    return publish_release(imported.id, actor=actor)


@pytest.fixture(scope="session")
def release_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid release of 10 Basildon areas. Never change it: copy it (``release_folder``)."""
    return write_release(tmp_path_factory.mktemp("releases"))


@pytest.fixture
def release_folder(release_source: Path, tmp_path: Path) -> Path:
    """This test's own copy of the valid release, to tamper with."""
    return Path(shutil.copytree(release_source, tmp_path / release_source.name))


@pytest.fixture
def release(db: None, release_source: Path) -> Release:
    """The valid release, imported, published and current."""
    return import_published(release_source)
