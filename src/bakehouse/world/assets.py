"""The world's community assets: a synthetic register of local services as an Open Referral UK
feed, with gaps the truth knows about.

Family hubs, children's centres, libraries, nurseries and pre-schools, playgroups, speech and
language drop-ins, health visiting clinics, parenting courses, food banks, domestic abuse and
housing advice, and a refuge, each at a real postcode of the area, with opening times and the
ages it serves. Sites are spread with the area's children. Then, as happens when funding ends,
every early years service in a few of the most deprived areas is taken away: the feed leaves
them out and ``truth/asset_gaps.json`` lists them. The refuge's location carries the
"confidential location" term, so a register that reads the feed keeps its address private.

Every organisation and service says in its description that it is synthetic. Deterministic by
seed; no person appears anywhere in it.
"""

from __future__ import annotations

import json
import uuid
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
# How many of the most deprived areas lose their early years services.
GAP_AREAS = 4
GAP_FROM_MOST_DEPRIVED = 15


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


def build_register(area: Area, deprivation: Deprivation, seed: int) -> Register:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(STREAM,)))
    ids = _Ids(rng)
    codes = list(deprivation.lsoa11cd)
    postcodes = _postcodes_by_lsoa(area)
    codes = [code for code in codes if postcodes.get(code)]
    children = np.array([deprivation.children[deprivation.lsoa11cd.index(c)] for c in codes])
    weights = children / children.sum()
    by_need = sorted(codes, key=lambda code: deprivation.imd_rank[deprivation.lsoa11cd.index(code)])
    gap_areas = sorted(
        rng.choice(by_need[:GAP_FROM_MOST_DEPRIVED], size=GAP_AREAS, replace=False).tolist()
    )
    terms = {kind.key: _term(ids.next(), kind.label) for kind in (*TYPES, REFUGE)}
    organizations: dict[str, dict[str, Any]] = {}
    services: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
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
            if kind.early_years and lsoa in gap_areas:
                removed.append(
                    {
                        "lsoa11cd": lsoa,
                        "type": kind.key,
                        "name": service["name"],
                        "postal_code": postcode,
                    }
                )
                continue
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
            "why": "Every early years service in these areas (chosen among the "
            f"{GAP_FROM_MOST_DEPRIVED} most deprived) was removed from the register.",
            "removed_services": removed,
            "early_years_types": [kind.key for kind in TYPES if kind.early_years],
        },
    )


def write_register(area: Area, deprivation: Deprivation, seed: int, world: Path) -> None:
    """Writes ``assets/`` (the ORUK feed) and ``truth/asset_gaps.json`` into ``world``."""
    register = build_register(area, deprivation, seed)
    folder = world / "assets"
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in register.feeds.items():
        (folder / name).write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    (world / "truth" / "asset_gaps.json").write_text(
        json.dumps(register.gaps, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


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
