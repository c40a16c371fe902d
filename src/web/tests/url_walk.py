"""Every named URL of the site, and arguments that make each point at a real record. Shared by
the URL walk and the browser tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from web.accounts.models import User
from web.assets.tests.factories import register_samples
from web.fieldwork.tests.factories import fieldwork_samples
from web.insight.tests.factories import insight_samples
from web.interventions.tests.factories import intervention_samples
from web.jobs.tests.factories import job_samples
from web.recipes.tests.factories import serve_pack_of
from web.releases.models import Release

# Pages about an imported draft (reviewing and publishing it) point at a draft release.
DRAFT_PAGES = frozenset({"releases:publish"})


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


def url_samples(subject: User, release: Release, draft: Release) -> dict[str, object]:
    """Values for URL parameters: the admin site's point at ``subject`` (an account) or its
    app; the release and recipe pages' at the published ``release``, its recipe and its first
    area, or at ``draft``; the asset register's at a small register made here; a job's at a
    finished job; validation rounds' at an open round of ``release`` with one contribution;
    interventions' at one in ``release``'s areas with a milestone and a frozen plan; the recipe
    pack's download at a pack of ``release``'s recipe, served here; surveys' and fieldwork's at
    an open survey of ``release``'s recipe with a held answer, and a fieldwork record. The
    private links of a round and of a survey carry their key in the query string, so the walk
    opens the page that asks for the link."""
    area = release.areas.order_by("lsoa11cd").first()
    if area is None:
        raise LookupError(f"Release {release.id} has no areas to sample")
    # Before the register's samples, which make an analyst of their own.
    jobs = job_samples()
    serve_pack_of(release)
    return {
        "object_id": subject.pk,
        "id": subject.pk,
        "app_label": "accounts",
        "content_type_id": ContentType.objects.get_for_model(User).pk,
        "release_id": release.id,
        "recipe": release.recipe,
        "draft_release_id": draft.id,
        "lsoa11cd": area.lsoa11cd,
        **register_samples(),
        **jobs,
        **insight_samples(release),
        **intervention_samples(release),
        **fieldwork_samples(release),
    }


def sample_url(name: str, pattern: URLPattern, samples: Mapping[str, object]) -> str:
    """The URL with its arguments taken from ``samples`` (see ``url_samples``)."""
    wanted = list(pattern.pattern.regex.groupindex)
    missing = [parameter for parameter in wanted if parameter not in samples]
    if missing:
        raise LookupError(f"Add a sample value for URL parameter(s) {missing} of {name}")
    values = {parameter: samples[parameter] for parameter in wanted}
    if name in DRAFT_PAGES:
        values["release_id"] = samples["draft_release_id"]
    return reverse(name, kwargs=values)
