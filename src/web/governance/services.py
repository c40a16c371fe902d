"""Writing to and searching the governance log. Plain functions, callable without a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q

from web.accounts.models import User
from web.governance.models import Action, Event


def record_event(
    action: Action,
    *,
    actor: User | None = None,
    actor_username: str = "",
    subject: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> Event:
    """Append one event. ``subject`` is the record acted on, if any."""
    return Event.objects.create(
        action=action,
        actor=actor,
        actor_username=(actor.username if actor is not None else actor_username)[:150],
        object_type=subject._meta.label_lower if subject is not None else "",
        object_id=str(subject.pk) if subject is not None else "",
        detail=detail or {},
    )


@dataclass(frozen=True)
class EventFilter:
    """What the custodian asked for. Empty fields do not filter."""

    action: str = ""
    username: str = ""
    since: date | None = None
    until: date | None = None
    text: str = ""


def search_events(wanted: EventFilter) -> models.QuerySet[Event]:
    """Events matching every given field, newest first. Dates are local (Europe/London) and
    inclusive; ``text`` is looked for in the object and the detail."""
    events = Event.objects.all()
    if wanted.action:
        events = events.filter(action=wanted.action)
    if wanted.username:
        events = events.filter(actor_username__iexact=wanted.username)
    if wanted.since is not None:
        events = events.filter(occurred_at__date__gte=wanted.since)
    if wanted.until is not None:
        events = events.filter(occurred_at__date__lte=wanted.until)
    if wanted.text:
        events = events.filter(
            Q(object_type__icontains=wanted.text)
            | Q(object_id__iexact=wanted.text)
            | Q(detail__icontains=wanted.text)
        )
    return events
