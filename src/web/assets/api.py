"""The Open Referral UK read API under ``/oruk/``, as ``oruk/schema/openapi.json`` describes it.

Open to anyone without a key, and to pages on other sites (CORS), as the standard asks. Views
only read parameters and shape responses: finding records is ``search``, writing them out is
``export``, so no response can carry a sensitive location.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseBase
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from web.assets import export
from web.assets.freshness import cached, current_version
from web.assets.models import TaxonomyTerm
from web.assets.schemas import OPENAPI
from web.assets.search import (
    BadQuery,
    paging,
    service_at_locations_matching,
    services_matching,
)
from web.core.storable import NUL

HSDS_VERSION = "3.0"
PROFILE = "https://github.com/OpenReferralUK/uk-profile"

View = Callable[..., HttpResponseBase]


def open_to_all_sites(view: View) -> View:
    """Any web page may read these responses: the register is published for reuse."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def endpoint(view: Callable[..., Response]) -> View:
    """A read-only endpoint (GET, and HEAD with it) that any site may call."""

    @functools.wraps(view)
    def checked(request: Request, *args: Any, **kwargs: str) -> Response:
        # PostgreSQL cannot compare text holding a NUL character: it would be a server error.
        given = [(name, value) for name, values in request.query_params.lists() for value in values]
        for name, value in [*given, *kwargs.items()]:
            if NUL in value:
                return bad_query(BadQuery(name, "text without NUL characters"))
        return view(request, *args, **kwargs)

    read_only: View = api_view(["GET"])(checked)
    return open_to_all_sites(read_only)


def bad_query(error: BadQuery) -> Response:
    return Response({"detail": str(error), "parameter": error.parameter}, status=400)


def not_found(what: str, record_id: str) -> Response:
    return Response({"detail": f"No {what} has id {record_id}."}, status=404)


def paged(
    request: Request,
    records: QuerySet[Any] | list[Any],
    kind: str,
    shape: export.Shape,
    added: Sequence[tuple[int, Any]] = (),
) -> Response:
    try:
        return Response(page_of(request.query_params, records, kind, shape, added))
    except BadQuery as error:
        return bad_query(error)


def page_of(
    params: Mapping[str, str],
    records: QuerySet[Any] | list[Any],
    kind: str,
    shape: export.Shape,
    added: Sequence[tuple[int, Any]] = (),
) -> dict[str, Any]:
    """The page ``params`` ask for of ``records``, in the ORUK envelope; with ``added``
    (records the register writes without holding them, each with its index among all)."""
    wanted = paging(params)
    total = (records.count() if isinstance(records, QuerySet) else len(records)) + len(added)
    start = (wanted.page - 1) * wanted.per_page
    end = min(start + wanted.per_page, total)
    # Past the end, nothing to fetch (and no offset too large for the database).
    chosen = _between(records, added, start, end) if start < total else []
    contents = export.render_all(kind, chosen, shape)
    return export.page(
        contents, total_items=total, page_number=wanted.page, per_page=wanted.per_page
    )


def _between(
    records: QuerySet[Any] | list[Any], added: Sequence[tuple[int, Any]], start: int, end: int
) -> list[Any]:
    """Records ``start`` to ``end`` of ``records`` with ``added`` in their places among them:
    the database is asked only for the page's own held records."""
    inside = {index: record for index, record in added if start <= index < end}
    first = start - sum(1 for index, _ in added if index < start)
    held = list(records[first : first + (end - start) - len(inside)])
    chosen = []
    for index in range(start, end):
        if index in inside:
            chosen.append(inside[index])
        elif held:
            chosen.append(held.pop(0))
    return chosen


def _placed(
    terms: QuerySet[TaxonomyTerm], added: list[TaxonomyTerm]
) -> list[tuple[int, TaxonomyTerm]]:
    """Each of ``added`` with its index among ``terms`` (by name, then id) and ``added``. The
    database counts the terms before each, so its own collation orders both, as it orders the
    page."""
    before = sorted(
        (
            (terms.filter(Q(name__lt=term.name) | Q(name=term.name, pk__lt=term.pk)).count(), term)
            for term in added
        ),
        key=lambda pair: (pair[0], pair[1].name, pair[1].pk),
    )
    return [(count + rank, term) for rank, (count, term) in enumerate(before)]


def cached_search(request: Request, name: str, search: Callable[[], dict[str, Any]]) -> Response:
    """A search's page, kept in the shared cache under the register's version
    (``freshness``) and every parameter given, until the register next changes."""
    asked = sorted(request.query_params.lists())
    try:
        return Response(cached(name, current_version(), asked, search))
    except BadQuery as error:
        return bad_query(error)


@endpoint
def index(request: Request) -> Response:
    return Response(
        {
            "version": HSDS_VERSION,
            "profile": PROFILE,
            "openapi_url": request.build_absolute_uri("openapi.json"),
        }
    )


@endpoint
def openapi(request: Request) -> Response:
    return Response(json.loads(OPENAPI.read_text(encoding="utf-8")))


@endpoint
def services(request: Request) -> Response:
    params = request.query_params
    return cached_search(
        request,
        "oruk-services",
        lambda: page_of(params, services_matching(params), "service", export.SERVICE_LIST),
    )


@endpoint
def service(request: Request, service_id: str) -> Response:
    return one(service_id, "service", export.SERVICE_FULL)


@endpoint
def service_at_locations(request: Request) -> Response:
    params = request.query_params
    return cached_search(
        request,
        "oruk-service-at-locations",
        lambda: page_of(
            params,
            service_at_locations_matching(params),
            "service_at_location",
            export.SERVICE_AT_LOCATION_LIST,
        ),
    )


@endpoint
def service_at_location(request: Request, service_at_location_id: str) -> Response:
    return one(service_at_location_id, "service_at_location", export.SERVICE_AT_LOCATION_FULL)


@endpoint
def taxonomies(request: Request) -> Response:
    found = export.public_records("taxonomy").order_by("name", "pk")
    return paged(request, found, "taxonomy", export.TAXONOMY_FULL)


@endpoint
def taxonomy(request: Request, taxonomy_id: str) -> Response:
    return one(taxonomy_id, "taxonomy", export.TAXONOMY_FULL)


@endpoint
def taxonomy_terms(request: Request) -> Response:
    found = export.public_records("taxonomy_term").order_by("name", "pk")
    # The term the services' marks name is listed as the export's terms list it.
    added = _placed(found, export.added_terms())
    return paged(request, found, "taxonomy_term", export.TAXONOMY_TERM_FULL, added)


@endpoint
def taxonomy_term(request: Request, taxonomy_term_id: str) -> Response:
    return one(taxonomy_term_id, "taxonomy_term", export.TAXONOMY_TERM_FULL, export.added_terms)


def one(
    oruk_id: str,
    kind: str,
    shape: export.Shape,
    added: Callable[[], list[Any]] = list,
) -> Response:
    """The public record of a kind with an id, or one the register writes without holding it
    (``added``, asked only when the register holds none)."""
    record = export.public_records(kind).filter(pk=oruk_id).first()
    if record is None:
        record = next((written for written in added() if written.pk == oruk_id), None)
    if record is None:
        return not_found(kind.replace("_", " "), oruk_id)
    return Response(export.render(kind, record, shape))
