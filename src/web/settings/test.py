"""Settings for the test suite: in-memory SQLite unless DATABASE_URL says otherwise, fast
password hashing, and the same security middleware as production."""

from __future__ import annotations

from web.settings.base import *  # noqa: F403
from web.settings.env import env_database

DEBUG = False
SECRET_KEY = "django-insecure-bakehouse-test-key-used-only-by-the-test-suite"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DATABASES = {"default": env_database(sqlite_file=None)}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_ACCOUNTS_ALLOWED = True
PARTNERSHIP_CONTACT_EMAIL = "data-partnership@example.org"
