"""What the public directory shows of each service: plain values for its templates, taken
only from what the register publishes (``export.public_records``), so a sensitive location
never reaches a page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from web.assets.export import public_records
from web.assets.finder import Found, access_description
from web.assets.hours import BankHolidays, Opening, next_bank_holiday_on, opening
from web.assets.models import (
    Attribute,
    CostOption,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from web.assets.records import CONFIDENTIAL_LOCATION_TERM


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    address: list[str]
    postcode: str
    how_to_get_there: str
    access: list[str]
    latitude: float | None
    longitude: float | None
    # The place's own times, when the service keeps different times at each place.
    openings: list[Opening]


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    description: str
    organization: str
    ages: str
    opening: list[str]
    # The service's own schedules (a place's own are with the place).
    openings: list[Opening]
    places: list[Place]
    categories: list[str]
    cost: list[str]
    last_checked: datetime | None
    miles: float | None = None
    nearest: str = ""


@dataclass(frozen=True)
class BankHolidayNote:
    says: BankHolidays
    next_day: date | None
    next_name: str


@dataclass(frozen=True)
class ServicePage:
    entry: Entry
    bank_holidays: BankHolidayNote
    languages: list[str]
    contacts: list[str]
    website: str
    email: str


def kinds_of_service() -> QuerySet[Attribute]:
    """The public attributes that say what kind of service a service is."""
    attributes: QuerySet[Attribute] = public_records("attribute")
    return attributes.exclude(taxonomy_term_id=CONFIDENTIAL_LOCATION_TERM)


def categories() -> list[tuple[str, str]]:
    """(term id, name) of every term that describes at least one service: what kind it is, so
    not the confidential location term, which says only that a place of it is withheld."""
    used = kinds_of_service().filter(link_id__in=Service.objects.values("pk"))
    # Asked per term, the database stops at the first service each describes, rather than
    # reading every service's terms on every page of the directory.
    terms = TaxonomyTerm.objects.filter(
        Exists(used.filter(taxonomy_term_id=OuterRef("pk")))
    ).order_by("name")
    return [(term.pk, term.name or term.pk) for term in terms]


def entries(found: Iterable[Found]) -> list[Entry]:
    found = list(found)
    parts = _Parts([item.service for item in found])
    return [
        _entry(
            item.service,
            parts,
            miles=item.miles,
            nearest=item.nearest.location.fields.get("name", "") if item.nearest else "",
        )
        for item in found
    ]


def _grouped(records: Iterable[Any], key: str) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for record in records:
        groups[getattr(record, key)].append(record)
    return groups


class _Parts:
    """The public parts of a page of services, read in a few queries for all of them."""

    def __init__(self, services: list[Service]) -> None:
        ids = [service.pk for service in services]
        places = (
            public_records("service_at_location")
            .filter(service_id__in=ids)
            .select_related("location")
            .order_by("pk")
        )
        self.places = _grouped(places, "service_id")
        locations = [place.location_id for place in places]
        sal_ids = [place.pk for place in places]
        self.addresses = _grouped(
            public_records("address").filter(location_id__in=locations).order_by("pk"),
            "location_id",
        )
        self.access = _grouped(
            public_records("accessibility").filter(location_id__in=locations).order_by("pk"),
            "location_id",
        )
        self.schedules = _grouped(
            public_records("schedule").filter(service_id__in=ids).order_by("pk"), "service_id"
        )
        self.place_schedules = _grouped(
            public_records("schedule").filter(service_at_location_id__in=sal_ids).order_by("pk"),
            "service_at_location_id",
        )
        self.costs = _grouped(
            public_records("cost_option").filter(service_id__in=ids).order_by("pk"),
            "service_id",
        )
        self.terms = _grouped(
            kinds_of_service()
            .filter(link_id__in=ids)
            .select_related("taxonomy_term")
            .order_by("pk"),
            "link_id",
        )

    def place(self, sal: ServiceAtLocation) -> Place:
        location = sal.location
        addresses = self.addresses.get(location.pk, [])
        lines: list[str] = []
        for address in addresses:
            fields = address.fields
            lines.extend(
                str(fields[key])
                for key in ("address_1", "city", "state_province")
                if isinstance(fields.get(key), str) and fields[key]
            )
        return Place(
            id=location.pk,
            name=str(location.fields.get("name") or ""),
            address=lines,
            postcode=", ".join(address.postal_code for address in addresses if address.postal_code),
            how_to_get_there=str(location.fields.get("description") or ""),
            access=[
                text
                for record in self.access.get(location.pk, [])
                if (text := access_description(record.fields))
            ],
            latitude=location.latitude,
            longitude=location.longitude,
            openings=[_opening(schedule) for schedule in self.place_schedules.get(sal.pk, [])],
        )


def _opening(schedule: Schedule) -> Opening:
    return opening(
        schedule.fields, schedule.byday, schedule.freq, schedule.opens_at, schedule.closes_at
    )


def _opening_lines(openings: list[Opening], places: list[Place]) -> list[str]:
    lines = [line.sentence() for line in openings]
    for place in places:
        lines.extend(f"At {place.name}: {line.sentence()}" for line in place.openings)
    return lines


def _entry(
    service: Service, parts: _Parts, *, miles: float | None = None, nearest: Any = ""
) -> Entry:
    places = [parts.place(sal) for sal in parts.places.get(service.pk, [])]
    openings = [_opening(schedule) for schedule in parts.schedules.get(service.pk, [])]
    terms = {attribute.taxonomy_term.name for attribute in parts.terms.get(service.pk, [])}
    return Entry(
        id=service.pk,
        name=service.name or service.pk,
        description=str(service.fields.get("description") or ""),
        organization=service.organization.name if service.organization else "",
        ages=_ages(service.minimum_age, service.maximum_age),
        opening=_opening_lines(openings, places),
        openings=openings,
        places=places,
        categories=sorted(name for name in terms if name),
        cost=_cost(parts.costs.get(service.pk, [])),
        last_checked=service.last_checked,
        miles=miles,
        nearest=str(nearest or ""),
    )


def _ages(minimum: float | None, maximum: float | None) -> str:
    if minimum is None and maximum is None:
        return ""
    if maximum is None or maximum >= 100:
        return f"{minimum:g} and over" if minimum else "All ages"
    return f"{minimum or 0:g} to {maximum:g}"


def _cost(options: list[CostOption]) -> list[str]:
    lines = []
    for option in options:
        fields = option.fields
        amount = fields.get("amount")
        words = str(fields.get("option") or "")
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            price = "Free" if amount == 0 else f"£{amount:,.2f}".replace(".00", "")
            words = f"{price}: {words}" if words else price
        described = str(fields.get("amount_description") or "")
        lines.append(f"{words} ({described})" if described and words else words or described)
    return [line for line in lines if line]


def _numbers(service: Service) -> list[str]:
    """The service's own phone numbers, then its contacts', each after the contact's role
    ("Group organiser: 01268 000001"); a contact's name is not shown."""
    own = public_records("phone").filter(service=service).order_by("pk")
    lines = [str(phone.fields.get("number") or "") for phone in own]
    contacts = public_records("contact").filter(service=service)
    roles = {contact.pk: str(contact.fields.get("title") or "") for contact in contacts}
    theirs = public_records("phone").filter(contact_id__in=roles).order_by("contact_id", "pk")
    for phone in theirs:
        number, role = str(phone.fields.get("number") or ""), roles[phone.contact_id]
        lines.append(f"{role}: {number}" if role and number else number)
    return [line for line in lines if line]


def service_page(service: Service, today: date) -> ServicePage:
    """Everything the service's own page shows."""
    entry = _entry(service, _Parts([service]))
    every = [*entry.openings, *(line for place in entry.places for line in place.openings)]
    says = {line.bank_holidays for line in every} - {BankHolidays.NOT_SAID}
    verdict = says.pop() if len(says) == 1 else BankHolidays.NOT_SAID
    days: frozenset[str] = frozenset().union(*(line.days for line in every))
    upcoming = next_bank_holiday_on(days, today) if every else None
    languages = [
        str(record.fields.get("name") or record.fields.get("code") or "")
        for record in public_records("language").filter(service=service).order_by("pk")
    ]
    return ServicePage(
        entry=entry,
        bank_holidays=BankHolidayNote(
            says=verdict,
            next_day=upcoming[0] if upcoming else None,
            next_name=upcoming[1] if upcoming else "",
        ),
        languages=[name for name in languages if name],
        contacts=_numbers(service),
        website=str(service.fields.get("url") or ""),
        email=str(service.fields.get("email") or ""),
    )
