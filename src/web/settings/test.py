"""Settings for the test suite: in-memory SQLite unless DATABASE_URL says otherwise (the second
pass of ``make test`` points it at a throwaway PostgreSQL cluster: scripts/with-postgres), fast
password hashing, and the same security middleware as production."""

from __future__ import annotations

import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bakehouse.release.signing import SigningKey
from web.settings.base import *  # noqa: F403
from web.settings.env import env_database

DEBUG = False
SECRET_KEY = "django-insecure-bakehouse-test-key-used-only-by-the-test-suite"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DATABASES = {"default": env_database(sqlite_file=None)}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_ACCOUNTS_ALLOWED = True
PARTNERSHIP_CONTACT_EMAIL = "data-partnership@example.org"
# A key pair made afresh for each test run: the release builder signs with the private half and
# the web app trusts the public half, as a deployment trusts the partnership's key.
TEST_RELEASE_SIGNING_KEY = SigningKey(Ed25519PrivateKey.generate(), origin="test settings")
BAKEHOUSE_RELEASE_PUBLIC_KEYS = [TEST_RELEASE_SIGNING_KEY.public.text]
# Background work runs at once, inside the request, so a test reads its outcome on the next line;
# the tests of the worker itself switch to the database backend (web/jobs/tests).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Uploads wait in a folder of this run's own, never under the repository's data/.
UPLOAD_DIR = Path(tempfile.mkdtemp(prefix="bakehouse-test-uploads-"))
