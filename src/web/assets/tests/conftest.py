"""The register's tests start from an empty cache: a test's writes are rolled back, and with
them the register's version, so the next test's versions repeat the same numbers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
