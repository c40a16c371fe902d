from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from web.core.navigation import navigation_for


def layout(request: HttpRequest) -> dict[str, object]:
    """What the base layout needs on every page: the partnership's name and contact, and the
    service navigation."""
    match = request.resolver_match
    current = match.view_name if match is not None else ""
    return {
        "partnership_name": settings.PARTNERSHIP_NAME,
        "partnership_contact_email": settings.PARTNERSHIP_CONTACT_EMAIL,
        "navigation": navigation_for(request.user, current),
        "current_view_name": current,
    }
