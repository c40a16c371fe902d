"""A release's life: imported as a draft nobody outside the custodians sees, published by a
custodian, withdrawn with a reason when found unsafe; every change in the governance log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from http import HTTPStatus
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from web.accounts import access
from web.accounts.models import User
from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.releases.importer import import_release
from web.releases.lifecycle import TransitionRefused, publish_release, set_current_release
from web.releases.models import Release, ReleaseStatus
from web.releases.tests.builder import SCHOOL_READINESS, ReleaseSpec, write_release
from web.tests.url_walk import sample_url, url_patterns, url_samples

pytestmark = pytest.mark.django_db

PUBLIC_READERS: list[Role | None] = [None, Role.PARTNER_VIEWER]


def public_pages_mentioning(
    client: Client, release: Release, subject: User, role: Role | None
) -> list[str]:
    """Every page this visitor may open, pointed at ``release`` and its first area, that shows
    its id, an area's summary from it, or its map data."""
    samples = url_samples(subject, release, release)
    summaries = list(release.areas.values_list("summary", flat=True))
    found = []
    for name, pattern in url_patterns():
        rule = access.rule_for(name)
        if rule is None or rule.get_status != HTTPStatus.OK:
            continue
        if not (rule.is_public or (role is not None and rule.allows_role(role))):
            continue
        if name.startswith("admin:"):
            continue
        response = client.get(sample_url(name, pattern, samples))
        # A download (a recipe pack) is bytes: a release id in it would still show as text.
        content = response.content.decode(errors="replace")
        if response.status_code == HTTPStatus.OK and (
            release.id in content
            or any(summary in content for summary in summaries)
            or name == "areas:map_data"
        ):
            found.append(name)
    return found


def withdrawn_mentions(found: list[str]) -> list[str]:
    """The pages that may still name a withdrawn release: the history and its own page."""
    return [name for name in found if name not in {"releases:history", "releases:detail"}]


@pytest.mark.parametrize("role", PUBLIC_READERS, ids=lambda r: r.value if r else "anonymous")
def test_a_draft_is_on_no_page_the_public_or_a_viewer_opens(
    role: Role | None,
    release_source: Path,
    client_for: Callable[[Role | None], Client],
    user_for: Callable[[Role], User],
) -> None:
    draft = import_release(release_source)
    client = client_for(role)
    assert public_pages_mentioning(client, draft, user_for(Role.PARTNER_VIEWER), role) == []
    response = client.get(
        reverse("areas:map_data", kwargs={"recipe": draft.recipe, "release_id": draft.id})
    )
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_a_custodian_reviews_and_publishes_a_draft_and_it_is_logged(
    release_source: Path,
    client_for: Callable[[Role | None], Client],
    user_for: Callable[[Role], User],
) -> None:
    draft = import_release(release_source)
    custodian = client_for(Role.CUSTODIAN)
    assert draft.id in custodian.get(reverse("releases:drafts")).content.decode()
    url = reverse("releases:publish", kwargs={"release_id": draft.id})
    assert draft.signed_by in custodian.get(url).content.decode()

    unconfirmed = custodian.post(url, {})
    assert unconfirmed.status_code == HTTPStatus.OK
    assert "Confirm that you have reviewed the release" in unconfirmed.content.decode()
    assert Release.objects.get(pk=draft.pk).status == ReleaseStatus.DRAFT

    response = custodian.post(url, {"confirm": "on"})
    assert response.status_code == HTTPStatus.FOUND
    release = Release.objects.get(pk=draft.pk)
    assert (release.status, release.is_current) == (ReleaseStatus.PUBLISHED, True)
    assert release.published_by == user_for(Role.CUSTODIAN)
    event = Event.objects.get(action=Action.RELEASE_PUBLISHED)
    assert (event.actor, event.object_id) == (user_for(Role.CUSTODIAN), release.id)
    assert (
        release.id
        in client_for(None)
        .get(reverse("areas:map", kwargs={"recipe": release.recipe}))
        .content.decode()
    )
    assert custodian.post(url, {"confirm": "on"}).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    "role", [None, Role.PARTNER_VIEWER, Role.PARTNER_ANALYST, Role.COMMUNITY_MEMBER]
)
def test_only_a_custodian_publishes_or_withdraws(
    role: Role | None, release: Release, release_source: Path, tmp_path: Path,
    client_for: Callable[[Role | None], Client],
) -> None:  # fmt: skip
    client = client_for(role)
    withdraw = reverse("releases:withdraw", kwargs={"release_id": release.id})
    response = client.post(withdraw, {"reason": "Not theirs to withdraw."})
    assert response.status_code in {HTTPStatus.FOUND, HTTPStatus.FORBIDDEN}
    assert Release.objects.get(pk=release.pk).status == ReleaseStatus.PUBLISHED
    assert not Event.objects.filter(action=Action.RELEASE_WITHDRAWN).exists()


