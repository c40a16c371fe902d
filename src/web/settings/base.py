"""Settings every environment shares. ``dev``, ``test`` and ``production`` import this module and
add their secret key, database and security switches."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF

from web.settings.env import env_int, env_public_keys, env_str

REPO_DIR = Path(__file__).resolve().parents[3]
DATA_DIR = REPO_DIR / "data" / "web"

# The partnership that runs this instance: its name is the service's brand, never the crown.
PARTNERSHIP_NAME = env_str("BAKEHOUSE_PARTNERSHIP_NAME", "Essex Data Partnership")
# PARTNERSHIP_CONTACT_EMAIL, named in the accessibility statement, is set by each environment's
# module: production requires it.

# Demo accounts with printed passwords may only be created where a setting allows it.
DEMO_ACCOUNTS_ALLOWED = False

INSTALLED_APPS = [
    # First, so its templates (the layout, the admin site's accessibility fixes) take precedence.
    "web.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    # After django.contrib.auth, whose Group admin web.accounts removes.
    "web.accounts",
    "web.governance",
    "web.releases",
    "web.areas",
    "web.transparency",
    "web.recipes",
    "web.assets",
    "web.insight",
    "web.fieldwork",
    "web.interventions",
    "rest_framework",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # After django_tasks_db, whose admin page of raw task results it removes.
    "web.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "web.accounts.middleware.RoleAccessMiddleware",
    # django-axes asks to be last: it turns a lockout raised during sign-in into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "web.urls"

WSGI_APPLICATION = "web.wsgi.application"

# Only the ORUK read API uses the REST framework: JSON out, no sign-in (the register is
# public; the access table still applies to every address).
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.core.context_processors.layout",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Sign-in throttling (web.accounts.throttle): the fifth failure for a username from one address
# locks that username at that address out for SIGN_IN_LOCKOUT_MINUTES, and the
# SIGN_IN_ADDRESS_FAILURE_LIMIT-th failure from an address, whatever the usernames, locks the
# address out; a successful sign-in clears its username's count at that address.
SIGN_IN_LOCKOUT_MINUTES = env_int("BAKEHOUSE_LOCKOUT_MINUTES", 30, minimum=1)
SIGN_IN_ADDRESS_FAILURE_LIMIT = env_int("BAKEHOUSE_ADDRESS_FAILURE_LIMIT", 20, minimum=5)
AXES_HANDLER = "web.accounts.throttle.SignInThrottle"
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "web.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "web.accounts.client_ip.client_ip_address"
# Every model in the admin site writes to the governance log; axes' own admin pages would not.
AXES_ENABLE_ADMIN = False
# How many reverse proxies append to X-Forwarded-For in front of the app (0: none).
TRUSTED_PROXY_COUNT = 0

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A session lasts a working day; signing in again after that is cheap, a stolen cookie is not.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "web.core.views.csrf_failure"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# GOV.UK Frontend is installed by `npm ci` at set-up; its compiled files are served from here
# under /static/govuk/ (see web.core.finders).
GOVUK_FRONTEND_DIR = REPO_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
# Leaflet draws the map from the release's GeoJSON, with no tile server (under /static/leaflet/).
LEAFLET_DIR = REPO_DIR / "node_modules" / "leaflet" / "dist"
STATICFILES_FINDERS = [
    "web.core.finders.AppDirectoriesFinder",
    "web.core.finders.GovukFrontendFinder",
    "web.core.finders.LeafletFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What is computed from a release (map data, tables, profiles) is cached under the release's id,
# so it never goes stale: a release never changes once imported. Each process keeps its own.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "bakehouse",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Long work (importing a release or a feed) runs off the request path, in a worker process that
# takes tasks from the database (`manage.py db_worker`): no extra server (docs/adr/0033).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Where an upload waits for its job; each job's folder is removed once the job has read it.
UPLOAD_DIR = Path(env_str("BAKEHOUSE_UPLOAD_DIR", str(DATA_DIR / "uploads")))

# Releases. Only a release whose manifest is signed by one of these keys is imported (the
# output of `bakehouse release keygen`, comma-separated); production has no default.
BAKEHOUSE_RELEASE_PUBLIC_KEYS = env_public_keys("BAKEHOUSE_RELEASE_PUBLIC_KEYS", [])
# The weakest disclosure rule a release may follow: suppress 1 to the threshold, round to the
# base, and keep every withheld count to at least this many possible values (docs/release.md).
BAKEHOUSE_RELEASE_MIN_THRESHOLD = env_int("BAKEHOUSE_RELEASE_MIN_THRESHOLD", 7, minimum=1)
BAKEHOUSE_RELEASE_MIN_ROUNDING = env_int("BAKEHOUSE_RELEASE_MIN_ROUNDING", 5, minimum=1)
BAKEHOUSE_RELEASE_MIN_PROTECTION = env_int("BAKEHOUSE_RELEASE_MIN_PROTECTION", 2, minimum=1)
# A release is read into memory whole. The county's geometry is about 320 KB (872 LSOAs), so
# these leave room for far larger partnerships while refusing a folder stuffed to exhaust memory.
BAKEHOUSE_RELEASE_MAX_FILE_BYTES = env_int(
    "BAKEHOUSE_RELEASE_MAX_FILE_BYTES", 64 * 1024 * 1024, minimum=1024
)
BAKEHOUSE_RELEASE_MAX_TOTAL_BYTES = env_int(
    "BAKEHOUSE_RELEASE_MAX_TOTAL_BYTES", 256 * 1024 * 1024, minimum=1024
)
