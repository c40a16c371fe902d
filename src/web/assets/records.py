"""The ORUK tables the register holds, how they nest in a feed, and storing one record.

A record arrives as a JSON object: its own fields, plus nested records under the property
names ORUK uses (``schedules``, ``organization``, ...). ``store`` writes it and everything
nested in it, parents first, and says what changed. Nested parts the register has no table
for stay in the record's ``fields`` as published, so nothing is dropped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, cast

from django.db import models

from web.assets import models as tables

Columns = Callable[[dict[str, Any]], dict[str, Any]]


class RecordRefused(Exception):
    """A record cannot be stored; ``path`` says which part, the message why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Kind:
    """One ORUK table. ``links`` maps a foreign-key field of the feed (``service_id``) to the
    model's foreign key (``service``); ``required`` names the links a record cannot lack."""

    name: str
    model: type[tables.Record]
    links: Mapping[str, str] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    columns: Columns = lambda fields: {}


def _text(value: Any, length: int) -> str:
    return value[:length] if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _time(value: Any) -> time | None:
    if not isinstance(value, str):
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _days(value: Any) -> str:
    """iCalendar day codes (``MO,WE``) as the register compares them: their case does not matter
    (RFC 5545) and the search must match them alike on SQLite and PostgreSQL."""
    if not isinstance(value, str):
        return ""
    # Upper-casing can lengthen text (ß is SS): cut to the column's width after it.
    return "".join(value.split()).upper()[:100]


def _choice(value: Any, choices: type[models.TextChoices]) -> str:
    return value if isinstance(value, str) and value in choices.values else ""


def _named(fields: dict[str, Any]) -> dict[str, Any]:
    return {"name": _text(fields.get("name"), 500)}


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("organization", tables.Organization, columns=_named),
        Kind(
            "organization_identifier",
            tables.OrganizationIdentifier,
            links={"organization_id": "organization"},
            required=frozenset({"organization"}),
        ),
        Kind(
            "service",
            tables.Service,
            links={"organization_id": "organization"},
            columns=lambda f: {
                **_named(f),
                "status": _choice(f.get("status"), tables.ServiceStatus),
                "minimum_age": _number(f.get("minimum_age")),
                "maximum_age": _number(f.get("maximum_age")),
                "last_modified": _datetime(f.get("last_modified")),
            },
        ),
        Kind(
            "location",
            tables.Location,
            links={"organization_id": "organization"},
            columns=lambda f: {
                **_named(f),
                "location_type": _choice(f.get("location_type"), tables.LocationType),
                "latitude": _number(f.get("latitude")),
                "longitude": _number(f.get("longitude")),
            },
        ),
        Kind(
            "service_at_location",
            tables.ServiceAtLocation,
            links={"service_id": "service", "location_id": "location"},
            required=frozenset({"service", "location"}),
        ),
        Kind(
            "contact",
            tables.Contact,
            links={
                "organization_id": "organization",
                "service_id": "service",
                "service_at_location_id": "service_at_location",
                "location_id": "location",
            },
        ),
        Kind(
            "phone",
            tables.Phone,
            links={
                "organization_id": "organization",
                "service_id": "service",
                "service_at_location_id": "service_at_location",
                "location_id": "location",
                "contact_id": "contact",
            },
        ),
        Kind(
            "address",
            tables.Address,
            links={"location_id": "location"},
            required=frozenset({"location"}),
            columns=lambda f: {"postal_code": _text(f.get("postal_code"), 20)},
        ),
        Kind(
            "schedule",
            tables.Schedule,
            links={
                "service_id": "service",
                "location_id": "location",
                "service_at_location_id": "service_at_location",
            },
            columns=lambda f: {
                "freq": _choice(f.get("freq"), tables.Frequency),
                "byday": _days(f.get("byday")),
                "opens_at": _time(f.get("opens_at")),
                "closes_at": _time(f.get("closes_at")),
            },
        ),
        Kind(
            "cost_option",
            tables.CostOption,
            links={"service_id": "service"},
            required=frozenset({"service"}),
        ),
        Kind(
            "funding",
            tables.Funding,
            links={"organization_id": "organization", "service_id": "service"},
        ),
        Kind(
            "language",
            tables.Language,
            links={"service_id": "service", "location_id": "location", "phone_id": "phone"},
        ),
        Kind(
            "accessibility",
            tables.Accessibility,
            links={"location_id": "location"},
            required=frozenset({"location"}),
        ),
        Kind(
            "service_area",
            tables.ServiceArea,
            links={"service_id": "service", "service_at_location_id": "service_at_location"},
        ),
        Kind("taxonomy", tables.Taxonomy, columns=_named),
        Kind(
            "taxonomy_term",
            tables.TaxonomyTerm,
            links={"taxonomy_id": "taxonomy"},
            columns=_named,
        ),
        Kind(
            "attribute",
            tables.Attribute,
            links={"taxonomy_term_id": "taxonomy_term"},
            required=frozenset({"taxonomy_term"}),
        ),
    )
}