def test_a_withdrawn_release_leaves_every_page_and_cache_at_once(
    release: Release,
    client_for: Callable[[Role | None], Client],
    user_for: Callable[[Role], User],
) -> None:
    anonymous = client_for(None)
    subject = user_for(Role.PARTNER_VIEWER)
    shown_before = public_pages_mentioning(anonymous, release, subject, None)
    assert {"areas:map", "areas:map_data", "areas:profile", "releases:detail"} <= set(shown_before)

    custodian = client_for(Role.CUSTODIAN)
    url = reverse("releases:withdraw", kwargs={"release_id": release.id})
    assert custodian.get(url).status_code == HTTPStatus.OK
    reason = "A count in one area could be narrowed down with the previous release."
    assert custodian.post(url, {"reason": reason}).status_code == HTTPStatus.FOUND

    for role in PUBLIC_READERS:
        shown = public_pages_mentioning(client_for(role), release, subject, role)
        assert withdrawn_mentions(shown) == [], role
    assert (
        anonymous.get(
            reverse("areas:map_data", kwargs={"recipe": release.recipe, "release_id": release.id})
        ).status_code
        == HTTPStatus.NOT_FOUND
    )
    history = anonymous.get(reverse("releases:history")).content.decode()
    assert "Withdrawn" in history and reason in history
    page = anonymous.get(reverse("releases:detail", kwargs={"release_id": release.id}))
    text = page.content.decode()
    assert "was withdrawn on" in text and reason in text
    assert not any(summary in text for summary in release.areas.values_list("summary", flat=True))
    assert "SHA-256" not in text and "Areas</dt>" not in text  # no figures, no files
    event = Event.objects.get(action=Action.RELEASE_WITHDRAWN)
    assert event.actor == user_for(Role.CUSTODIAN)
    assert event.detail == {"title": release.title, "reason": reason, "was_current": True}


