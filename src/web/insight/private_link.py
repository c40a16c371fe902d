"""A private link: a random key that lets whoever holds it see, change or delete what they
sent without an account. Validation rounds' contributions and surveys' responses use it.

The key is shown once, on the thank-you page, from the session (it is popped on that one
read); only its SHA-256 is stored, so the database cannot open anybody's link. The key
travels in the query string, never in the path: the web server's access log and Django's log
of pages not found record the path only."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

# 32 random bytes: too many to guess, short enough to copy from a phone.
KEY_BYTES = 32


def new_key() -> tuple[str, str]:
    """A fresh key and the digest to store in its place."""
    key = secrets.token_urlsafe(KEY_BYTES)
    return key, digest(key)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_given(request: HttpRequest) -> str:
    """The key in the link that opened the page; blank when there is none."""
    return request.GET.get("key", "")


@dataclass(frozen=True)
class OnceInSession:
    """Carries a new key from the view that stored the item to the thank-you page, once."""

    session_key: str

    def keep(self, request: HttpRequest, key: str) -> None:
        request.session[self.session_key] = key

    def take(self, request: HttpRequest) -> str | None:
        key: str | None = request.session.pop(self.session_key, None)
        return key


def links(view_name: str, delete_name: str, key: str) -> dict[str, str]:
    """The page that shows what is kept and the page that deletes it, each with the key."""
    query = urlencode({"key": key})
    return {
        "view": f"{reverse(view_name)}?{query}",
        "delete": f"{reverse(delete_name)}?{query}",
    }
