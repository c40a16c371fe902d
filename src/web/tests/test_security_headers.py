"""Every response carries the strict Content Security Policy and the other security headers, and
no page has a script the policy would have to allow inline."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from web.accounts.roles import Role

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.django_db
def test_content_security_policy_is_strict(client: Client) -> None:
    header = client.get(reverse("core:home")).headers["Content-Security-Policy"]
    policy = directives(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header


@pytest.mark.django_db
def test_pages_forbid_framing_and_sniffing(client: Client) -> None:
    response = client.get(reverse("core:home"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("role", "view_name"),
    [
        (None, "core:home"),
        (None, "core:accessibility"),
        (None, "accounts:login"),
        (Role.CUSTODIAN, "core:home"),
        (Role.CUSTODIAN, "governance:audit_trail"),
    ],
)
def test_pages_load_scripts_only_from_files(
    role: Role | None, view_name: str, client_for: Callable[[Role | None], Client]
) -> None:
    html = client_for(role).get(reverse(view_name)).content.decode()
    tags = SCRIPT_TAG.findall(html)
    assert tags, "the page should load the GOV.UK Frontend module"
    assert all(" src=" in tag for tag in tags), tags
