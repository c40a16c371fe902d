"""The client's address for sign-in throttling, counting only proxies we trust.

Behind a reverse proxy every request arrives from the proxy's address; throttling on it would
lock everyone out at once. Each trusted proxy appends the address it received from to
X-Forwarded-For, so the client is the entry that many places from the right. Entries further
left were written by the client and cannot be trusted.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str | None:
    proxies: int = settings.TRUSTED_PROXY_COUNT
    remote: str | None = request.META.get("REMOTE_ADDR")
    if proxies == 0:
        return remote
    header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]
