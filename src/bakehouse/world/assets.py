"""The world's community assets: a synthetic register of local services as an Open Referral UK
feed, with gaps the truth knows about.

Family hubs, children's centres, libraries, nurseries and pre-schools, playgroups, speech and
language drop-ins, health visiting clinics, parenting courses, food banks, domestic abuse and
housing advice, and a refuge, each at a real postcode of the area, with opening times and the
ages it serves. Sites are spread with the area's children. Then, as happens when funding ends,
a few neighbourhoods among those of highest need are left with no early years provision within
a walk: every early years service inside a gap area, or within ``GAP_REACH_METRES`` of its
population-weighted centre, is taken away. The feed leaves them out and
``truth/asset_gaps.json`` lists the gap areas, the services removed and the rule. Libraries,
food banks and advice stay. The refuge's location carries the "confidential location" term, so
a register that reads the feed keeps its address private.

Every organisation and service says in its description that it is synthetic. Deterministic by
seed; no person appears anywhere in it.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bakehouse.geography.areas import Area
from bakehouse.geography.deprivation import Deprivation
from bakehouse.geography.grid import to_wgs84

# Kept apart from the simulation's random streams, so the register never shifts the people.
STREAM = 100
SYNTHETIC = "Synthetic: made up for the Bakehouse demonstration world, not a real service."
TAXONOMY_ID = "0f8b5a4e-2c1d-4b7a-9e3f-6a1b2c3d4e50"
# The term that marks a location as confidential (a refuge's address). Bakehouse's register
# keeps any location carrying it out of every public page and feed; the id is fixed so that
# partners' feeds can use it too (web.assets.records.CONFIDENTIAL_LOCATION_TERM).
CONFIDENTIAL_LOCATION_TERM = "0f8b5a4e-2c1d-4b7a-9e3f-6a1b2c3d4e51"
# How many neighbourhoods lose their early years provision, chosen among how many areas of
# highest need.
GAP_AREAS = 4
GAP_FROM_HIGHEST_NEED = 15
# The walk within which a gap leaves no early years service: the school readiness recipe's
# ``assets: gap_reach`` (src/bakehouse/recipes/school-readiness/recipe.yaml), so that a gap in
# the truth is a gap a family on foot would feel.
GAP_REACH_METRES = 800
# Services this little beyond the walk go too: the feed's coordinates are rounded, and a service
# measured just inside the walk from them would leave a gap that is not one.
GAP_MARGIN_METRES = 5
NEED_WORDS = {
    "expected_not_ready_share": "need: the share of children still to start school expected "
    "not to be ready for it",
    "deprivation": "deprivation (Index of Multiple Deprivation rank)",
}


@dataclass(frozen=True)
class AssetType:
    """A kind of local asset: how many sites, who runs them, when they open, for which ages."""

    key: str
    label: str
    organization: str
    sites: int
    byday: str
    opens_at: str
    closes_at: str
    minimum_age: int
    maximum_age: int
    early_years: bool
    about: str


TYPES = (
    AssetType(
        "family_hub",
        "Family hub",
        "Essex Family Hubs",
        4,
        "MO,TU,WE,TH,FR",
        "09:00",
        "17:00",
        0,
        19,
        True,
        "Help for families with children and young people",
    ),
    AssetType(
        "childrens_centre",
        "Children's centre",
        "Essex Family Hubs",
        6,
        "MO,TU,WE,TH",
        "09:00",
        "16:00",
        0,
        5,
        True,
        "Activities and advice for under-fives",
    ),
    AssetType(
        "library",
        "Library",
        "Essex Libraries",
        5,
        "MO,TU,TH,FR,SA",
        "09:00",
        "17:00",
        0,
        120,
        False,
        "Books, rhyme time for babies and toddlers, computers",
    ),
    AssetType(
        "nursery",
        "Nursery",
        "Basildon Early Years Providers",
        12,
        "MO,TU,WE,TH,FR",
        "08:00",
        "18:00",
        0,
        5,
        True,
        "Day nursery with funded places from age two",
    ),
    AssetType(
        "pre_school",
        "Pre-school",
        "Basildon Early Years Providers",
        8,
        "MO,TU,WE,TH,FR",
        "09:00",
        "15:00",
        2,
        5,
        True,
        "Pre-school sessions with funded places",
    ),
    AssetType(
        "playgroup",
        "Playgroup",
        "Basildon Community Playgroups",
        8,
        "TU,TH",
        "09:30",
        "11:30",
        0,
        4,
        True,
        "Stay and play for babies and toddlers with their carers",
    ),
    AssetType(
        "speech_language",
        "Speech and language drop-in",
        "NHS Mid and South Essex Children's Therapies",
        3,
        "WE",
        "13:00",
        "15:00",
        1,
        5,
        True,
        "Drop in to talk to a speech and language therapist",
    ),
    AssetType(
        "health_visiting_clinic",
        "Health visiting clinic",
        "NHS Mid and South Essex Health Visiting",
        4,
        "MO",
        "09:30",
        "12:00",
        0,
        5,
        True,
        "Baby weighing, feeding support and development reviews",
    ),
    AssetType(
        "parenting_course",
        "Parenting course",
        "Essex Family Hubs",
        3,
        "TH",
        "18:00",
        "20:00",
        16,
        120,
        False,
        "A ten-week course for parents of young children",
    ),
    AssetType(
        "food_bank",
        "Food bank",
        "Basildon Food Bank Network",
        3,
        "WE,FR",
        "10:00",
        "13:00",
        0,
        120,
        False,
        "Emergency food parcels on referral",
    ),
    AssetType(
        "domestic_abuse_advice",
        "Domestic abuse advice",
        "Safer Essex Partnership",
        2,
        "MO,TU,WE,TH,FR",
        "09:00",
        "17:00",
        16,
        120,
        False,
        "Confidential advice and safety planning",
    ),
    AssetType(
        "housing_advice",
        "Housing advice",
        "Basildon Council Housing Options",
        2,
        "TU,TH",
        "10:00",
        "15:00",
        16,
        120,
        False,
        "Help to keep a home or find one",
    ),
)
REFUGE = AssetType(
    "refuge",
    "Refuge",
    "Safer Essex Partnership",
    1,
    "MO,TU,WE,TH,FR,SA,SU",
    "00:00",
    "23:59",
    16,
    120,
    False,
    "Safe accommodation for women and children",
)


@dataclass(frozen=True)
class Register:
    """The feed (ORUK records by file name) and what the truth knows about its gaps."""

    feeds: dict[str, list[dict[str, Any]]]
    gaps: dict[str, Any]


def build_register(
    area: Area, deprivation: Deprivation, seed: int, need: Mapping[str, float] | None = None
) -> Register:
    """The register of ``area``. ``need`` is each area's true need for school readiness (the
    share of its children still to start school who are expected not to be ready); the gap
    areas are drawn among the areas where it is highest. Without it, as for a register built
    without its people, they are drawn among the most deprived areas instead."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAM,)))
    ids = _Ids(rng)
    postcodes = _postcodes_by_lsoa(area)
    codes = [code for code in deprivation.lsoa11cd if postcodes.get(code)]
    children = np.array([deprivation.children[deprivation.lsoa11cd.index(c)] for c in codes])
    weights = children / children.sum()
    ranked, basis = _by_need(codes, deprivation, need)
    gap_areas = sorted(
        rng.choice(ranked[:GAP_FROM_HIGHEST_NEED], size=GAP_AREAS, replace=False).tolist()
    )
    centres = _centres(area, gap_areas)
    terms = {kind.key: _term(ids.next(), kind.label) for kind in (*TYPES, REFUGE)}
    organizations: dict[str, dict[str, Any]] = {}
    services: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    gone: list[tuple[int, int]] = []
    kept: list[tuple[int, int]] = []
    early_years_kinds = 0
    for kind in (*TYPES, REFUGE):
        sites = rng.choice(codes, size=kind.sites, replace=False, p=weights).tolist()
        if kind.early_years:
            # Every gap area had early years services until they were taken away.
            sites[0] = gap_areas[early_years_kinds % len(gap_areas)]
            early_years_kinds += 1
        for number, lsoa in enumerate(sites, start=1):
            postcode, easting, northing = postcodes[lsoa][int(rng.integers(len(postcodes[lsoa])))]
            organization = organizations.setdefault(
                kind.organization, _organization(ids.next(), kind.organization)
            )
            service = _service(
                ids, kind, number, postcode, (easting, northing), organization, terms[kind.key]
            )
            gap = _gap_reached(lsoa, (easting, northing), centres) if kind.early_years else None
            if gap is not None:
                removed.append(
                    {
                        "lsoa11cd": lsoa,
                        "type": kind.key,
                        "name": service["name"],
                        "postal_code": postcode,
                        "gap_area": gap[0],
                        "metres_from_gap_centre": gap[1],
                    }
                )
                gone.append((easting, northing))
                continue
            if kind.early_years:
                kept.append((easting, northing))
            services.append(service)
    taxonomy = {
        "id": TAXONOMY_ID,
        "name": "Bakehouse community asset categories",
        "description": "Kinds of local asset in the Bakehouse demonstration world. " + SYNTHETIC,
        "version": "1",
        "taxonomy_terms": [*terms.values(), _confidential_term()],
    }
    return Register(
        feeds={"taxonomies.json": [taxonomy], "services.json": services},
        gaps={
            "seed": seed,
            "gap_areas": gap_areas,
            "chosen_by": basis,
            "gap_reach_metres": GAP_REACH_METRES,
            "rule": f"{GAP_AREAS} gap areas drawn at random among the {GAP_FROM_HIGHEST_NEED} "
            f"areas of highest {NEED_WORDS[basis]}: every early years service inside a gap "
            f"area or within {GAP_REACH_METRES} m of its population-weighted centre was removed "
            "from the register. Other kinds of service stay.",
            "removed_services": removed,
            "areas_left_without": _left_without(_centres(area, codes), gap_areas, gone, kept),
            "early_years_types": [kind.key for kind in TYPES if kind.early_years],
        },
    )


