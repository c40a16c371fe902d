"""The Open Referral UK read API under ``/oruk/``, as ``oruk/schema/openapi.json`` describes it.

Open to anyone without a key, and to pages on other sites (CORS), as the standard asks. Views
only read parameters and shape responses: finding records is ``search``, writing them out is
``export``, so no response can carry a sensitive location.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from web.assets import export
from web.assets.freshness import cached, current_version
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
    request: Request, records: QuerySet[Any] | list[Any], kind: str, shape: export.Shape
) -> Response:
    try:
        return Response(page_of(request.query_params, records, kind, shape))
    except BadQuery as error:
        return bad_query(error)


def page_of(
    params: Mapping[str, str],
    records: QuerySet[Any] | list[Any],
    kind: str,
    shape: export.Shape,
) -> dict[str, Any]:
    """The page ``params`` ask for of ``records``, in the ORUK envelope."""
    wanted = paging(params)
    total = records.count() if isinstance(records, QuerySet) else len(records)
    start = (wanted.page - 1) * wanted.per_page
    # Past the end, nothing to fetch (and no offset too large for the database).
    chosen = records[start : start + wanted.per_page] if start < total else []
    contents = export.render_all(kind, chosen, shape)
    return export.page(
        contents, total_items=total, page_number=wanted.page, per_page=wanted.per_page
    )


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
    return paged(request, found, "taxonomy_term", export.TAXONOMY_TERM_FULL)


@endpoint
def taxonomy_term(request: Request, taxonomy_term_id: str) -> Response:
    return one(taxonomy_term_id, "taxonomy_term", export.TAXONOMY_TERM_FULL)


def one(oruk_id: str, kind: str, shape: export.Shape) -> Response:
    record = export.public_records(kind).filter(pk=oruk_id).first()
    if record is None:
        return not_found(kind.replace("_", " "), oruk_id)
    return Response(export.render(kind, record, shape))
