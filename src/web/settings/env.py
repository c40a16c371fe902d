"""Typed readers for settings taken from the environment.

Each helper returns a value of one type or raises ``ImproperlyConfigured`` naming the variable
and the value it could not use, so a bad deployment fails at start-up rather than at the first
request. Secrets are never echoed back: their errors give the length, not the value.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class _Missing:
    """Marks a setting that has no default, so an unset variable is an error."""


MISSING: Any = _Missing()


def _read(name: str, default: object) -> str | None:
    """The raw value of ``name``; None when it is unset and a default applies."""
    raw = os.environ.get(name)
    if raw is None:
        if default is MISSING:
            raise ImproperlyConfigured(f"Set the environment variable {name}: it has no default.")
        return None
    return raw


def env_str(name: str, default: str = MISSING) -> str:
    """A non-blank string."""
    raw = _read(name, default)
    if raw is None:
        return default
    if not raw.strip():
        raise ImproperlyConfigured(f"{name} is set but blank; give it a value or unset it.")
    return raw.strip()


def env_bool(name: str, default: bool = MISSING) -> bool:
    """A boolean written as 1/0, true/false, yes/no or on/off (any case)."""
    raw = _read(name, default)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_int(
    name: str,
    default: int = MISSING,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """A whole number, optionally within [minimum, maximum]."""
    raw = _read(name, default)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}; got {value}.")
    return value


def env_list(name: str, default: list[str] = MISSING, *, separator: str = ",") -> list[str]:
    """A non-empty list of non-blank items separated by ``separator``."""
    raw = _read(name, default)
    if raw is None:
        return list(default)
    items = [item.strip() for item in raw.split(separator)]
    if not raw.strip() or any(not item for item in items):
        raise ImproperlyConfigured(
            f"{name} must be a list of non-blank items separated by {separator!r}; got {raw!r}."
        )
    return items


def env_secret(name: str, *, min_length: int = 50) -> str:
    """A secret of at least ``min_length`` characters. There is never a default."""
    raw = os.environ.get(name)
    if raw is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}: it has no default.")
    if len(raw) < min_length:
        raise ImproperlyConfigured(
            f"{name} is too short ({len(raw)} characters); use at least {min_length} "
            "random characters."
        )
    if raw.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            f"{name} is a development key (it starts with 'django-insecure-'); generate a new one."
        )
    return raw


def env_database(name: str = "DATABASE_URL", *, sqlite_file: Path | None) -> dict[str, Any]:
    """Django's database settings from a URL such as ``postgres://user:pass@host/db``.

    When the variable is unset the database is the SQLite file ``sqlite_file``, whose folder is
    created, or an in-memory SQLite database when ``sqlite_file`` is None.
    """
    raw = _read(name, None)
    if raw is not None:
        url = raw.strip()
    elif sqlite_file is None:
        url = "sqlite://:memory:"
    else:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{sqlite_file}"
    try:
        return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{name} is not a database URL Django can use ({error}); got {_redacted(url)!r}."
        ) from None


def _redacted(url: str) -> str:
    """``url`` with any password replaced, so errors never print credentials."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def env_public_keys(name: str, default: list[str] = MISSING) -> list[str]:
    """A list of Ed25519 public keys written ``ed25519:<base64>``, each checked at start-up."""
    from bakehouse.errors import SigningError
    from bakehouse.release.signing import parse_public_key

    keys = env_list(name, default)
    for position, text in enumerate(keys, start=1):
        try:
            parse_public_key(text)
        except SigningError as error:
            raise ImproperlyConfigured(f"{name}, key {position}: {error.message}.") from None
    return keys
