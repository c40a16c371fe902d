"""Settings for a developer's machine and the demo: debug on, a fixed key, SQLite under data/."""

from __future__ import annotations

from web.settings.base import *  # noqa: F403
from web.settings.base import DATA_DIR
from web.settings.env import env_database, env_list, env_str

DEBUG = True
# A development key, public by design: production refuses any key with this prefix.
SECRET_KEY = "django-insecure-bakehouse-development-key-not-for-any-deployed-instance"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
DATABASES = {"default": env_database(sqlite_file=DATA_DIR / "db.sqlite3")}
DEMO_ACCOUNTS_ALLOWED = True
# example.org is reserved for examples: set the partnership's real address to demonstrate it.
PARTNERSHIP_CONTACT_EMAIL = env_str("BAKEHOUSE_CONTACT_EMAIL", "data-partnership@example.org")