def write_register(
    area: Area,
    deprivation: Deprivation,
    seed: int,
    world: Path,
    need: Mapping[str, float] | None = None,
) -> None:
    """Writes ``assets/`` (the ORUK feed) and ``truth/asset_gaps.json`` into ``world``."""
    register = build_register(area, deprivation, seed, need)
    folder = world / "assets"
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in register.feeds.items():
        (folder / name).write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    (world / "truth" / "asset_gaps.json").write_text(
        json.dumps(register.gaps, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def _by_need(
    codes: list[str], deprivation: Deprivation, need: Mapping[str, float] | None
) -> tuple[list[str], str]:
    """The areas, highest need first, and what need was read from."""
    if need is None:
        rank = dict(zip(deprivation.lsoa11cd, deprivation.imd_rank, strict=True))
        return sorted(codes, key=lambda code: rank[code]), "deprivation"
    # Ties (and areas without children to come) fall back to the code, for a stable draw.
    return sorted(codes, key=lambda code: (-need.get(code, 0.0), code)), "expected_not_ready_share"


def _left_without(
    centres: dict[str, tuple[float, float]],
    gap_areas: list[str],
    gone: list[tuple[int, int]],
    kept: list[tuple[int, int]],
) -> list[str]:
    """Areas besides the gap areas whose walk held early years services only among those
    removed: neighbours the closures left without, which a gap measure rightly finds too."""

    def within_reach(centre: tuple[float, float], sites: list[tuple[int, int]]) -> bool:
        return any(math.dist(centre, site) <= GAP_REACH_METRES for site in sites)

    return [
        code
        for code, centre in centres.items()
        if code not in gap_areas and within_reach(centre, gone) and not within_reach(centre, kept)
    ]


def _centres(area: Area, codes: list[str]) -> dict[str, tuple[float, float]]:
    """Population-weighted centres (British National Grid metres) of ``codes``: the points the
    gap measure measures its reach from."""
    lsoas = area.lsoas
    found = {
        code: (float(easting), float(northing))
        for code, easting, northing in zip(
            lsoas.column("lsoa11cd").to_pylist(),
            lsoas.column("bng_e").to_pylist(),
            lsoas.column("bng_n").to_pylist(),
            strict=True,
        )
    }
    return {code: found[code] for code in codes}


def _gap_reached(
    lsoa: str, point: tuple[int, int], centres: dict[str, tuple[float, float]]
) -> tuple[str, int] | None:
    """The gap area a service at ``point`` in ``lsoa`` falls in or within reach of (the
    nearest), with its distance in whole metres, or None."""
    distances = {code: math.dist(point, centre) for code, centre in centres.items()}
    code = lsoa if lsoa in centres else min(distances, key=distances.__getitem__)
    if lsoa in centres or distances[code] <= GAP_REACH_METRES + GAP_MARGIN_METRES:
        return code, round(distances[code])
    return None


class _Ids:
    """Version 4 UUIDs drawn from the register's own random stream: the same for a seed."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def next(self) -> str:
        return str(uuid.UUID(bytes=self.rng.bytes(16), version=4))


def _postcodes_by_lsoa(area: Area) -> dict[str, list[tuple[str, int, int]]]:
    found: dict[str, list[tuple[str, int, int]]] = {}
    table = area.postcodes
    for postcode, lsoa, easting, northing in zip(
        table.column("postcode").to_pylist(),
        table.column("lsoa11cd").to_pylist(),
        table.column("easting").to_pylist(),
        table.column("northing").to_pylist(),
        strict=True,
    ):
        if easting is not None and northing is not None:
            found.setdefault(lsoa, []).append((postcode, int(easting), int(northing)))
    return found


def _term(term_id: str, label: str) -> dict[str, Any]:
    return {
        "id": term_id,
        "name": label,
        "description": f"{label}. {SYNTHETIC}",
        "taxonomy_id": TAXONOMY_ID,
    }


def _confidential_term() -> dict[str, Any]:
    return {
        "id": CONFIDENTIAL_LOCATION_TERM,
        "name": "Confidential location",
        "description": "The address must not be published (for example a refuge).",
        "taxonomy_id": TAXONOMY_ID,
    }


def _organization(organization_id: str, name: str) -> dict[str, Any]:
    return {"id": organization_id, "name": f"{name} (synthetic)", "description": SYNTHETIC}


def _service(
    ids: _Ids,
    kind: AssetType,
    number: int,
    postcode: str,
    point: tuple[int, int],
    organization: dict[str, Any],
    term: dict[str, Any],
) -> dict[str, Any]:
    latitude, longitude = to_wgs84(*point)
    name = f"{kind.label} {number}" if kind.sites > 1 else kind.label
    location: dict[str, Any] = {
        "id": ids.next(),
        "location_type": "physical",
        "name": f"{name} site",
        "latitude": round(latitude, 6),
        "longitude": round(longitude, 6),
        "addresses": [
            {
                "id": ids.next(),
                "address_1": f"{name} site",
                "city": "Basildon",
                "state_province": "Essex",
                "postal_code": postcode,
                "country": "GB",
                "address_type": "physical",
            }
        ],
    }
    if kind is REFUGE:
        location["attributes"] = [{"id": ids.next(), "taxonomy_term": _confidential_term()}]
    return {
        "id": ids.next(),
        "name": f"{name} (synthetic)",
        "description": f"{kind.about}. {SYNTHETIC}",
        "status": "active",
        "minimum_age": kind.minimum_age,
        "maximum_age": kind.maximum_age,
        "last_modified": "2025-01-06T09:00:00Z",
        "organization": organization,
        "schedules": [
            {
                "id": ids.next(),
                "freq": "WEEKLY",
                "byday": kind.byday,
                "opens_at": f"{kind.opens_at}:00",
                "closes_at": f"{kind.closes_at}:00",
            }
        ],
        "service_at_locations": [{"id": ids.next(), "location": location}],
        "attributes": [{"id": ids.next(), "taxonomy_term": term}],
    }