# (parent kind, property) -> (child kind, the child's foreign key to the parent).
MANY: dict[tuple[str, str], tuple[str, str]] = {
    ("organization", "organization_identifiers"): ("organization_identifier", "organization"),
    ("organization", "services"): ("service", "organization"),
    ("organization", "locations"): ("location", "organization"),
    ("organization", "contacts"): ("contact", "organization"),
    ("organization", "phones"): ("phone", "organization"),
    ("organization", "funding"): ("funding", "organization"),
    ("service", "schedules"): ("schedule", "service"),
    ("service", "service_areas"): ("service_area", "service"),
    ("service", "service_at_locations"): ("service_at_location", "service"),
    ("service", "languages"): ("language", "service"),
    ("service", "funding"): ("funding", "service"),
    ("service", "cost_options"): ("cost_option", "service"),
    ("service", "contacts"): ("contact", "service"),
    ("service", "phones"): ("phone", "service"),
    ("service_at_location", "schedules"): ("schedule", "service_at_location"),
    ("service_at_location", "contacts"): ("contact", "service_at_location"),
    ("service_at_location", "phones"): ("phone", "service_at_location"),
    ("service_at_location", "service_areas"): ("service_area", "service_at_location"),
    ("location", "addresses"): ("address", "location"),
    ("location", "accessibility"): ("accessibility", "location"),
    ("location", "languages"): ("language", "location"),
    ("location", "phones"): ("phone", "location"),
    ("location", "contacts"): ("contact", "location"),
    ("location", "schedules"): ("schedule", "location"),
    ("contact", "phones"): ("phone", "contact"),
    ("phone", "languages"): ("language", "phone"),
    ("taxonomy", "taxonomy_terms"): ("taxonomy_term", "taxonomy"),
}

# (parent kind, property) -> (child kind, the parent's foreign key to the child).
ONE: dict[tuple[str, str], tuple[str, str]] = {
    ("service", "organization"): ("organization", "organization"),
    ("service_at_location", "service"): ("service", "service"),
    ("service_at_location", "location"): ("location", "location"),
    ("attribute", "taxonomy_term"): ("taxonomy_term", "taxonomy_term"),
}

# Records that stand on their own: listing them under a parent never removes others.
SHARED = frozenset({"service", "location", "taxonomy_term"})

ATTRIBUTES = "attributes"

# A location linked to this taxonomy term is confidential (a refuge): importing it marks it
# sensitive. A service linked to it has a confidential place that the feed does not give (the
# register's own export says so of every service at a sensitive location). Bakehouse's own
# term, fixed so that partners' feeds can use it too; the synthetic world's register uses it
# (bakehouse.world.assets.CONFIDENTIAL_LOCATION_TERM).
CONFIDENTIAL_LOCATION_TERM = "0f8b5a4e-2c1d-4b7a-9e3f-6a1b2c3d4e51"
# The term as the register publishes it when it does not hold the term's record itself (its
# refuges marked by staff, not by a feed): the synthetic world's words, in no taxonomy.
CONFIDENTIAL_TERM_FIELDS: dict[str, Any] = {
    "id": CONFIDENTIAL_LOCATION_TERM,
    "name": "Confidential location",
    "description": "The address must not be published (for example a refuge).",
}


@dataclass
class Outcome:
    """What storing one top-level record did, nested records included."""

    written: Counter[str] = field(default_factory=Counter)
    changed: bool = False


