"""Production settings: clean under ``check --deploy``, and refuse to start without secrets."""

from __future__ import annotations

import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from bakehouse.release.signing import PublicKey

REPO_DIR = Path(__file__).resolve().parents[3]
PARTNERSHIP_KEY = PublicKey(Ed25519PrivateKey.generate().public_key()).text


def production_environment(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """The environment a deployment provides, with some variables changed or removed."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "web.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "insight.example.org",
            "BAKEHOUSE_CONTACT_EMAIL": "data-partnership@example.org",
            "BAKEHOUSE_RELEASE_PUBLIC_KEYS": PARTNERSHIP_KEY,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    for key, value in overrides.items():
        env.pop(key, None)
        if value is not None:
            env[key] = value
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load_production_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **overrides: str | None
) -> dict[str, object]:
    for key, setting in production_environment(tmp_path, **overrides).items():
        monkeypatch.setenv(key, setting)
    for key, value in overrides.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
    return runpy.run_module("web.settings.production")


def test_check_deploy_is_clean_under_production_settings(tmp_path: Path) -> None:
    result = manage(production_environment(tmp_path), "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


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
