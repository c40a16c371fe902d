"""Production settings: clean under ``check --deploy``, and refuse to start without secrets."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import load_backend

from web.tests.production import manage, production_environment


def load_production_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **overrides: str | None
) -> dict[str, object]:
    for key, setting in production_environment(tmp_path, **overrides).items():
        monkeypatch.setenv(key, setting)
    for key, value in overrides.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
    return runpy.run_module("web.settings.production")


def representative_environment(tmp_path: Path) -> dict[str, str]:
    """A deployment as docs/guides/production.md sets one up: PostgreSQL, gunicorn behind one
    HTTPS proxy, static files and the shared cache in folders of their own."""
    return production_environment(
        tmp_path,
        DATABASE_URL="postgres://bakehouse:not-a-real-password@db.internal:5432/bakehouse",
        DJANGO_ALLOWED_HOSTS="insight.example.org,www.insight.example.org",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_CACHE_DIR=str(tmp_path / "cache"),
        BAKEHOUSE_TRUSTED_PROXIES="1",
        BAKEHOUSE_PARTNERSHIP_NAME="Essex Data Partnership",
    )


def test_check_deploy_is_clean_for_the_deployment_the_production_guide_describes(
    tmp_path: Path,
) -> None:
    result = manage(
        representative_environment(tmp_path), "check", "--deploy", "--fail-level", "DEBUG"
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_use_postgresql_through_psycopg(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key, value in representative_environment(tmp_path).items():
        monkeypatch.setenv(key, value)
    database = runpy.run_module("web.settings.production")["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.internal",
        5432,
        "bakehouse",
    )
    # Connections are kept between requests and checked before reuse.
    assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True
    # The driver is installed from the lock: Django's PostgreSQL backend loads with psycopg 3.
    assert load_backend(database["ENGINE"]).is_psycopg3


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = manage(production_environment(tmp_path, DJANGO_SECRET_KEY=None), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_SECRET_KEY", "too-short", "DJANGO_SECRET_KEY is too short"),
        ("DJANGO_ALLOWED_HOSTS", None, "DJANGO_ALLOWED_HOSTS"),
        ("BAKEHOUSE_CONTACT_EMAIL", None, "BAKEHOUSE_CONTACT_EMAIL"),
        ("DJANGO_HSTS_SECONDS", "a year", "DJANGO_HSTS_SECONDS must be a whole number"),
        ("BAKEHOUSE_RELEASE_PUBLIC_KEYS", None, "Set the environment variable BAKEHOUSE_RELEASE"),
        ("BAKEHOUSE_RELEASE_PUBLIC_KEYS", "ed25519:c2hvcnQ=", "PUBLIC_KEYS, key 1: A public key"),
    ],
)
def test_production_refuses_a_missing_or_bad_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str | None, message: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        load_production_settings(monkeypatch, tmp_path, **{variable: value})


def test_production_cookies_are_secure_host_only_and_https_is_enforced(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = load_production_settings(monkeypatch, tmp_path)
    assert settings["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert settings["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 31_536_000
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["DEBUG"] is False
    assert settings["DEMO_ACCOUNTS_ALLOWED"] is False
