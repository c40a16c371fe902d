"""Writing register records back out in the shapes the ORUK API returns.

A shape says which nested records a response carries (a full service carries its schedules,
its locations with their addresses, ...; a service in a list only its organisation). Each
record gives back its published fields as they came in, and nested parts only when there are
some. Sensitive locations, and everything that would place a service at one, are never
written: this module is the only way the register leaves the web app. That a service has such
a place is written, as the confidential location term on the service itself (its "mark"), so
that a register importing the feed still counts it as a refuge (docs/adr/0049).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID, uuid5

from django.db import models
from django.db.models import Exists, Q

from web.assets import models as tables
from web.assets.records import (
    ATTRIBUTES,
    CONFIDENTIAL_LOCATION_TERM,
    CONFIDENTIAL_TERM_FIELDS,
    KINDS,
    MANY,
    ONE,
)

Shape = Mapping[str, "Shape"]

TERM: Shape = {}
WITH_ATTRIBUTES: Shape = {ATTRIBUTES: {"taxonomy_term": TERM}}
LOCATION_FULL: Shape = {
    "addresses": WITH_ATTRIBUTES,
    "accessibility": WITH_ATTRIBUTES,
    "phones": {"languages": {}},
    "languages": {},
    "schedules": {},
    **WITH_ATTRIBUTES,
}
ORGANIZATION_BRIEF: Shape = {
    "organization_identifiers": WITH_ATTRIBUTES,
    **WITH_ATTRIBUTES,
}
SERVICE_PARTS: Shape = {
    "schedules": {},
    "service_areas": {},
    "languages": {},
    "funding": {},
    "cost_options": {},
    "contacts": {ATTRIBUTES: {"taxonomy_term": TERM}, "phones": {"languages": {}}},
    "phones": {"languages": {}},
    **WITH_ATTRIBUTES,
}
SERVICE_FULL: Shape = {
    **SERVICE_PARTS,
    "organization": ORGANIZATION_BRIEF,
    "service_at_locations": {"location": LOCATION_FULL},
}
SERVICE_LIST: Shape = {"organization": {}}
ORGANIZATION_FULL: Shape = {
    **ORGANIZATION_BRIEF,
    "services": {**SERVICE_PARTS, "service_at_locations": {"location": LOCATION_FULL}},
}
ORGANIZATION_LIST: Shape = {}
SERVICE_AT_LOCATION_FULL: Shape = {
    "location": LOCATION_FULL,
    "service": {**SERVICE_PARTS, "organization": ORGANIZATION_BRIEF},
}
SERVICE_AT_LOCATION_LIST: Shape = {"location": {}, "service": SERVICE_LIST}
TAXONOMY_FULL: Shape = {"taxonomy_terms": {}}
TAXONOMY_TERM_FULL: Shape = {}


def public_records(kind_name: str) -> models.QuerySet[Any]:
    """Every record of a kind that may be published: none at or about a sensitive location."""
    kind = KINDS[kind_name]
    # Any: the lookups differ per table, which the type of the abstract base cannot know.
    records: models.QuerySet[Any] = kind.model._default_manager.all()
    if kind_name == "location":
        return records.filter(sensitive=False)
    if "location" in kind.links.values():
        records = records.exclude(location__sensitive=True)
    if "service_at_location" in kind.links.values():
        records = records.exclude(service_at_location__location__sensitive=True)
    if kind_name == "attribute":
        hidden = tables.Location.objects.filter(sensitive=True).values("pk")
        records = records.exclude(link_id__in=hidden)
    return records


def with_confidential_place() -> Q:
    """A filter of services: those with a confidential place, at a sensitive location or
    marked with the confidential location term by a feed (a partner's refuge, or a refuge of a
    register this one imported). The register's one reading of it: what it counts, and what
    its API finds by the term."""
    at_refuge = tables.ServiceAtLocation.objects.filter(location__sensitive=True)
    marked = tables.Attribute.objects.filter(taxonomy_term_id=CONFIDENTIAL_LOCATION_TERM)
    return Q(pk__in=at_refuge.values("service_id")) | Q(pk__in=marked.values("link_id"))


def confidential_services(service_ids: Iterable[str] | None = None) -> set[str]:
    """Which services (of ``service_ids``; all without) have a confidential place."""
    found = tables.Service.objects.filter(with_confidential_place()).values_list("pk", flat=True)
    if service_ids is None:
        return set(found)
    return {
        service_id for chunk in _chunks(service_ids) for service_id in found.filter(pk__in=chunk)
    }


def with_term(term_id: str) -> Q:
    """A filter of services: those the register publishes linked to a taxonomy term, by an
    attribute of their own or, for the confidential location term, by the mark this module
    writes on each service with a confidential place."""
    linked = Q(pk__in=_linked(Q(taxonomy_term_id=term_id)))
    if term_id == CONFIDENTIAL_LOCATION_TERM:
        return linked | with_confidential_place()
    return linked


def with_taxonomy(taxonomy_id: str) -> Q:
    """A filter of services: those the register publishes linked to a term of a taxonomy. The
    marks carry the confidential location term as the register holds it, so they are of the
    taxonomy its record names (Bakehouse's own term, written when none is held, has none)."""
    term_in_it = tables.TaxonomyTerm.objects.filter(
        pk=CONFIDENTIAL_LOCATION_TERM, taxonomy_id=taxonomy_id
    )
    # One query still: whether the term is in the taxonomy is asked inside the search's own.
    return Q(pk__in=_linked(Q(taxonomy_term__taxonomy_id=taxonomy_id))) | (
        Q(Exists(term_in_it)) & with_confidential_place()
    )


def _linked(to_terms: Q) -> models.QuerySet[Any]:
    return tables.Attribute.objects.filter(to_terms).values("link_id")


def confidential_mark(service_id: str) -> dict[str, Any]:
    """The attribute that says a service at a sensitive location has a confidential place, and
    nothing about the place. Its id follows from the service's, so every export gives the same
    one and importing it again changes nothing."""
    return {
        "id": str(uuid5(UUID(CONFIDENTIAL_LOCATION_TERM), service_id)),
        "link_id": service_id,
        "taxonomy_term_id": CONFIDENTIAL_LOCATION_TERM,
    }


def _unmarked(service_ids: Iterable[str] | None = None) -> list[str]:
    """The services (of ``service_ids``; all without) at a sensitive location that no feed has
    marked: those the export marks."""
    marked = tables.Attribute.objects.filter(taxonomy_term_id=CONFIDENTIAL_LOCATION_TERM)
    at_refuge = (
        tables.ServiceAtLocation.objects.filter(location__sensitive=True)
        .exclude(service_id__in=marked.values("link_id"))
        .values_list("service_id", flat=True)
    )
    if service_ids is None:
        return sorted(set(at_refuge))
    chunks = _chunks(service_ids)
    return sorted({found for chunk in chunks for found in at_refuge.filter(service_id__in=chunk)})


def _confidential_term() -> dict[str, Any]:
    """The confidential location term as published: the register's record, or Bakehouse's."""
    held = tables.TaxonomyTerm.objects.filter(pk=CONFIDENTIAL_LOCATION_TERM).first()
    return dict(held.fields) if held is not None else dict(CONFIDENTIAL_TERM_FIELDS)


def added_terms() -> list[tables.TaxonomyTerm]:
    """The terms the public register publishes without holding them: the confidential location
    term, when services carry the marks this module writes but the register has no record of
    it (no feed gave it). Records not stored, read as the stored ones are."""
    held = tables.TaxonomyTerm.objects.filter(pk=CONFIDENTIAL_LOCATION_TERM)
    if not tables.Service.objects.filter(~Exists(held), with_confidential_place()).exists():
        return []
    fields = dict(CONFIDENTIAL_TERM_FIELDS)
    return [tables.TaxonomyTerm(pk=CONFIDENTIAL_LOCATION_TERM, name=fields["name"], fields=fields)]


def added_records(kind_name: str) -> list[dict[str, Any]]:
    """What the public register publishes of a kind beyond its own records: the marks of its
    services at sensitive locations (attributes), and the terms it does not hold
    (``added_terms``)."""
    if kind_name == "attribute":
        return [confidential_mark(service_id) for service_id in _unmarked()]
    if kind_name == "taxonomy_term":
        return [dict(term.fields) for term in added_terms()]
    return []


def render(kind_name: str, record: tables.Record, shape: Shape) -> dict[str, Any]:
    """``record`` as ORUK publishes it, with the nested records ``shape`` names."""
    rendered: dict[str, Any] = render_all(kind_name, [record], shape)[0]
    return rendered


def render_all(kind_name: str, records: Iterable[tables.Record], shape: Shape) -> list[Any]:
    """Each of ``records`` as ORUK publishes it, with the nested records ``shape`` names.

    Each nested part is read for all the records at once (one query per part and level, not
    per record), so a page of 50 services costs as many queries as one service."""
    records = list(records)
    documents = [dict(record.fields) for record in records]
    if not records:
        return documents
    ids = [record.pk for record in records]
    for key, inner in shape.items():
        if (kind_name, key) in ONE:
            child_kind, attribute = ONE[(kind_name, key)]
            links = [getattr(record, f"{attribute}_id") for record in records]
            children = _read(child_kind, "pk", {link for link in links if link is not None})
            by_id = dict(
                zip(
                    [child.pk for child in children],
                    render_all(child_kind, children, inner),
                    strict=True,
                )
            )
            for document, link in zip(documents, links, strict=True):
                if link in by_id:
                    document[key] = by_id[link]
            continue
        if key == ATTRIBUTES:
            child_kind, column = "attribute", "link_id"
        else:
            child_kind, attribute = MANY[(kind_name, key)]
            column = f"{attribute}_id"
        children = _read(child_kind, column, ids)
        groups: dict[str, list[Any]] = {}
        for child, child_document in zip(
            children, render_all(child_kind, children, inner), strict=True
        ):
            groups.setdefault(getattr(child, column), []).append(child_document)
        if kind_name == "service" and key == ATTRIBUTES:
            _add_marks(groups, ids, inner)
        for document, record_id in zip(documents, ids, strict=True):
            if record_id in groups:
                document[key] = groups[record_id]
    return documents


def _add_marks(groups: dict[str, list[Any]], service_ids: list[str], shape: Shape) -> None:
    """Adds its mark to the attributes of each service at a sensitive location that no feed
    has marked, after its own."""
    unmarked = _unmarked(service_ids)
    term = _confidential_term() if unmarked and "taxonomy_term" in shape else None
    for service_id in unmarked:
        mark = confidential_mark(service_id)
        if term is not None:
            mark["taxonomy_term"] = term
        groups.setdefault(service_id, []).append(mark)


# Ids per query: under SQLite's smallest limit on a statement's parameters (999).
_CHUNK = 900


def _chunks(values: Iterable[str]) -> list[list[str]]:
    wanted = sorted(set(values))
    return [wanted[start : start + _CHUNK] for start in range(0, len(wanted), _CHUNK)]


def _read(kind_name: str, column: str, values: Iterable[str]) -> list[Any]:
    """The public records of a kind whose ``column`` is one of ``values``, in id order."""
    chunks = _chunks(values)
    found: list[Any] = []
    for chunk in chunks:
        found.extend(public_records(kind_name).filter(**{f"{column}__in": chunk}).order_by("pk"))
    # One chunk keeps the database's order, as a query per record did; more are merged here.
    return found if len(chunks) <= 1 else sorted(found, key=lambda record: record.pk)


def page(
    contents: list[Any], *, total_items: int, page_number: int, per_page: int
) -> dict[str, Any]:
    """The ORUK page envelope around ``contents``."""
    total_pages = max(1, math.ceil(total_items / per_page)) if per_page else 1
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(contents),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


# The files ``write_register`` writes: kind and shape of each, parents first.
REGISTER_FILES: dict[str, tuple[str, Shape]] = {
    "organizations.json": ("organization", ORGANIZATION_LIST),
    "taxonomies.json": ("taxonomy", TAXONOMY_FULL),
    "taxonomy_terms.json": ("taxonomy_term", TAXONOMY_TERM_FULL),
    "services.json": ("service", SERVICE_FULL),
}


def register_feeds() -> dict[str, list[Any]]:
    """The whole public register as ORUK feeds, by file name: lists of records that
    ``import_oruk`` reads back (services in full, with their locations)."""
    feeds = {
        name: render_all(kind, public_records(kind).order_by("pk"), shape)
        for name, (kind, shape) in REGISTER_FILES.items()
    }
    # The term the services' marks name, so that the terms list it; the marks carry it too.
    feeds["taxonomy_terms.json"].extend(added_records("taxonomy_term"))
    return feeds
