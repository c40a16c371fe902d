"""Settings for a deployed instance behind an HTTPS reverse proxy.

Required environment: DJANGO_SECRET_KEY (50 or more random characters), DJANGO_ALLOWED_HOSTS,
BAKEHOUSE_CONTACT_EMAIL (named in the accessibility statement), BAKEHOUSE_RELEASE_PUBLIC_KEYS
(the partnership's release signing keys).
Optional: DATABASE_URL (PostgreSQL; SQLite under data/web/ otherwise), DJANGO_HSTS_SECONDS,
DJANGO_HSTS_PRELOAD, DJANGO_STATIC_ROOT, DJANGO_CACHE_DIR, BAKEHOUSE_UPLOAD_DIR,
BAKEHOUSE_TRUSTED_PROXIES, BAKEHOUSE_PARTNERSHIP_NAME, BAKEHOUSE_LOCKOUT_MINUTES. A missing or
weak secret stops the app at start-up.
"""

from __future__ import annotations

from web.settings.base import *  # noqa: F403
from web.settings.base import DATA_DIR, STORAGES
from web.settings.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_public_keys,
    env_secret,
    env_str,
)

DEBUG = False
SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
PARTNERSHIP_CONTACT_EMAIL = env_str("BAKEHOUSE_CONTACT_EMAIL")
BAKEHOUSE_RELEASE_PUBLIC_KEYS = env_public_keys("BAKEHOUSE_RELEASE_PUBLIC_KEYS")
DATABASES = {"default": env_database(sqlite_file=DATA_DIR / "db.sqlite3")}

# HTTPS everywhere: the proxy terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
TRUSTED_PROXY_COUNT = env_int("BAKEHOUSE_TRUSTED_PROXIES", 1, minimum=0)

# __Host- cookies are only accepted over HTTPS, for this host and path "/", with no Domain.
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"

# `manage.py collectstatic` gathers GOV.UK Frontend and the app's files here for whitenoise.
STATIC_ROOT = env_str("DJANGO_STATIC_ROOT", str(DATA_DIR / "static"))
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "web.core.storage.StaticFilesStorage"},
}

# What is computed from a release, shared by every worker process and kept across restarts, so
# each profile and map is computed once per release, not once per worker.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("DJANGO_CACHE_DIR", str(DATA_DIR / "cache")),
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
