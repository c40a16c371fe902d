"""Sign-in throttling with two allowances, as OWASP's authentication guidance asks: one per
username *at an address* (so a stranger elsewhere cannot lock a named account out) and a larger one
per address (so one address cannot try password after password across many usernames).

``AXES_LOCKOUT_PARAMETERS`` is ``[["username", "ip_address"], "ip_address"]``, in that order.
django-axes counts failures for each entry but compares them all with the one
``AXES_FAILURE_LIMIT``. This handler scales the address count so that it reaches the
limit exactly when the address has failed ``SIGN_IN_ADDRESS_FAILURE_LIMIT`` times, and clears only
the username-at-address count on a successful sign-in (one good account must not reset an
address that is guessing at others).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest


def _failures(attempts: QuerySet[Any]) -> int:
    total = attempts.aggregate(total=Sum("failures_since_start"))["total"]
    return int(total or 0)


class SignInThrottle(AxesDatabaseHandler):  # type: ignore[misc]
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        pair, address = self.get_user_attempts(request, credentials)
        limit: int = settings.AXES_FAILURE_LIMIT
        # floor(n * limit / address_limit) >= limit exactly when n >= address_limit
        scaled = _failures(address) * limit // settings.SIGN_IN_ADDRESS_FAILURE_LIMIT
        return max(_failures(pair), scaled)

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        pair = self.filter_user_attempts(request, credentials)[0]
        deleted, _ = pair.delete()
        return int(deleted)
