"""Abuse controls for forms anyone may send without an account, needing no third-party
service: a honeypot box that robots fill and people never see, and counters in the cache keyed
by a hash, so that no address or device id is ever stored with what was sent."""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.core.cache import cache


def within_limit(scope: str, key: str, limit: int, seconds: int) -> bool:
    """True while ``key`` (an address, a device) has acted fewer than ``limit`` times in
    ``scope`` during the window of ``seconds``; counts this time."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()
    counter = f"{scope}:{digest}"
    cache.add(counter, 0, seconds)
    try:
        sent = cache.incr(counter)
    except ValueError:  # expired between add and incr
        cache.set(counter, 1, seconds)
        sent = 1
    return sent <= limit


class HoneypotMixin(forms.Form):
    """A box hidden from people (``core/includes/honeypot.html`` draws it); robots that fill
    every box fill it. The view tells a robot it worked and keeps nothing. A ``Form``, so that
    the forms mixing it in collect its field."""

    website = forms.CharField(label="Leave this empty", required=False)

    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))
