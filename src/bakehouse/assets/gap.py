"""Need against assets: for each area, the services of a recipe's kinds within each reach band,
provision per ``per`` of the population with its interval, and a gap score that sets the area's
expected events beside the services within reach.

Distances are straight lines from the area's population-weighted centroid to each public place
of a service (on a plane touching the Earth at the areas' mean latitude: within 1% of the great
circle at these distances); a service counts at its nearest place. A service that names the
area among its service areas counts at distance 0. A service whose only places are
confidential (a refuge) counts for every area in the widest band alone, so that no count moves
with where it is. A service with neither a place nor a service area cannot be placed: it is
counted in ``unplaced`` and nowhere else.

The gap is the expected rate of events (per ``per`` of the population) per service within the
gap band, one more service counted (``expected / population * per / (services + 1)``): an area
without a service keeps its whole expected rate as its gap, and the gap falls as services are
added. A rate, not a number, so that an area's gap does not grow with how many people the
census happened to put in it (docs/adr/0032-need-against-assets.md has the measurements).
Its interval is the expected-events interval divided the same way: the service count is a
census of the register, not a sample. Provision per ``per`` carries a Garwood (exact Poisson)
interval on the count, for comparing areas whose few services could as easily have been one
more or one fewer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from bakehouse.areas.intervals import exact_poisson
from bakehouse.errors import ConfigError
from bakehouse.recipes.schema import AssetsSpec

EARTH_RADIUS_METRES = 6_371_008.8


class AssetGapError(ConfigError):
    """The areas or services given to the gap measure cannot be used as they are."""


@dataclass(frozen=True)
class AreaNeed:
    """One area's expected events (with their interval) and its population: release figures,
    never people. ``expected`` is None when the release withheld it."""

    code: str
    expected: float | None
    low: float | None
    high: float | None
    population: int | None


@dataclass(frozen=True)
class Term:
    id: str
    name: str


@dataclass(frozen=True)
class ServiceSite:
    """A service as the gap measure needs it: its terms, its public places (latitude,
    longitude), whether it has a confidential place, the LSOAs it names as its service area,
    and its capacity when the register gives one."""

    id: str
    terms: tuple[Term, ...]
    points: tuple[tuple[float, float], ...] = ()
    confidential: bool = False
    service_areas: tuple[str, ...] = ()
    capacity: float | None = None


@dataclass(frozen=True)
class Nearby:
    """A service with a public place within reach of an area: the nearest band it falls in."""

    service_id: str
    band_metres: int
    metres: float | None  # None when it counts through its service area


@dataclass(frozen=True)
class AreaGap:
    code: str
    population: int | None
    expected: float | None
    low: float | None
    high: float | None
    # Per reach band, nearest first: services within it (cumulative), and the summed capacity
    # of those that state one, with how many do.
    services: tuple[int, ...]
    capacity: tuple[float, ...]
    capacity_known: tuple[int, ...]
    provision: float | None  # services within the gap band per ``per`` of the population
    provision_low: float | None
    provision_high: float | None
    gap: float | None  # expected events per ``per`` of the population, per service (+1)
    gap_low: float | None
    gap_high: float | None
    rank: int | None  # 1 is the largest gap
    nearby: tuple[Nearby, ...]  # public places only, nearest band first


@dataclass(frozen=True)
class GapTable:
    bands: tuple[int, ...]
    gap_band: int
    per: int
    confidence: float
    matched: int  # services of the recipe's kinds
    area_wide: int  # of them, counted everywhere in the widest band (confidential places only)
    unplaced: int  # of them, with no place and no service area: counted nowhere
    areas: tuple[AreaGap, ...]  # in the order given

    def ranked(self) -> list[AreaGap]:
        """Areas by gap, largest first; areas without a gap last, by code."""
        return sorted(
            self.areas,
            key=lambda area: (area.rank is None, area.rank or 0, area.code),
        )


def matching_services(services: Sequence[ServiceSite], terms: Sequence[str]) -> list[ServiceSite]:
    """The services carrying one of ``terms``: a term's id exactly, or its name ignoring case."""
    wanted = {term.strip().casefold() for term in terms}
    ids = {term.strip() for term in terms}
    return [
        service
        for service in services
        if any(term.id in ids or term.name.strip().casefold() in wanted for term in service.terms)
    ]


# Areas share the same few service counts: each count's interval is worked out once.
_garwood_cached = cache(exact_poisson)


