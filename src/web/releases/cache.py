"""What the pages compute from a release, cached under the release: its figures never change
once imported, so nothing here is ever stale. The key names the release's status too
(``Release.cache_key``), so what was cached while it was published is never found again once it
is withdrawn; pages ask only for published releases in any case."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from django.core.cache import cache

from web.releases.models import Release

T = TypeVar("T")


def per_release(release: Release, name: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per release and ``name``; later calls read the cache."""
    key = f"release:{release.cache_key}:{name}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found)
    return cast(T, found)