def test_a_withdrawal_needs_a_reason(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    url = reverse("releases:withdraw", kwargs={"release_id": release.id})
    response = client_for(Role.CUSTODIAN).post(url, {"reason": "  "})
    assert "Say why the release is withdrawn" in response.content.decode()
    assert Release.objects.get(pk=release.pk).status == ReleaseStatus.PUBLISHED


def test_a_draft_or_withdrawn_release_cannot_be_made_current(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    call_command("withdraw_release", release.id, "--reason", "Superseded by a corrected run.")
    with pytest.raises(TransitionRefused, match="only a published release is shown"):
        set_current_release(release.id)
    with pytest.raises(TransitionRefused, match="only a draft is published"):
        publish_release(release.id)
    analyst = client_for(Role.PARTNER_ANALYST)
    response = analyst.post(reverse("releases:make_current", kwargs={"release_id": release.id}))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert Release.objects.current("school-readiness") is None


def test_the_commands_publish_and_withdraw_and_refuse_other_roles(
    release_source: Path, user_for: Callable[[Role], User], capsys: pytest.CaptureFixture[str]
) -> None:
    draft = import_release(release_source)
    custodian, analyst = user_for(Role.CUSTODIAN), user_for(Role.PARTNER_ANALYST)
    with pytest.raises(CommandError, match="only an account with the role"):
        call_command("publish_release", draft.id, "--by", analyst.username)
    call_command("publish_release", draft.id, "--by", custodian.username)
    assert "every page of School readiness shows it" in capsys.readouterr().out
    call_command("publish_release", draft.id, "--skip-if-published")
    assert "already published; nothing to do" in capsys.readouterr().out
    with pytest.raises(CommandError, match="only a draft is published"):
        call_command("publish_release", draft.id)
    with pytest.raises(CommandError, match="the following arguments are required: --reason"):
        call_command("withdraw_release", draft.id)
    call_command(
        "withdraw_release", draft.id, "--reason", "Wrong area.", "--by", custodian.username
    )
    release = Release.objects.get(pk=draft.pk)
    assert (release.status, release.withdrawn_by, release.withdrawal_reason) == (
        ReleaseStatus.WITHDRAWN,
        custodian,
        "Wrong area.",
    )
    actions = list(
        Event.objects.filter(object_id=draft.id)
        .order_by("occurred_at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [Action.RELEASE_IMPORTED, Action.RELEASE_PUBLISHED, Action.RELEASE_WITHDRAWN]


def as_imported_under_format_1(release: Release) -> None:
    """What the upgrade leaves of a release imported before format 2: its manifest as it was."""
    manifest = dict(release.manifest)
    manifest["format_version"] = 1
    manifest["recipe"] = {key: manifest["recipe"][key] for key in ("id", "version", "sha256")}
    Release.objects.filter(pk=release.pk).update(manifest=manifest)


def test_a_release_of_format_1_is_neither_published_nor_made_current(
    release_source: Path, release: Release, tmp_path: Path
) -> None:
    draft = import_release(write_release(tmp_path, ReleaseSpec(created="20260301")))
    as_imported_under_format_1(draft)
    with pytest.raises(TransitionRefused, match="imported under release format 1"):
        publish_release(draft.id)
    assert Release.objects.get(pk=draft.pk).status == ReleaseStatus.DRAFT

    Release.objects.filter(pk=draft.pk).update(status=ReleaseStatus.PUBLISHED)
    with pytest.raises(TransitionRefused, match="bakehouse publish --recipe school-readiness"):
        set_current_release(draft.id)
    assert Release.objects.current("school-readiness") == release


def test_the_upgrade_stops_showing_a_format_1_release_and_keeps_it_in_the_history(
    release: Release, client: Client
) -> None:
    migration = import_module("web.releases.migrations.0003_outcome_neutral_names_and_recipes")
    as_imported_under_format_1(release)
    migration.earlier_formats_are_not_current(apps, None)

    assert Release.objects.current("school-readiness") is None
    html = client.get(reverse("releases:detail", kwargs={"release_id": release.id}))
    assert "Imported under release format 1" in html.content.decode()
    assert release.id in client.get(reverse("releases:history")).content.decode()
    no_results = client.get(reverse("areas:map", kwargs={"recipe": "school-readiness"}))
    assert "No results have been published yet" in no_results.content.decode()


def test_the_custodian_is_told_why_a_format_1_draft_cannot_be_published(
    release_source: Path, client_for: Callable[[Role | None], Client]
) -> None:
    draft = import_release(release_source)
    as_imported_under_format_1(draft)
    url = reverse("releases:publish", kwargs={"release_id": draft.id})
    drafts = client_for(Role.CUSTODIAN).get(reverse("releases:drafts")).content.decode()
    assert "Release format 1: publish the run again" in drafts

    response = client_for(Role.CUSTODIAN).post(url, {"confirm": "on"})

    assert response.status_code == HTTPStatus.OK
    assert "imported under release format 1" in response.content.decode()
    assert Release.objects.get(pk=draft.pk).status == ReleaseStatus.DRAFT
    assert not Event.objects.filter(action=Action.RELEASE_PUBLISHED).exists()


def test_a_release_of_a_recipe_with_the_longest_id_is_imported_published_and_logged(
    tmp_path: Path,
) -> None:
    recipe = replace(SCHOOL_READINESS, id="school-readiness-" + "r" * 47)  # 64 characters
    folder = write_release(tmp_path, ReleaseSpec(recipe=recipe))
    published = publish_release(import_release(folder).id)
    assert len(published.id) == 82
    assert Release.objects.current(recipe.id) == published
    logged = Event.objects.filter(object_id=published.id).values_list("action", flat=True)
    assert sorted(logged) == sorted([Action.RELEASE_IMPORTED, Action.RELEASE_PUBLISHED])
