"""Every URL, for anonymous visitors and every role, answers as ``web.accounts.access`` says,
with releases of two recipes published so that every recipe's pages have something to show."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from web.accounts import access
from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.releases.importer import import_release
from web.releases.models import Release
from web.releases.tests.builder import HOMELESSNESS, ReleaseSpec, write_release
from web.releases.tests.fixtures import import_published
from web.tests.url_walk import sample_url, url_patterns, url_samples

VISITORS: list[Role | None] = [None, *Role]


def expected_status(rule: access.Rule, role: Role | None) -> HTTPStatus:
    if rule.roles is None or role in rule.roles:
        return rule.get_status
    return HTTPStatus.FOUND if role is None else HTTPStatus.FORBIDDEN


def test_every_url_name_has_an_access_rule() -> None:
    unruled = [name for name, _ in url_patterns() if access.rule_for(name) is None]
    assert not unruled, f"Add these URL names to web.accounts.access: {unruled}"


def test_every_page_in_the_access_table_exists() -> None:
    names = {name for name, _ in url_patterns()}
    stale = [name for name in access.PAGES if name not in names]
    assert not stale, f"These entries in web.accounts.access name no URL: {stale}"


@pytest.mark.parametrize("role", VISITORS, ids=lambda role: role.value if role else "anonymous")
def test_each_url_answers_this_visitor_as_the_access_table_says(
    role: Role | None,
    client_for: Callable[[Role | None], Client],
    release: Release,
    tmp_path: Path,
) -> None:
    client = client_for(role)
    subject = make_user(Role.PARTNER_VIEWER, username="subject-of-admin-pages")
    draft = import_release(write_release(tmp_path, ReleaseSpec(created="20260301")))
    import_published(write_release(tmp_path, ReleaseSpec(recipe=HOMELESSNESS)))
    samples = url_samples(subject, release, draft)
    login_url = resolve_url(settings.LOGIN_URL)
    wrong = []
    for name, pattern in url_patterns():
        rule = access.rule_for(name)
        assert rule is not None
        url = sample_url(name, pattern, samples)
        response = client.get(url)
        expected = expected_status(rule, role)
        if response.status_code != expected:
            wrong.append(f"{name} ({url}): expected {expected}, got {response.status_code}")
        elif role is None and not rule.is_public:
            location = response.headers["Location"]
            if not location.startswith(f"{login_url}?next="):
                wrong.append(f"{name}: sent to {location}, not to sign in")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_a_closed_account_is_treated_as_signed_out(client: Client) -> None:
    custodian = make_user(Role.CUSTODIAN)
    client.force_login(custodian)
    custodian.is_active = False
    custodian.save()
    response = client.get(reverse("governance:audit_trail"))
    assert response.status_code == HTTPStatus.FOUND
