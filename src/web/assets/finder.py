"""Finding services for the public directory: what a resident asks (near a postcode, for an
age, on a day, free or paid, with the access they need), over the register's public records.

The ORUK API's own search (``search``) is reused for words, kind and postcode; the rest reads
as a resident means it (an age the service takes, a time it is open), which the standard's
parameters do not say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time
from enum import Enum
from typing import Any

from django.db.models import Q, QuerySet

from web.assets.export import public_records
from web.assets.models import Service, ServiceAtLocation
from web.assets.search import metres_between, postcode_point, services_matching, within_box

METRES_PER_MILE = 1609.344


class TimeOfDay(Enum):
    """Parts of the day a resident picks; a schedule open for any of it matches."""

    MORNING = ("morning", time(0), time(12))
    AFTERNOON = ("afternoon", time(12), time(17))
    EVENING = ("evening", time(17), time(23, 59))

    def __init__(self, key: str, start: time, end: time) -> None:
        self.key = key
        self.start = start
        self.end = end


class Cost(Enum):
    FREE = "free"
    PAID = "paid"


@dataclass(frozen=True)
class DirectoryQuery:
    search: str = ""
    category: str = ""
    postcode: str = ""
    miles: float | None = None
    age: int | None = None
    day: str = ""
    time_of_day: TimeOfDay | None = None
    cost: Cost | None = None
    accessibility: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
    """A service that matches, and with a postcode its nearest public place and how far."""

    service: Service
    nearest: ServiceAtLocation | None = None
    miles: float | None = None


def find(query: DirectoryQuery) -> list[Found]:
    """Services matching every part of ``query``: nearest first with a postcode, else by name.
    A postcode the area does not know raises ``search.BadQuery``."""
    services = services_matching({"search": query.search, "taxonomy_term_id": query.category})
    services = services.select_related("organization")
    if query.age is not None:
        services = services.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.age),
        )
    if query.day or query.time_of_day is not None:
        services = _open_when(services, query.day, query.time_of_day)
    if query.cost is not None:
        services = services.filter(pk__in=_costing(query.cost))
    if query.accessibility:
        services = services.filter(pk__in=_with_access(query.accessibility))
    if not query.postcode:
        return [Found(service) for service in services]
    return _nearest_first(services, query.postcode, query.miles)


def _open_when(services: QuerySet[Service], day: str, part: TimeOfDay | None) -> QuerySet[Service]:
    schedules = public_records("schedule")
    if day:
        schedules = schedules.filter(byday__contains=day)
    if part is not None:
        # Open for some of that part of the day.
        schedules = schedules.filter(opens_at__lt=part.end, closes_at__gt=part.start)
    return services.filter(
        Q(pk__in=schedules.values("service_id"))
        | Q(service_at_locations__in=schedules.values("service_at_location_id"))
    ).distinct()


def cost_kinds(fields: dict[str, Any]) -> set[Cost]:
    """Whether a cost option is free or paid: its amount, or its own words when it has none."""
    amount = fields.get("amount")
    if isinstance(amount, int | float) and not isinstance(amount, bool):
        return {Cost.FREE} if amount == 0 else {Cost.PAID}
    words = f"{fields.get('option') or ''} {fields.get('amount_description') or ''}".lower()
    return {Cost.FREE} if "free" in words.split() else set()


def _costing(cost: Cost) -> list[str]:
    return [
        option.service_id
        for option in public_records("cost_option")
        if cost in cost_kinds(option.fields)
    ]


def access_description(fields: dict[str, Any]) -> str:
    """An ORUK accessibility record's description (``accessibility`` in older feeds)."""
    return str(fields.get("description") or fields.get("accessibility") or "").strip()


def access_choices() -> list[str]:
    """Every kind of access the register's public places describe, for the filter."""
    found = {access_description(record.fields) for record in public_records("accessibility")}
    return sorted(text for text in found if text)


def _with_access(wanted: Iterable[str]) -> QuerySet[Any]:
    wanted = set(wanted)
    locations = [
        record.location_id
        for record in public_records("accessibility")
        if access_description(record.fields) in wanted
    ]
    return (
        public_records("service_at_location").filter(location_id__in=locations).values("service_id")
    )


def _nearest_first(services: QuerySet[Service], postcode: str, miles: float | None) -> list[Found]:
    centre = postcode_point(postcode)
    places = (
        public_records("service_at_location")
        .filter(service__in=services)
        .select_related("location", "service", "service__organization")
        .order_by("pk")
    )
    if miles is not None:
        places = places.filter(within_box(centre, miles * METRES_PER_MILE))
    nearest: dict[str, Found] = {}
    for place in places:
        metres = metres_between(centre, place)
        if metres is None:
            continue
        distance = metres / METRES_PER_MILE
        if miles is not None and distance > miles:
            continue
        known = nearest.get(place.service_id)
        if known is None or (known.miles is not None and distance < known.miles):
            nearest[place.service_id] = Found(place.service, place, distance)
    return sorted(nearest.values(), key=lambda found: (found.miles, found.service.name))
