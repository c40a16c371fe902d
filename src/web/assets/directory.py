"""What the public directory page shows of each service: plain values for its template, taken
only from what the register publishes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from web.assets.export import public_records
from web.assets.models import Schedule, Service, TaxonomyTerm
from web.assets.search import DAYS


@dataclass(frozen=True)
class Place:
    name: str
    postcode: str


@dataclass(frozen=True)
class Entry:
    name: str
    description: str
    organization: str
    ages: str
    opening: list[str]
    places: list[Place]
    categories: list[str]
    last_checked: datetime | None


def categories() -> list[tuple[str, str]]:
    """(term id, name) of every term that describes at least one service."""
    used = public_records("attribute").filter(link_id__in=Service.objects.values("pk"))
    terms = TaxonomyTerm.objects.filter(pk__in=used.values("taxonomy_term_id")).order_by("name")
    return [(term.pk, term.name or term.pk) for term in terms]


def entries(services: Iterable[Service]) -> list[Entry]:
    return [_entry(service) for service in services]


def _entry(service: Service) -> Entry:
    places = [
        Place(
            name=str(sal.location.fields.get("name") or ""),
            postcode=", ".join(
                address.postal_code
                for address in public_records("address").filter(location=sal.location)
            ),
        )
        for sal in public_records("service_at_location")
        .filter(service=service)
        .select_related("location")
        .order_by("pk")
    ]
    terms = TaxonomyTerm.objects.filter(
        pk__in=public_records("attribute").filter(link_id=service.pk).values("taxonomy_term_id")
    )
    return Entry(
        name=service.name or service.pk,
        description=str(service.fields.get("description") or ""),
        organization=service.organization.name if service.organization else "",
        ages=_ages(service.minimum_age, service.maximum_age),
        opening=[
            _opening(schedule)
            for schedule in public_records("schedule").filter(service=service).order_by("pk")
        ],
        places=places,
        categories=sorted(term.name for term in terms if term.name),
        last_checked=service.last_checked,
    )


def _ages(minimum: float | None, maximum: float | None) -> str:
    if minimum is None and maximum is None:
        return ""
    if maximum is None or maximum >= 100:
        return f"{minimum:g} and over" if minimum else "All ages"
    return f"{minimum or 0:g} to {maximum:g}"


def _opening(schedule: Schedule) -> str:
    days = [DAYS[code].capitalize() for code in schedule.byday.split(",") if code in DAYS]
    hours = ""
    if schedule.opens_at and schedule.closes_at:
        hours = f" {schedule.opens_at:%H:%M} to {schedule.closes_at:%H:%M}"
    text = ", ".join(days) + hours
    return text or str(schedule.fields.get("description") or "")