def store(
    kind_name: str,
    record: dict[str, Any],
    path: str,
    outcome: Outcome,
    parent_links: Mapping[str, str] | None = None,
) -> str:
    """Store ``record`` of ``kind_name`` and everything nested in it; returns its id.

    ``parent_links`` holds the links that nesting implies (a schedule nested in a service
    belongs to it; an attribute's ``link_id`` is its parent's id, whatever table that is in)
    and is not added to the record's published fields.
    """
    kind = KINDS[kind_name]
    record_id = record.get("id")
    if not isinstance(record_id, str) or not 0 < len(record_id) <= 64:
        raise RecordRefused(f"{path}.id", "every record needs an id of 1 to 64 characters")
    links = dict(parent_links or {})
    fields: dict[str, Any] = {}
    many: list[tuple[str, list[Any]]] = []
    for key, value in record.items():
        if (kind_name, key) in ONE and isinstance(value, dict):
            child_kind, attribute = ONE[(kind_name, key)]
            links[attribute] = store(child_kind, value, f"{path}.{key}", outcome)
        elif ((kind_name, key) in MANY or key == ATTRIBUTES) and isinstance(value, list):
            many.append((key, value))
        else:
            fields[key] = value
    for feed_field, attribute in kind.links.items():
        if isinstance(fields.get(feed_field), str) and attribute not in links:
            links[attribute] = fields[feed_field]
    if kind_name == "attribute" and "link_id" not in links:
        if not isinstance(fields.get("link_id"), str):
            raise RecordRefused(path, "an attribute needs the link_id of the record it describes")
        links["link_id"] = fields["link_id"]
    _check_links(kind, links, path)
    _upsert(kind, record_id, fields, links, outcome)
    for key, children in many:
        _store_children(kind_name, record_id, key, children, f"{path}.{key}", outcome)
    return record_id


def _check_links(kind: Kind, links: Mapping[str, str], path: str) -> None:
    missing = sorted(kind.required - links.keys())
    if missing:
        raise RecordRefused(
            path, f"a {kind.name} needs its {', '.join(missing)}: nest it there or give its id"
        )
    for attribute, target_id in links.items():
        if attribute == "link_id":
            continue
        target = cast(type[models.Model], kind.model._meta.get_field(attribute).related_model)
        if not target._default_manager.filter(pk=target_id).exists():
            raise RecordRefused(
                f"{path}.{attribute}_id",
                f"{target_id} is neither in this feed before it nor in the register",
            )


def _upsert(
    kind: Kind,
    record_id: str,
    fields: dict[str, Any],
    links: Mapping[str, str],
    outcome: Outcome,
) -> None:
    values = {
        attribute if attribute == "link_id" else f"{attribute}_id": target
        for attribute, target in links.items()
    }
    values.update(kind.columns(fields))
    existing = kind.model._default_manager.filter(pk=record_id).first()
    if (
        existing is not None
        and existing.fields == fields
        and all(getattr(existing, name) == value for name, value in values.items())
    ):
        return
    if existing is None:
        kind.model._default_manager.create(id=record_id, fields=fields, **values)
    else:
        existing.fields = fields
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save()
    outcome.written[kind.name] += 1
    outcome.changed = True


def _store_children(
    parent_kind: str,
    parent_id: str,
    key: str,
    children: list[Any],
    path: str,
    outcome: Outcome,
) -> None:
    if key == ATTRIBUTES:
        child_kind, parent_key, link = "attribute", "link_id", "link_id"
    else:
        child_kind, parent_key = MANY[(parent_kind, key)]
        link = f"{parent_key}_id"
    kept = []
    for index, child in enumerate(children):
        where = f"{path}[{index}]"
        if not isinstance(child, dict):
            raise RecordRefused(where, "expected an object")
        kept.append(store(child_kind, child, where, outcome, {parent_key: parent_id}))
    if child_kind in SHARED:
        return
    # The feed lists all of them: those it no longer lists are gone.
    gone = KINDS[child_kind].model._default_manager.filter(**{link: parent_id}).exclude(pk__in=kept)
    removed, _ = gone.delete()
    if removed:
        outcome.written[f"{child_kind} removed"] += removed
        outcome.changed = True
