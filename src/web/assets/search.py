"""Finding services in the register by the ORUK API's query parameters.

Plain functions over querysets, so the API, the directory page and tests share them. A bad
value raises ``BadQuery`` naming the parameter and what it takes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cache, lru_cache

from django.db.models import Q, QuerySet

from bakehouse.geography.grid import to_grid, to_wgs84
from web.areas.postcodes import normalise
from web.assets.export import public_records, with_taxonomy, with_term
from web.assets.models import Schedule, Service, ServiceAtLocation

DAYS = {
    "MO": "monday",
    "TU": "tuesday",
    "WE": "wednesday",
    "TH": "thursday",
    "FR": "friday",
    "SA": "saturday",
    "SU": "sunday",
}
PER_PAGE = 50
MAX_PER_PAGE = 500
# Degrees added to each side of a search's box of latitude and longitude: the grid's square
# is slightly curved and turned in them (a few metres over tens of kilometres); 0.005 degrees
# is over 300 metres, so the box always holds the whole circle.
BOX_MARGIN_DEGREES = 0.005


class BadQuery(Exception):
    def __init__(self, parameter: str, wanted: str) -> None:
        self.parameter = parameter
        super().__init__(f"{parameter}: {wanted}")


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int


def paging(params: Mapping[str, str]) -> Paging:
    """``page`` counts from 1; ``per_page`` is capped so no request can ask for everything."""
    page = _integer(params, "page", 1)
    per_page = _integer(params, "per_page", PER_PAGE)
    if page < 1:
        raise BadQuery("page", "a page number from 1")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadQuery("per_page", f"a number of results from 1 to {MAX_PER_PAGE}")
    return Paging(page, per_page)


def _integer(params: Mapping[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise BadQuery(name, "a whole number") from None


def _number(params: Mapping[str, str], name: str) -> float | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise BadQuery(name, "a number") from None
    if not math.isfinite(value):
        raise BadQuery(name, "a finite number")
    return value


def _time(params: Mapping[str, str], name: str) -> time | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise BadQuery(name, "a time of day such as 09:30") from None


def _day(params: Mapping[str, str]) -> str | None:
    text = params.get("day", "").strip()
    if not text:
        return None
    for code, name in DAYS.items():
        if text.upper() == code or text.lower() == name:
            return code
    raise BadQuery("day", "a day such as MO or Monday")


def _moment(params: Mapping[str, str], name: str) -> datetime | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadQuery(name, "a date and time such as 2024-05-01T09:00:00Z") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def services_matching(params: Mapping[str, str]) -> QuerySet[Service]:
    """Services matching every given parameter, by name."""
    services: QuerySet[Service] = public_records("service")
    services = services.filter(_text_query(params.get("search", "")))
    term = params.get("taxonomy_term_id", "")
    if term:
        services = services.filter(with_term(term))
    taxonomy = params.get("taxonomy_id", "")
    if taxonomy:
        services = services.filter(with_taxonomy(taxonomy))
    organization = params.get("organization_id", "")
    if organization:
        services = services.filter(organization_id=organization)
    # As the ORUK API words them: a service whose own minimum is at least the one asked for,
    # and whose own maximum is at most the one asked for.
    minimum, maximum = _number(params, "minimum_age"), _number(params, "maximum_age")
    if minimum is not None:
        services = services.filter(minimum_age__gte=minimum)
    if maximum is not None:
        services = services.filter(maximum_age__lte=maximum)
    modified_after = _moment(params, "modified_after")
    if modified_after is not None:
        services = services.filter(last_modified__gte=modified_after)
    open_when = _schedules(params)
    if open_when is not None:
        services = services.filter(
            Q(pk__in=open_when.values("service_id"))
            | Q(service_at_locations__in=open_when.values("service_at_location_id"))
        ).distinct()
    return services.order_by("name", "pk")


def _text_query(text: str) -> Q:
    query = Q()
    for word in text.split():
        query &= Q(name__icontains=word) | Q(fields__description__icontains=word)
    return query


def _schedules(params: Mapping[str, str]) -> QuerySet[Schedule] | None:
    """Schedules open on the day and within the times asked for; None when none asked."""
    day, start, end = _day(params), _time(params, "start_time"), _time(params, "end_time")
    if day is None and start is None and end is None:
        return None
    schedules: QuerySet[Schedule] = public_records("schedule")
    if day is not None:
        schedules = schedules.filter(byday__contains=day)
    if start is not None:
        schedules = schedules.filter(opens_at__gte=start)
    if end is not None:
        schedules = schedules.filter(closes_at__lte=end)
    return schedules


def service_at_locations_matching(
    params: Mapping[str, str],
) -> list[ServiceAtLocation]:
    """Services at (public) locations whose service matches ``params``; with a postcode,
    nearest first, and with ``proximity`` (metres) only those that near."""
    matching = services_matching(params)
    places: QuerySet[ServiceAtLocation] = public_records("service_at_location")
    places = places.filter(service__in=matching).select_related("location")
    postcode_text = params.get("postcode", "").strip()
    proximity = _number(params, "proximity")
    if not postcode_text:
        # The standard measures proximity from the postcode; clients that send a default
        # distance with every request get every place when no postcode is given.
        return list(places.order_by("service__name", "pk"))
    if proximity is not None and proximity < 0:
        raise BadQuery("proximity", "a distance in metres, 0 or more")
    centre = postcode_point(postcode_text)
    if proximity is not None:
        places = places.filter(within_box(centre, proximity))
    ordered = list(places.order_by("service__name", "pk"))
    distances = [(metres_between(centre, place), place) for place in ordered]
    near = [
        (distance, place)
        for distance, place in distances
        if distance is not None and (proximity is None or distance <= proximity)
    ]
    return [place for _, place in sorted(near, key=lambda pair: pair[0])]


def postcode_point(text: str) -> tuple[float, float]:
    """The grid reference (easting, northing) of a postcode of the area."""
    postcode = normalise(text)
    if postcode is None:
        raise BadQuery("postcode", "a UK postcode such as SS14 1DL")
    point = _postcode_points().get(postcode)
    if point is None:
        raise BadQuery("postcode", f"a postcode in the area; {postcode} is not one we know")
    return point


@cache
def _postcode_points() -> dict[str, tuple[float, float]]:
    # Read on first use: the postcode table takes about a second to load.
    from bakehouse.geography import load_postcodes

    table = load_postcodes()
    return {
        postcode: (float(easting), float(northing))
        for postcode, easting, northing in zip(
            table.column("postcode").to_pylist(),
            table.column("easting").to_pylist(),
            table.column("northing").to_pylist(),
            strict=True,
        )
        if easting is not None and northing is not None
    }


def metres_between(centre: tuple[float, float], place: ServiceAtLocation) -> float | None:
    """Straight-line distance on the British National Grid; None without coordinates."""
    latitude, longitude = place.location.latitude, place.location.longitude
    if latitude is None or longitude is None or not (-90 < latitude < 90):
        return None
    easting, northing = _grid(latitude, longitude)
    if not (math.isfinite(easting) and math.isfinite(northing)):
        return None
    return math.hypot(easting - centre[0], northing - centre[1])


@lru_cache(maxsize=100_000)
def _grid(latitude: float, longitude: float) -> tuple[float, float]:
    # Places stay where they are: each is projected once per process, not once per search
    # (a search near a postcode measures every candidate place).
    return to_grid(latitude, longitude)


@dataclass(frozen=True)
class Box:
    """Latitudes and longitudes, each from the least to the greatest."""

    south: float
    north: float
    west: float
    east: float


def box_around(centre: tuple[float, float], metres: float) -> Box:
    """A box of latitude and longitude holding every point within ``metres`` of ``centre``
    (easting, northing)."""
    easting, northing = centre
    corners = [
        to_wgs84(easting + east, northing + north)
        for east in (-metres, metres)
        for north in (-metres, metres)
    ]
    latitudes = [latitude for latitude, _ in corners]
    longitudes = [longitude for _, longitude in corners]
    return Box(
        south=min(latitudes) - BOX_MARGIN_DEGREES,
        north=max(latitudes) + BOX_MARGIN_DEGREES,
        west=min(longitudes) - BOX_MARGIN_DEGREES,
        east=max(longitudes) + BOX_MARGIN_DEGREES,
    )


def within_box(centre: tuple[float, float], metres: float) -> Q:
    """Places whose location is in ``box_around``: a filter the database applies before the
    exact distance is measured, so a search does not measure the whole register."""
    box = box_around(centre, metres)
    return Q(
        location__latitude__gte=box.south,
        location__latitude__lte=box.north,
        location__longitude__gte=box.west,
        location__longitude__lte=box.east,
    )
