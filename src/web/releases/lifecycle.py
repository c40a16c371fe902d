"""A release's life after import: a custodian publishes a draft, and withdraws a published
release found unsafe; analysts choose which published release of a recipe the pages show. Each
recipe has its own current release: publishing or choosing one recipe's release never touches
another's. Each change is one transaction with its governance event.

A withdrawn release leaves every public page at once: pages and caches ask for published
releases only, and a release's cache key names its status (``Release.cache_key``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.releases.models import Release, ReleaseStatus

REASON_MAX = 1000


class ReleaseNotFound(Exception):
    def __init__(self, release_id: str) -> None:
        self.release_id = release_id
        super().__init__(f"No release {release_id!r} has been imported.")


class TransitionRefused(Exception):
    """The release is not in a status that allows this change; the message says why."""


def publish_release(
    release_id: str, *, actor: User | None = None, make_current: bool = True
) -> Release:
    """Publish a draft: from now on the public sees it; with ``make_current`` every page of its
    recipe shows it."""
    with transaction.atomic():
        release = _locked(release_id)
        if release.status != ReleaseStatus.DRAFT:
            raise TransitionRefused(
                f"{release.id} is {release.get_status_display().lower()}; only a draft is "
                "published."
            )
        _refuse_earlier_format(release)
        release.status = ReleaseStatus.PUBLISHED
        release.published_at = timezone.now()
        release.published_by = actor
        release.save(update_fields=["status", "published_at", "published_by"])
        previous = _make_current(release) if make_current else None
        record_event(
            Action.RELEASE_PUBLISHED,
            actor=actor,
            subject=release,
            detail={
                "title": release.title,
                "recipe": release.recipe,
                "signed_by": release.signed_by,
                "made_current": make_current,
                "previous_current": previous.id if previous else None,
            },
        )
    return release


def withdraw_release(release_id: str, *, reason: str, actor: User | None = None) -> Release:
    """Withdraw a published release: its figures leave every page; the history keeps its name,
    when it was withdrawn and why. If it was its recipe's current release, none of that recipe
    is current until someone chooses one (nothing takes its place unasked)."""
    reason = reason.strip()
    if not reason:
        raise TransitionRefused("Say why the release is withdrawn: the history shows it.")
    if len(reason) > REASON_MAX:
        raise TransitionRefused(f"Keep the reason to {REASON_MAX} characters.")
    with transaction.atomic():
        release = _locked(release_id)
        if release.status != ReleaseStatus.PUBLISHED:
            raise TransitionRefused(
                f"{release.id} is {release.get_status_display().lower()}; only a published "
                "release is withdrawn."
            )
        was_current = release.is_current
        release.status = ReleaseStatus.WITHDRAWN
        release.is_current = False
        release.withdrawn_at = timezone.now()
        release.withdrawn_by = actor
        release.withdrawal_reason = reason
        release.save(
            update_fields=[
                "status",
                "is_current",
                "withdrawn_at",
                "withdrawn_by",
                "withdrawal_reason",
            ]
        )
        record_event(
            Action.RELEASE_WITHDRAWN,
            actor=actor,
            subject=release,
            detail={"title": release.title, "reason": reason, "was_current": was_current},
        )
    return release


def set_current_release(release_id: str, *, actor: User | None = None) -> Release | None:
    """Make a published release the one the pages of its recipe show (a rollback, when it is
    an earlier one). Returns the release of that recipe that was current before, or None;
    nothing changes if it already is current."""
    with transaction.atomic():
        release = _locked(release_id)
        if release.status != ReleaseStatus.PUBLISHED:
            raise TransitionRefused(
                f"{release.id} is {release.get_status_display().lower()}; only a published "
                "release is shown on the pages."
            )
        _refuse_earlier_format(release)
        if release.is_current:
            return release
        previous = _make_current(release)
        record_event(
            Action.RELEASE_MADE_CURRENT,
            actor=actor,
            subject=release,
            detail={
                "title": release.title,
                "recipe": release.recipe,
                "previous_current": previous.id if previous else None,
            },
        )
    return previous


def _locked(release_id: str) -> Release:
    """The release, read again once every release of its recipe is locked (in one order, so
    two changes never wait for each other): a change waits for any other change to the
    recipe's releases to finish, then sees it, rather than both making a release current."""
    recipe = Release.objects.filter(pk=release_id).values_list("recipe", flat=True).first()
    if recipe is None:
        raise ReleaseNotFound(release_id)
    list(Release.objects.select_for_update().filter(recipe=recipe).order_by("pk").values("pk"))
    return Release.objects.get(pk=release_id)


def _refuse_earlier_format(release: Release) -> None:
    if not release.is_current_format:
        raise TransitionRefused(
            f"{release.id} was imported under release format {release.format_version}, which "
            "gives the pages no recipe words; publish its run again with this version of "
            f"Bakehouse (`bakehouse publish --recipe {release.recipe} ...`) and import that."
        )


def _make_current(release: Release) -> Release | None:
    """Make ``release`` its recipe's current release; returns the one it replaces."""
    previous = Release.objects.current(release.recipe)
    Release.objects.filter(recipe=release.recipe, is_current=True).update(is_current=False)
    Release.objects.filter(pk=release.pk).update(is_current=True)
    release.is_current = True
    return previous
