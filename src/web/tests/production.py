"""The environment a deployment provides, for tests that start the app under the production
settings in a process of its own (docs/guides/production.md lists every variable)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bakehouse.release.signing import PublicKey

REPO_DIR = Path(__file__).resolve().parents[3]
PARTNERSHIP_KEY = PublicKey(Ed25519PrivateKey.generate().public_key()).text


def production_environment(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """The required variables, a SQLite database under ``tmp_path``, and ``overrides`` (a
    value of None removes the variable)."""
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


def manage(env: dict[str, str], *args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """``manage.py`` with ``args`` in a process of its own under ``env``."""
    return subprocess.run(
        [sys.executable, str(REPO_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
