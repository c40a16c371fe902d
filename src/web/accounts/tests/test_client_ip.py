"""The address sign-in throttling counts: the client's, not the proxy's."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from pytest_django import Settings

from web.accounts.client_ip import client_ip_address


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2"),
    ],
    ids=["no-proxy", "one-proxy", "spoofed-entry-ignored", "two-proxies", "too-few-entries"],
)
def test_client_address_counts_only_trusted_proxies(
    settings: Settings, proxies: int, forwarded_for: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip_address(request) == expected
