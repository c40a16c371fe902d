"""Every named URL of the site, and arguments that make each point at a real record. Shared by
the URL walk and the browser tests."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from web.accounts.models import User


def url_patterns(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """(URL name, pattern) for every named URL, namespaces included."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, inner)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry


def sample_url(name: str, pattern: URLPattern, subject: User) -> str:
    """The URL with its arguments pointing at ``subject`` (an account) or its app."""
    samples: dict[str, object] = {
        "object_id": subject.pk,
        "id": subject.pk,
        "app_label": "accounts",
        "content_type_id": ContentType.objects.get_for_model(User).pk,
    }
    wanted = list(pattern.pattern.regex.groupindex)
    missing = [parameter for parameter in wanted if parameter not in samples]
    if missing:
        raise LookupError(f"Add a sample value for URL parameter(s) {missing} of {name}")
    return reverse(name, kwargs={parameter: samples[parameter] for parameter in wanted})