def need_against_assets(
    areas: Sequence[AreaNeed],
    services: Sequence[ServiceSite],
    centroids: Mapping[str, tuple[float, float]],
    spec: AssetsSpec,
    confidence: float = 0.95,
) -> GapTable:
    """The gap table of ``areas`` against the services of ``spec.terms`` among ``services``."""
    missing = [area.code for area in areas if area.code not in centroids]
    if missing:
        raise AssetGapError(
            f"No centroid for {len(missing)} area(s), first {missing[0]}",
            field="lsoa11cd",
            fix="Give a centroid (latitude, longitude) for every area of the release",
        )
    bands = np.array([band.metres for band in spec.reach], dtype=float)
    gap_index = [band.metres for band in spec.reach].index(spec.gap_metres)
    kinds = matching_services(services, spec.terms)
    placed = [s for s in kinds if s.points]
    area_wide = [s for s in kinds if not s.points and not s.service_areas and s.confidential]
    unplaced = [s for s in kinds if not s.points and not s.service_areas and not s.confidential]
    codes = [area.code for area in areas]
    distance = _nearest_place(codes, centroids, placed)  # areas x placed services, metres
    by_code = {code: row for row, code in enumerate(codes)}
    # Metres from each area to each service of the kinds: its nearest public place, or 0 where
    # it names the area as its service area.
    every = np.full((len(codes), len(kinds)), np.inf)
    placed_columns = [column for column, service in enumerate(kinds) if service.points]
    every[:, placed_columns] = distance
    for column, service in enumerate(kinds):
        for code in service.service_areas:
            if code in by_code:
                every[by_code[code], column] = 0.0
    capacities = np.array([s.capacity if s.capacity is not None else 0.0 for s in kinds])
    stated = np.array([1.0 if s.capacity is not None else 0.0 for s in kinds])
    counts = np.zeros((len(codes), len(bands)), dtype=int)
    capacity = np.zeros((len(codes), len(bands)))
    capacity_known = np.zeros((len(codes), len(bands)), dtype=int)
    for band, metres in enumerate(bands):
        within = (every <= metres).astype(float)
        counts[:, band] = within.sum(axis=1)
        capacity[:, band] = within @ capacities
        capacity_known[:, band] = within @ stated
    counts[:, -1] += len(area_wide)
    wide_capacity = sum(s.capacity for s in area_wide if s.capacity is not None)
    wide_stated = sum(1 for s in area_wide if s.capacity is not None)
    capacity[:, -1] += wide_capacity
    capacity_known[:, -1] += wide_stated
    public = [not s.confidential or bool(s.points) for s in kinds]
    rows = []
    for row, area in enumerate(areas):
        count = int(counts[row, gap_index])
        rows.append(
            _area_gap(
                area,
                counts[row],
                capacity[row],
                capacity_known[row],
                count,
                _nearby(every[row], kinds, public, bands),
                spec.per,
                confidence,
            )
        )
    ranked = sorted(
        (r for r in rows if r.gap is not None),
        key=lambda r: (-(r.gap or 0.0), -(r.expected or 0.0), r.code),
    )
    rank = {r.code: number for number, r in enumerate(ranked, start=1)}
    return GapTable(
        bands=tuple(int(b) for b in bands),
        gap_band=spec.gap_metres,
        per=spec.per,
        confidence=confidence,
        matched=len(kinds),
        area_wide=len(area_wide),
        unplaced=len(unplaced),
        areas=tuple(replace(r, rank=rank.get(r.code)) for r in rows),
    )


def _nearest_place(
    codes: Sequence[str],
    centroids: Mapping[str, tuple[float, float]],
    services: Sequence[ServiceSite],
) -> np.ndarray:
    """Metres from each area's centroid to each service's nearest place (areas x services)."""
    if not services or not codes:
        return np.full((len(codes), len(services)), np.inf)
    at = np.array([centroids[code] for code in codes], dtype=float)
    reference = float(at[:, 0].mean())
    origin = _flat(at, reference)
    owner = np.repeat(np.arange(len(services)), [len(s.points) for s in services])
    places = _flat(np.array([p for s in services for p in s.points], dtype=float), reference)
    metres = np.sqrt(
        (places[None, :, 0] - origin[:, None, 0]) ** 2
        + (places[None, :, 1] - origin[:, None, 1]) ** 2
    )
    if len(owner) == len(services):
        return metres
    # Places are grouped by service (``owner`` is sorted), so each service's nearest is one
    # reduction over its run of columns.
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    return np.minimum.reduceat(metres, starts, axis=1)


def _flat(points: np.ndarray, reference: float) -> np.ndarray:
    """Latitude and longitude as metres on a plane touching the Earth at latitude ``reference``:
    for places within half a degree of it, east-west distances are within 1% of the great
    circle's (reach bands are at most 50 km), and it is many times faster than the haversine."""
    radians = np.radians(points)
    return np.column_stack(
        (
            radians[:, 0] * EARTH_RADIUS_METRES,
            radians[:, 1] * EARTH_RADIUS_METRES * np.cos(np.radians(reference)),
        )
    )


def _nearby(
    distances: np.ndarray, kinds: Sequence[ServiceSite], public: Sequence[bool], bands: np.ndarray
) -> tuple[Nearby, ...]:
    found = []
    for column in (int(c) for c in np.flatnonzero(distances <= bands[-1])):
        if not public[column]:
            continue
        metres = float(distances[column])
        band = int(bands[np.searchsorted(bands, metres)])
        found.append(Nearby(kinds[column].id, band, metres if kinds[column].points else None))
    return tuple(sorted(found, key=lambda n: (n.band_metres, n.metres or 0.0, n.service_id)))


def _area_gap(
    area: AreaNeed,
    counts: np.ndarray,
    capacity: np.ndarray,
    capacity_known: np.ndarray,
    count: int,
    nearby: tuple[Nearby, ...],
    per: int,
    confidence: float,
) -> AreaGap:
    provision = provision_low = provision_high = None
    if area.population:
        low, high = _garwood_cached(count, confidence)
        scale = per / area.population
        provision, provision_low, provision_high = count * scale, low * scale, high * scale
    # Expected events per ``per`` of the population, per service (one more counted).
    divisor = (count + 1) * area.population / per if area.population else None

    def share(value: float | None) -> float | None:
        if value is None or area.expected is None or divisor is None:
            return None
        return value / divisor

    return AreaGap(
        code=area.code,
        population=area.population,
        expected=area.expected,
        low=area.low,
        high=area.high,
        services=tuple(int(c) for c in counts),
        capacity=tuple(float(c) for c in capacity),
        capacity_known=tuple(int(c) for c in capacity_known),
        provision=provision,
        provision_low=provision_low,
        provision_high=provision_high,
        gap=share(area.expected),
        gap_low=share(area.low),
        gap_high=share(area.high),
        rank=None,
        nearby=nearby,
    )
