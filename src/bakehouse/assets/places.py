"""Where areas and services are: LSOA centroids from the shipped geography, and services read
from an Open Referral UK feed into what the gap measure needs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from bakehouse.assets.gap import ServiceSite, Term
from bakehouse.geography import load_area

# The term a feed links to a location whose address must not be published (a refuge), or to a
# service whose such place it leaves out. The same id as the world's feed and the web register
# use.
CONFIDENTIAL_LOCATION_TERM = "0f8b5a4e-2c1d-4b7a-9e3f-6a1b2c3d4e51"
LSOA_CODE = re.compile(r"[EW]0[0-9]{7}")


def lsoa_centroids(codes: Iterable[str]) -> dict[str, tuple[float, float]]:
    """Population-weighted centroids (latitude, longitude) of the Essex LSOAs among ``codes``,
    from the committed extract; codes outside it are left out for the caller to place."""
    known = _essex_centroids()
    return {code: known[code] for code in codes if code in known}


@cache
def _essex_centroids() -> dict[str, tuple[float, float]]:
    lsoas = load_area("essex").lsoas
    return {
        str(code): (float(lat), float(lon))
        for code, lat, lon in zip(
            lsoas.column("lsoa11cd").to_pylist(),
            lsoas.column("lat").to_pylist(),
            lsoas.column("lon").to_pylist(),
            strict=True,
        )
    }


def services_from_feed(records: Sequence[Mapping[str, Any]]) -> list[ServiceSite]:
    """Services in full ORUK form (``services.json``) as the gap measure reads them: terms from
    the service's attributes, public places from its services at locations, and service areas
    by their ``extent`` when it is an LSOA code. Inactive services are left out."""
    return [_service(record) for record in records if record.get("status", "active") == "active"]


def _service(record: Mapping[str, Any]) -> ServiceSite:
    attributes = record.get("attributes") or ()
    # The term on the service itself says it has a confidential place the feed leaves out (as
    # the web register's export says of its refuges), not what kind of service it is.
    terms = tuple(
        Term(str(term.get("id", "")), str(term.get("name", "")))
        for term in _terms(attributes)
        if term.get("id") != CONFIDENTIAL_LOCATION_TERM
    )
    points: list[tuple[float, float]] = []
    confidential = _marked(attributes)
    for at_location in record.get("service_at_locations") or ():
        location = at_location.get("location") or {}
        if any(
            t.get("id") == CONFIDENTIAL_LOCATION_TERM
            for t in _terms(location.get("attributes") or ())
        ):
            confidential = True
            continue
        latitude, longitude = location.get("latitude"), location.get("longitude")
        if latitude is not None and longitude is not None:
            points.append((float(latitude), float(longitude)))
    areas = tuple(
        code for area in record.get("service_areas") or () if (code := lsoa_of(area)) is not None
    )
    return ServiceSite(
        id=str(record["id"]),
        terms=terms,
        points=tuple(points),
        confidential=confidential,
        service_areas=areas,
        capacity=None,
    )


def lsoa_of(service_area: Mapping[str, Any]) -> str | None:
    """The LSOA a service area names: its ``extent`` as text, or the last part of its ``uri``
    (the ONS statistical geography address ends with the code). Polygons are not read."""
    extent, uri = service_area.get("extent"), service_area.get("uri")
    for text in (extent, uri.rstrip("/").rsplit("/", 1)[-1] if isinstance(uri, str) else None):
        if isinstance(text, str) and LSOA_CODE.fullmatch(text.strip()):
            return text.strip()
    return None


def _marked(attributes: Iterable[Mapping[str, Any]]) -> bool:
    """Whether one of ``attributes`` links its record to the confidential location term, by id
    or by the term nested in it."""
    for attribute in attributes:
        term = attribute.get("taxonomy_term")
        nested = term.get("id") if isinstance(term, Mapping) else None
        if CONFIDENTIAL_LOCATION_TERM in (attribute.get("taxonomy_term_id"), nested):
            return True
    return False


def _terms(attributes: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [a["taxonomy_term"] for a in attributes if isinstance(a.get("taxonomy_term"), dict)]
